import Foundation
import TractionControlProtocol
import TractionDevice
import TractionTherapy

/// The program files in the configured directories, looked up by name: the
/// file `NAME.yaml` in the first directory that has one. A client names a
/// program, never a path; a name with a path separator or a leading dot is
/// simply not found.
struct ProgramCatalog {
    var directories: [String]
    var limits: TherapyLimits

    struct Found {
        var name: String
        var file: String
        var source: ProgramSource

        /// The file's text for `programs.show`: nothing of a file too large
        /// to be a program, and bytes that are not UTF-8 as U+FFFD.
        var text: String {
            source.byteCount > ProgramSchema.maximumFileBytes ? "" : String(decoding: source.bytes, as: UTF8.self)
        }
    }

    /// The file's bytes, at most one more than a program may have: a file
    /// over the limit is refused by its size, never read whole on the
    /// service thread.
    static func read(_ file: String) -> ProgramSource? {
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: ProgramSchema.maximumFileBytes + 1) else { return nil }
        var byteCount = data.count
        if byteCount > ProgramSchema.maximumFileBytes,
           let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int {
            byteCount = max(byteCount, size)
        }
        return ProgramSource(path: file, bytes: [UInt8](data), byteCount: byteCount)
    }

    static func isPlausibleName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0") && name.utf8.count <= 255
    }

    /// Every `*.yaml` file, earlier directories hiding later ones of the same name, in name order.
    func files() -> [(name: String, file: String)] {
        var seen: Set<String> = []
        var result: [(name: String, file: String)] = []
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for fileName in names.sorted() where fileName.hasSuffix(".yaml") {
                let name = String(fileName.dropLast(".yaml".count))
                guard Self.isPlausibleName(name), seen.insert(name).inserted else { continue }
                result.append((name, (directory as NSString).appendingPathComponent(fileName)))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    func find(_ name: String) -> Found? {
        guard Self.isPlausibleName(name) else { return nil }
        for directory in directories {
            let file = (directory as NSString).appendingPathComponent(name + ".yaml")
            guard let source = Self.read(file) else { continue }
            return Found(name: name, file: file, source: source)
        }
        return nil
    }

    func notFound(_ name: String) -> ControlError {
        ControlError(.programNotFound, "there is no program called \(name) in the program directories",
                     data: ["program": .string(name), "directories": .array(directories.map(JSONValue.string))])
    }

    func validate(_ source: ProgramSource) -> Result<ValidatedProgram, ProgramDiagnostics> {
        ProgramValidator.validate(source, limits: limits)
    }

    /// The catalogue entry of one file: valid or with its first diagnostic.
    func entry(name: String, file: String, source: ProgramSource?) -> (entry: ProgramEntry, diagnostics: [String]) {
        guard let source else {
            return (ProgramEntry(name: name, file: file, valid: false, error: "\(file): cannot be read"),
                    ["\(file): cannot be read"])
        }
        switch validate(source) {
        case .failure(let found):
            let lines = found.diagnostics.map(\.description)
            return (ProgramEntry(name: name, file: file, valid: false, error: lines.first), lines)
        case .success(let program):
            let body = program.program
            // Duration as programmed: planned for the heaviest plausible
            // patient, so that no body-weight cap shortens the ramps.
            let nominal = PatientParameters(weight: limits.patientWeightRange.upperBound, region: body.region)
            let duration = (try? SessionPlan(program: program, patient: nominal))?.totalDuration.value
            let peak = body.phases.map(\.peakHoldForce).max()?.value ?? 0
            return (ProgramEntry(name: name, file: file, valid: true, region: body.region.rawValue,
                                 durationS: duration, peakN: peak, description: body.description), [])
        }
    }
}
