import Foundation
import Testing

/// The help texts are part of the interface: a change to them must be a
/// deliberate change to the golden files in Golden/.
///
/// To accept a deliberate change, regenerate the files and review the diff:
///
///     TRACTIONCTL_UPDATE_GOLDEN=1 swift test --filter HelpGoldenTests
///     git diff Tests/TractionctlTests/Golden
@Suite("tractionctl help")
struct HelpGoldenTests {
    static let cases: [(golden: String, arguments: [String])] = [
        ("help-root.txt", ["--help"]),
        ("help-status.txt", ["status", "--help"]),
        ("help-watch.txt", ["watch", "--help"]),
        ("help-start.txt", ["start", "--help"]),
        ("help-pause.txt", ["pause", "--help"]),
        ("help-resume.txt", ["resume", "--help"]),
        ("help-stop.txt", ["stop", "--help"]),
        ("help-adjust.txt", ["adjust", "--help"]),
        ("help-alarms.txt", ["alarms", "--help"]),
        ("help-ack.txt", ["ack", "--help"]),
        ("help-reset.txt", ["reset", "--help"]),
        ("help-device.txt", ["device", "--help"]),
        ("help-device-info.txt", ["device", "info", "--help"]),
        ("help-device-tare.txt", ["device", "tare", "--help"]),
        ("help-device-ports.txt", ["device", "ports", "--help"]),
        ("help-programs.txt", ["programs", "--help"]),
        ("help-programs-list.txt", ["programs", "list", "--help"]),
        ("help-programs-validate.txt", ["programs", "validate", "--help"]),
        ("help-programs-show.txt", ["programs", "show", "--help"]),
        ("help-replay.txt", ["replay", "--help"]),
        ("help-completions.txt", ["completions", "--help"]),
    ]

    static let updateGolden = ProcessInfo.processInfo.environment["TRACTIONCTL_UPDATE_GOLDEN"] == "1"

    @Test(arguments: cases.map(\.golden))
    func helpMatchesItsGoldenFile(_ golden: String) throws {
        let arguments = try #require(Self.cases.first { $0.golden == golden }?.arguments)
        let file = TractionctlRunner.packageRoot.appendingPathComponent("Tests/TractionctlTests/Golden/\(golden)")
        let result = try TractionctlRunner.run(arguments)
        #expect(result.status == 0)
        if Self.updateGolden { try result.standardOutput.write(to: file, atomically: true, encoding: .utf8) }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(result.standardOutput == expected, "regenerate with TRACTIONCTL_UPDATE_GOLDEN=1 if the change is meant")
    }

    @Test func everyVisibleCommandHasAGoldenHelpText() throws {
        // The root help's subcommand list against the cases: a new command needs its golden file.
        let root = try TractionctlRunner.run(["--help"])
        let listed = root.standardOutput.split(separator: "\n")
            .drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst()
            .compactMap { line -> String? in
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
                return line.split(separator: " ").first.map(String.init)
            }
        #expect(listed.count >= 14)
        for command in listed where command != "See" {
            #expect(Self.cases.contains { $0.arguments.first == command }, "no golden help for \(command)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameEveryCommandAndParse(_ shell: String) throws {
        let result = try TractionctlRunner.run(["completions", shell])
        #expect(result.status == 0)
        for command in ["status", "watch", "start", "adjust", "ack", "device", "programs", "replay"] {
            #expect(result.standardOutput.contains(command), "\(shell) completion lacks \(command)")
        }
        // The shell itself checks the syntax, where it is installed.
        let shellPath = "/bin/\(shell)"
        guard FileManager.default.isExecutableFile(atPath: shellPath) || shell == "bash" else { return }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("tractionctl-completion-\(UUID()).\(shell)")
        defer { try? FileManager.default.removeItem(at: script) }
        try result.standardOutput.write(to: script, atomically: true, encoding: .utf8)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: shell == "bash" ? "/bin/bash" : shellPath)
        check.arguments = ["-n", script.path]
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(shell) -n rejects the completion script")
    }
}
