import Foundation
import Testing
import TractionConfiguration

/// Each kind of mistake gives its precise message: file, line, key path,
/// value and the allowed range, bound or rule.
@Suite struct ConfigurationErrorTests {
    func problems(_ text: String, _ format: ConfigurationFileFormat = .yaml) -> [String] {
        do {
            _ = try DaemonConfiguration.parse(text, format: format, file: "t.\(format.rawValue)")
            return []
        } catch {
            return error.description.split(separator: "\n").map(String.init)
        }
    }

    @Test func aMisspeltSafetyKeyIsAnErrorNotASilentDefault() {
        let text = """
            limits:
              safety:
                telemetry_los_timeout_ms: 40
            """
        #expect(problems(text) == [
            "t.yaml:3: limits.safety.telemetry_los_timeout_ms: unknown key (did you mean telemetry_loss_timeout_ms?)",
        ])
    }

    @Test func anUnknownSectionListsTheKnownOnes() {
        #expect(problems("sockets_and_more:\n  path: /tmp/x\n") == [
            "t.yaml:2: sockets_and_more: unknown key; the keys here are device, loop, limits, socket, programs, state, simulation",
        ])
    }

    @Test func aWrongTypeNamesTheExpectedType() {
        let text = """
            loop:
              rate_hz: fast
              realtime: 1
            socket:
              roles:
                admin: ops
            """
        #expect(problems(text) == [
            "t.yaml:2: loop.rate_hz = \"fast\": must be a number, found a string",
            "t.yaml:3: loop.realtime = 1: must be true or false, found an integer",
            "t.yaml:6: socket.roles.admin = \"ops\": must be a list, found a string",
        ])
    }

    /// Untrusted numbers of a file (a reload reads it while the daemon
    /// drives a table): refused with their key, never a trap.
    @Test func absurdNumbersAreProblemsWithTheirKeysNotATrap() {
        let text = """
            loop:
              rate_hz: 1e308
            socket:
              max_clients: 1:0:0:0:0:0:0:0:0:0:0:0
              max_message_bytes: 99999999999999999999999
              reserved_clients: -1
            limits:
              max_session_duration_s: .inf
            """
        let found = problems(text)
        #expect(found.contains { $0.hasPrefix("t.yaml:2: loop.rate_hz = 1e+308: out of range") })
        #expect(found.contains("t.yaml:4: socket.max_clients = \"1:0:0:0:0:0:0:0:0:0:0:0\": must be an integer, found a string"))
        #expect(found.contains { $0.hasPrefix("t.yaml:5: socket.max_message_bytes") })
        #expect(found.contains("t.yaml:6: socket.reserved_clients = -1: out of range: must be 0 to 1024"))
        #expect(found.contains { $0.hasPrefix("t.yaml:8: limits.max_session_duration_s") })
    }

    @Test func yamlIntegersAreReadInEveryFormButBaseSixty() throws {
        for (text, value) in [("42", 42), ("+7", 7), ("1_000", 1000), ("0x1F", 31), ("0o17", 15), ("017", 15),
                              ("0b101", 5)] {
            let configuration = try DaemonConfiguration.parse("socket:\n  max_clients: \(text)\n", format: .yaml)
            #expect(configuration.socket.maxClients == value, "\(text)")
        }
        #expect(problems("socket:\n  max_clients: 2:08\n")
            == ["t.yaml:2: socket.max_clients = \"2:08\": must be an integer, found a string"])
    }

    @Test func anOutOfRangeValueNamesTheRangeAndUnit() {
        let text = """
            limits:
              cervical:
                force_cap_n: 300
            loop:
              fifo_priority: 120
            """
        #expect(problems(text) == [
            "t.yaml:3: limits.cervical.force_cap_n = 300: out of range: must be 50 to 250 N",
            "t.yaml:5: loop.fifo_priority = 120: out of range: must be 1 to 99",
        ])
    }

    @Test func aValueThatLoosensASafetyBoundIsRefusedWithTheBoundNamed() {
        let text = """
            limits:
              safety:
                telemetry_loss_timeout_ms: 80
                command_lease_ms: 150
                stuck_detection_time_ms: 120
                over_force_debounce_samples: 3
              max_ramp_rate_n_per_s: 40
            """
        #expect(problems(text) == [
            "t.yaml:3: limits.safety.telemetry_loss_timeout_ms = 80: loosens a SAFETY.md bound: at most 50 ms "
                + "(H5: the host declares a lost link within 50 ms)",
            "t.yaml:4: limits.safety.command_lease_ms = 150: loosens a SAFETY.md bound: at most 100 ms "
                + "(H5/H6: the table releases within 100 ms of the last valid command)",
            "t.yaml:5: limits.safety.stuck_detection_time_ms = 120: loosens a SAFETY.md bound: at most 100 ms "
                + "(H4: sensor faults are detected within 100 ms)",
            "t.yaml:6: limits.safety.over_force_debounce_samples = 3: loosens a SAFETY.md bound: at most 2 "
                + "(H1: the over-force reaction comes within 2 ticks)",
            "t.yaml:7: limits.max_ramp_rate_n_per_s = 40: loosens a SAFETY.md bound: at most 30 N/s "
                + "(H3: faster than 30 N/s is outside clinical practice)",
            "t.yaml:7: limits.max_ramp_rate_n_per_s = 40: must be at most limits.safety.max_force_rate_n_per_s (30 N/s)",
        ])
    }

    @Test func crossFieldRulesNameBothKeys() {
        let text = """
            device:
              baud: 115200
            limits:
              lumbar:
                first_session_body_weight_fraction: 0.7
                force_cap_n: 895
              default_release_rate_n_per_s: 45
              max_release_rate_n_per_s: 30
            """
        #expect(problems(text) == [
            "t.yaml:5: limits.lumbar.first_session_body_weight_fraction = 0.7: must be at most "
                + "limits.lumbar.max_body_weight_fraction (0.6)",
            "t.yaml:6: limits.lumbar.force_cap_n = 895: must be at most limits.device_force_cap_n - "
                + "limits.safety.over_force_tolerance_min_n (890 N), so the kernel's hard cap stays above it",
            "t.yaml:7: limits.default_release_rate_n_per_s = 45: must be at most limits.max_release_rate_n_per_s (30 N/s)",
            // loop.rate_hz is not in the file (its default breaks the rule with device.baud): no line.
            "t.yaml: loop.rate_hz = 250: telemetry at this rate needs 135000 bit/s, more than 80 % of device.baud "
                + "(115200); raise device.baud",
        ])
    }

    @Test func everyProblemOfAFileIsReportedNotOnlyTheFirst() {
        let text = """
            device:
              path: dev/ttyUSB0
              speed: 9600
            socket:
              max_clients: 0
              roles:
                viewer: [Bad Group]
            programs:
              directories: []
            """
        let found = problems(text)
        #expect(found.count == 5)
        #expect(found.first == "t.yaml:2: device.path = \"dev/ttyUSB0\": must be an absolute path")
        #expect(found.contains("t.yaml:3: device.speed: unknown key; the keys here are path, baud, handshake_timeout_s"))
        #expect(found.contains("t.yaml:5: socket.max_clients = 0: out of range: must be 1 to 1024"))
        #expect(found.contains { $0.hasPrefix("t.yaml:7: socket.roles.viewer[0] = \"Bad Group\": must be a group name") })
        #expect(found.contains("t.yaml:9: programs.directories = []: must list at least one directory"))
    }

    @Test func tomlProblemsCarryTheirLinesToo() {
        let text = """
            [loop]
            rate_hz = 2000

            [limits.safety]
            command_lease_ms = "100"
            """
        #expect(problems(text, .toml) == [
            "t.toml:2: loop.rate_hz = 2000: out of range: must be 250 to 1000 Hz",
            "t.toml:2: loop.rate_hz = 2000: telemetry at this rate needs 1080000 bit/s, more than 80 % of device.baud "
                + "(460800); raise device.baud",
            "t.toml:5: limits.safety.command_lease_ms = \"100\": must be a number, found a string",
        ])
    }

    @Test func syntaxErrorsGiveTheParsersLine() {
        let yaml = problems("loop:\n  rate_hz: 250\n   realtime: [true\n")
        #expect(yaml.count == 1)
        #expect(yaml.first?.hasPrefix("t.yaml:3: YAML syntax:") == true)
        let toml = problems("[loop]\nrate_hz = 250\nrealtime = \n", .toml)
        #expect(toml.count == 1)
        #expect(toml.first?.hasPrefix("t.toml:3: TOML syntax:") == true, "\(toml)")
        let duplicate = problems("loop:\n  rate_hz: 250\n  rate_hz: 500\n")
        #expect(duplicate.first?.contains("a key appears twice in one mapping: rate_hz") == true)
    }

    @Test func loadNamesTheFileAndRefusesUnknownExtensionsAndMissingFiles() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tractiond-config-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("site.yaml").path
        try "limits:\n  safety:\n    telemetry_loss_timeout_ms: 60\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try DaemonConfiguration.load(path: file) }
        do {
            _ = try DaemonConfiguration.load(path: file)
        } catch {
            #expect(error.file == file)
            #expect(error.problems.map(\.keyPath) == ["limits.safety.telemetry_loss_timeout_ms"])
            #expect(error.problems.first?.line == 3)
            #expect(error.problems.first?.value == "60")
            #expect(error.description.hasPrefix("\(file):3: limits.safety.telemetry_loss_timeout_ms = 60: loosens"))
        }
        let conf = directory.appendingPathComponent("site.conf").path
        #expect(throws: ConfigurationError.self) { try DaemonConfiguration.load(path: conf) }
        do { _ = try DaemonConfiguration.load(path: conf) } catch {
            #expect(error.description == "\(conf): unknown format: the name must end in .yaml, .yml or .toml")
        }
        let missing = directory.appendingPathComponent("absent.toml").path
        do { _ = try DaemonConfiguration.load(path: missing) } catch {
            #expect(error.description.hasPrefix("\(missing): cannot be read:"))
        }
    }
}
