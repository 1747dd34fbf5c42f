import Foundation
import TractionTherapy

/// Reads the program files named on the command line. A directory stands
/// for every `.yaml` / `.yml` file in it (not recursive), in name order.
struct ProgramFiles {
    var sources: [ProgramSource] = []
    /// Paths that could not be read, with the reason.
    var unreadable: [(path: String, reason: String)] = []

    init(paths: [String]) {
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                unreadable.append((path, "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let names = (try? manager.contentsOfDirectory(atPath: path)) ?? []
                let programs = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                if programs.isEmpty { unreadable.append((path, "the directory holds no .yaml or .yml file")) }
                for name in programs { read((path as NSString).appendingPathComponent(name)) }
            } else {
                read(path)
            }
        }
    }

    private mutating func read(_ path: String) {
        switch Self.source(at: path) {
        case .success(let source): sources.append(source)
        case .failure(let reason): unreadable.append((path, reason.text))
        }
    }

    struct Unreadable: Error {
        var text: String
    }

    /// Reads at most one byte more than a program may have: a larger file
    /// (or a device that never ends) is refused by its size, not read whole.
    static func source(at path: String) -> Result<ProgramSource, Unreadable> {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(Unreadable(text: "cannot be read")) }
        defer { try? handle.close() }
        let limit = ProgramSchema.maximumFileBytes
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try handle.read(upToCount: limit + 1) ?? Data())
        } catch {
            return .failure(Unreadable(text: "cannot be read: \(error.localizedDescription)"))
        }
        var byteCount = bytes.count
        if byteCount > limit, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
            byteCount = max(byteCount, size)
        }
        return .success(ProgramSource(path: path, bytes: bytes, byteCount: byteCount))
    }
}

/// Writes JSON to standard output with stable key order.
enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
