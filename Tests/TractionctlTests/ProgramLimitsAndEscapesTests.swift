import Foundation
import Testing

/// `tractionctl programs validate/show` check against the limits the daemon
/// would use and say which; refuse oversized, non-UTF-8 and escape-laden
/// files; and never pass a control character from a file or the daemon to
/// the terminal (issue 13).
@Suite("tractionctl programs: table limits, sizes and terminal escapes")
struct ProgramLimitsAndEscapesTests {
    static func directory() -> String {
        let path = "/tmp/ctl-programs-\(getpid())-\(UUID().uuidString.prefix(6))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func program(name: String = "tilted", phaseName: String = "work", description: String = "a test",
                        flexion: String = "32 deg") -> String {
        """
        name: \(name)
        description: "\(description)"
        region: lumbar
        limits:
          body_weight_fraction: 50 %
          maximum_force: 300 N
        phases:
          - name: "\(phaseName)"
            mode: static
            hold_force: 200 N
            hold_time: 60 s
            angles:
              flexion: \(flexion)

        """
    }

    /// 32° of flexion: inside the default range (0-35°), beyond the
    /// simulated table's axis (0-30°).
    @Test func thirtyTwoDegreesOfFlexionIsRefusedForTheSimulatedTableAndTheOutputSaysWhichLimits() throws {
        let directory = Self.directory()
        let file = directory + "/tilted.yaml"
        try Self.program().write(toFile: file, atomically: true, encoding: .utf8)
        let defaults = directory + "/defaults.yaml"
        try "# every key at its default\n".write(toFile: defaults, atomically: true, encoding: .utf8)
        let simulating = directory + "/simulating.yaml"
        try "simulation:\n  enabled: true\n".write(toFile: simulating, atomically: true, encoding: .utf8)

        let unnarrowed = try TractionctlRunner.run(["programs", "validate", file, "--config", defaults])
        #expect(unnarrowed.status == 0, "\(unnarrowed.standardOutput)")
        #expect(unnarrowed.standardOutput.hasPrefix("Limits: the configuration \(defaults), not narrowed to a table"))

        let simulated = try TractionctlRunner.run(["programs", "validate", file, "--config", defaults, "--table", "simulated"])
        #expect(simulated.status == 65)
        #expect(simulated.standardOutput.contains("the simulated table SIM-0001 (flexion 0.0° to 30.0°"))
        #expect(simulated.standardOutput.contains("[ANGLE_OUT_OF_RANGE]"))

        let byConfiguration = try TractionctlRunner.run(["programs", "validate", file, "--config", simulating, "--json"])
        #expect(byConfiguration.status == 65, "a configuration that simulates narrows to the simulated table")
        let report = try JSONSerialization.jsonObject(with: Data(byConfiguration.standardOutput.utf8)) as? [String: Any]
        let limits = report?["limits"] as? [String: Any]
        #expect(limits?["table"] as? String == "simulated")
        #expect(limits?["configuration"] as? String == simulating)

        let show = try TractionctlRunner.run(["programs", "show", file, "--weight", "80", "--table", "simulated",
                                              "--config", defaults])
        #expect(show.status == 65)
        #expect(show.standardError.contains("[ANGLE_OUT_OF_RANGE]"))
        #expect(show.standardError.contains("the simulated table SIM-0001"))
        let replay = try TractionctlRunner.run(["replay", file, "--weight", "80"])
        #expect(replay.status == 65, "replay agrees: it always plays the simulated table")
        let shown = try TractionctlRunner.run(["programs", "show", file, "--weight", "80", "--config", defaults])
        #expect(shown.status == 0)
        #expect(shown.standardOutput.contains("Limits: the configuration \(defaults), not narrowed to a table"))
    }

    @Test func anInvalidConfigurationIsRefusedWithItsProblemsAndExitStatus78() throws {
        let directory = Self.directory()
        let file = directory + "/tilted.yaml"
        try Self.program(flexion: "10 deg").write(toFile: file, atomically: true, encoding: .utf8)
        try "loop:\n  rate_hz: fast\n".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
        let result = try TractionctlRunner.run(["programs", "validate", file, "--config", directory + "/bad.yaml"])
        #expect(result.status == 78)
        #expect(result.standardError.contains("loop.rate_hz"))
    }

    @Test func aTwentyThousandPhaseFileIsRefusedForItsSize() throws {
        let directory = Self.directory()
        let file = directory + "/huge.yaml"
        var text = "name: huge\nregion: lumbar\nlimits:\n  body_weight_fraction: 50 %\n  maximum_force: 450 N\nphases:\n"
        text += String(repeating: "  - mode: static\n    hold_force: 100 N\n    hold_time: 1 s\n", count: 20_000)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try TractionctlRunner.run(["programs", "validate", file])
        #expect(result.status == 65)
        #expect(result.standardOutput.contains("\(file):1:1: error: (file): the file is too large to be a program"))
        #expect(result.standardOutput.contains("found \"\(text.utf8.count) bytes\"; allowed: at most 262144 bytes (256 KiB)"))
        #expect(result.standardOutput.contains("[FILE_TOO_LARGE]"))
    }

    @Test func aFileThatIsNotUTF8IsRefusedAtItsLineAndColumn() throws {
        let directory = Self.directory()
        let file = directory + "/latin1.yaml"
        var bytes = Array("name: latin\ndescription: Zug f".utf8)
        bytes.append(0xFC)  // ü in ISO 8859-1
        bytes += Array("r den Nacken\nregion: cervical\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let result = try TractionctlRunner.run(["programs", "validate", file])
        #expect(result.status == 65)
        #expect(result.standardOutput.contains("\(file):2:19: error: (file): the file is not UTF-8 text from here on"))
        #expect(result.standardOutput.contains("[INVALID_ENCODING]"))
    }

    @Test func aPhaseNameWithAnEscapeSequenceIsRefusedAndNothingReachesTheTerminal() throws {
        let directory = Self.directory()
        let file = directory + "/evil.yaml"
        // Would clear the screen, home the cursor and print a false reading.
        try Self.program(phaseName: "\\e[2J\\e[H0 N (0 kg)", flexion: "10 deg").write(toFile: file, atomically: true,
                                                                                         encoding: .utf8)
        for arguments in [["programs", "validate", file], ["programs", "show", file, "--weight", "80"],
                          ["replay", file, "--weight", "80"]] {
            let result = try TractionctlRunner.run(arguments)
            #expect(result.status == 65, "\(arguments)")
            let output = result.standardOutput + result.standardError
            #expect(output.contains("phases[1].name: contains a control character (U+1B)"), "\(arguments): \(output)")
            #expect(!output.contains("\u{1B}"), "\(arguments) passed an ESC to the terminal")
            #expect(output.contains("\\u{1B}[2J"))
        }
    }

    @Test func aDescriptionWithAnEscapeSequenceIsShownEscaped() throws {
        let directory = Self.directory()
        let file = directory + "/described.yaml"
        try Self.program(description: "\\e[2J\\e[Hsafe", flexion: "10 deg").write(toFile: file, atomically: true,
                                                                                 encoding: .utf8)
        let show = try TractionctlRunner.run(["programs", "show", file, "--weight", "80"])
        #expect(show.status == 0, "\(show.standardError)")
        #expect(!show.standardOutput.contains("\u{1B}"))
        #expect(show.standardOutput.contains("\\u{1B}[2J\\u{1B}[Hsafe"))
        let list = try TractionctlRunner.run(["programs", "list", "--directory", directory])
        #expect(!list.standardOutput.contains("\u{1B}"))
        #expect(list.standardOutput.contains("\\u{1B}[2J"))
        let json = try TractionctlRunner.run(["programs", "show", file, "--weight", "80", "--json"])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(decoded?["description"] as? String == "\u{1B}[2J\u{1B}[Hsafe", "JSON carries the text itself, escaped by JSON")
        #expect(!json.standardOutput.contains("\u{1B}"))
    }

    /// What the daemon sends is escaped too: its refusal of a program whose
    /// unknown key carries an escape sequence quotes that key.
    @Test func theDaemonsDiagnosticsAreShownEscaped() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let directory = Self.directory()
        let file = directory + "/keyed.yaml"
        try (Self.program(flexion: "10 deg") + "\"\\e[2J\\e[H0 N\": 1\n").write(toFile: file, atomically: true,
                                                                               encoding: .utf8)
        let start = try daemon.ctl(["start", file, "--patient", "P-1", "--weight", "80"])
        #expect(start.status == 65)
        #expect(start.standardError.contains("[PROGRAM_INVALID]"))
        #expect(start.standardError.contains("\\u{1B}[2J"), "\(start.standardError)")
        #expect(!(start.standardOutput + start.standardError).contains("\u{1B}"))
    }
}
