import ArgumentParser
import Foundation
import TractionControlClient
import TractionControlProtocol
import TractionDevice
import TractionTherapy

/// `tractionctl programs list [--directory DIR ...]`
///
/// By default it asks the daemon: the names it prints are exactly the names
/// `tractionctl start` accepts, from the directories the daemon is
/// configured with, validated against the daemon's limits. With
/// `--directory` it reads directories itself and needs no daemon (a
/// technician preparing a directory before installing it).
struct ProgramsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the programs the daemon can run (or those in local directories).",
        discussion: """
            Without --directory, asks tractiond: the names are those `tractionctl start` \
            accepts, from the daemon's program directories (an earlier directory hides \
            a program of the same name in a later one). With --directory, reads the \
            directories given instead, in the same way, without a daemon, and checks \
            them against the limits --config and --table give (as `programs validate`).
            """
    )

    @Option(name: .customLong("directory"), help: ArgumentHelp(
        "Read this directory instead of asking the daemon (repeat for several; the first wins).", valueName: "dir"))
    var directories: [String] = []

    @OptionGroup var table: TableLimitOptions

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let list: ProgramsListResult
        if directories.isEmpty {
            let value = try daemon.run { client throws(ControlClientError) in try client.request(.programsList) }
            if daemon.json { return JSONText.print(value) }
            guard let decoded = try? ControlJSON.decode(value, as: ProgramsListResult.self) else {
                daemon.report(.badReply(detail: "programs.list"), refusal: nil)
                throw ExitStatus.protocolError
            }
            list = decoded
        } else {
            let limits = try table.resolve()
            list = Self.local(directories, limits: limits.limits)
            if daemon.json { return JSONText.print(ControlJSON.value(list)) }
            print(Self.render(list))
            print(limits.source.summary)
            return
        }
        print(Self.render(list))
    }

    static func render(_ list: ProgramsListResult) -> String {
        var lines = ["\(list.programs.count) program(s) in \(list.directories.joined(separator: ", ").visible):"]
        let width = max(12, (list.programs.map(\.name.count).max() ?? 0) + 2)
        // Names, descriptions and diagnostics come from files: shown, never obeyed.
        for entry in list.programs {
            let name = entry.name.visible.padding(toLength: width, withPad: " ", startingAt: 0)
            if entry.valid {
                let facts = [entry.region?.visible, entry.durationS.map(Units.clock),
                             entry.peakN.map { "peak \(Units.shortForce($0))" }]
                    .compactMap { $0 }.joined(separator: ", ")
                lines.append("  \(name)\(facts)\(entry.description.map { $0.isEmpty ? "" : "  \($0.visible)" } ?? "")")
            } else {
                lines.append("  \(name)\(Style.current.red("INVALID")): \(entry.error?.visible ?? "?")")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The daemon's listing rule applied to local directories: every `NAME.yaml`,
    /// named by its file, the first directory winning.
    static func local(_ directories: [String], limits: TherapyLimits) -> ProgramsListResult {
        var seen: Set<String> = []
        var entries: [ProgramEntry] = []
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for fileName in names.sorted() where fileName.hasSuffix(".yaml") {
                let name = String(fileName.dropLast(".yaml".count))
                guard !name.hasPrefix("."), seen.insert(name).inserted else { continue }
                let file = (directory as NSString).appendingPathComponent(fileName)
                entries.append(entry(name: name, file: file, limits: limits))
            }
        }
        return ProgramsListResult(programs: entries.sorted { $0.name < $1.name }, directories: directories)
    }

    static func entry(name: String, file: String, limits: TherapyLimits) -> ProgramEntry {
        let source: ProgramSource
        switch ProgramFiles.source(at: file) {
        case .failure(let unreadable):
            return ProgramEntry(name: name, file: file, valid: false, error: "\(file): \(unreadable.text)")
        case .success(let read): source = read
        }
        switch ProgramValidator.validate(source, limits: limits) {
        case .failure(let found):
            return ProgramEntry(name: name, file: file, valid: false, error: found.diagnostics.first?.description)
        case .success(let program):
            let body = program.program
            let heaviest = PatientParameters(weight: program.limits.patientWeightRange.upperBound, region: body.region)
            let duration = (try? SessionPlan(program: program, patient: heaviest))?.totalDuration.value
            return ProgramEntry(name: name, file: file, valid: true, region: body.region.rawValue, durationS: duration,
                                peakN: body.phases.map(\.peakHoldForce).max()?.value ?? 0, description: body.description)
        }
    }
}
