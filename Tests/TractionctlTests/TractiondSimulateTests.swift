#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TractionDevice
import TractionPlatform
import TractionTestSupport

/// The real `tractiond --simulate` binary, as an administrator would run it.
@Suite("tractiond --simulate", .serialized)
struct TractiondSimulateTests {
    static let executable = TractionctlRunner.executable.deletingLastPathComponent().appendingPathComponent("tractiond")

    /// Collects a child's standard error while it runs.
    final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    /// - Parameter environment: added to the test's own environment.
    func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Output) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = TractionctlRunner.packageRoot
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        return (process, output)
    }

    /// Waits (polling) until `text` appears; a generous cap keeps a broken
    /// daemon from hanging the suite. Returns whether it appeared.
    func waitFor(_ text: String, in output: Output, upTo seconds: Double = 30) -> Bool {
        waitUntil(timeout: seconds, poll: 0.05) { output.value.contains(text) }
    }

    /// A configuration with the control socket and the state in a fresh
    /// directory, in the test's own group: `--config PATH`. A daemon that
    /// cannot open its socket refuses to run a table, so every daemon a test
    /// starts gets one of its own.
    func ownSocket() throws -> [String] {
        let directory = "/tmp/tractiond-sim-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        let group = getgrgid(getgid()).map { String(cString: $0.pointee.gr_name) } ?? "root"
        try """
            socket:
              path: \(directory)/run/control.sock
              group: \(group)
            state:
              directory: \(directory)/state
            """.write(toFile: directory + "/tractiond.yaml", atomically: true, encoding: .utf8)
        return ["--config", directory + "/tractiond.yaml"]
    }

    @Test func aSimulatedSessionRunsAndSigtermReleasesTheTensionBeforeExit() throws {
        let (process, output) = try launch(["--simulate", "--no-realtime", "--program", "Config/programs/demo.yaml",
                                            "--weight", "75", "--status-interval", "0.5"] + ownSocket())
        defer { if process.isRunning { process.terminate() } }
        #expect(waitFor("self-test passed", in: output))
        #expect(waitFor("session started", in: output))
        #expect(waitFor("treating hold", in: output))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let log = output.value
        #expect(process.terminationStatus == 0)
        #expect(log.contains("state treating -> releasing on stop by tractiond"))
        #expect(log.contains("session ended: stopped_by_operator"))
        #expect(log.contains("state releasing -> ready on slackReached"))
        // Every line the simulated daemon writes says so (H15).
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.contains("SIMULATED") })
        // Every line carries its journald priority (docs/deployment.md, "Logging").
        let unprioritised = lines.filter { line in
            let head = Array(line.prefix(3))
            return !(head.count == 3 && head[0] == "<" && ("0"..."7").contains(head[1]) && head[2] == ">")
        }
        #expect(unprioritised.isEmpty, "\(unprioritised)")
        #expect(log.contains("<6>SIMULATED state releasing -> ready on slackReached"))
        #expect(log.contains("<6>SIMULATED self-test passed"))
    }

    /// Runs tractiond to its end and returns its exit status and the whole
    /// of standard error, read synchronously: a readability handler may not
    /// have delivered it yet when the process exits.
    func runToEnd(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func simulateAndDeviceTogetherAreRefusedAndTheDaemonSaysWhy() throws {
        let (status, text) = try runToEnd(["--simulate", "--device", "/dev/null"])
        #expect(status == 64)
        #expect(text.contains("give either --simulate or --device PATH"))
    }

    /// With neither flag the daemon drives the table at the configured
    /// device.path (how systemd starts it), and names that path when it is missing.
    @Test func aRateBelow250HzIsRefusedAndTheDaemonSaysWhy() throws {
        let (status, text) = try runToEnd(["--simulate", "--no-realtime", "--rate", "249"])
        #expect(status == 64)
        #expect(text.contains("--rate 249 refused: must be from 250 to 1000 Hz (the safety kernel needs a tick of at most 4 ms)"))
    }

    @Test func withoutEitherFlagTheConfiguredDeviceIsUsedAndNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tractiond-cfg-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("no-such-table").path
        let file = directory.appendingPathComponent("tractiond.yaml")
        try "device:\n  path: \(missing)\n".write(to: file, atomically: true, encoding: .utf8)
        let (status, text) = try runToEnd(["--config", file.path, "--no-realtime"])
        #expect(status == 69)
        #expect(text.contains("no serial device at \(missing)"))
    }

    @Test func aMissingDeviceIsNamedAndTheDaemonExitsUnavailable() throws {
        let path = "/tmp/tractiond-test-no-such-device-\(getpid())"
        let (status, text) = try runToEnd(["--device", path, "--no-realtime"])
        #expect(status == 69)
        #expect(text.contains("cannot open the table's port: no serial device at \(path)"))
    }

    /// The serial mode against the real emulator binary over its pty: the
    /// handshake, a session, and a SIGTERM that releases before exit.
    /// tractionemu on a pty behind `linkPath`, running until the process is terminated.
    func startEmulator(linkPath: String, controlPath: String? = nil) throws -> Process {
        let emulator = Process()
        emulator.executableURL = Self.executable.deletingLastPathComponent().appendingPathComponent("tractionemu")
        emulator.arguments = ["--link", linkPath, "--fifo-priority", "0"] + (controlPath.map { ["--control", $0] } ?? [])
        let emulatorOutput = Pipe()
        emulator.standardOutput = emulatorOutput
        emulator.standardError = FileHandle.nullDevice
        try emulator.run()
        // The emulator prints its pty's path once the link exists.
        let firstLine = String(decoding: emulatorOutput.fileHandleForReading.availableData, as: UTF8.self)
        #expect(firstLine.hasPrefix("/dev/pts/"))
        return emulator
    }

    /// A daemon driving a table must be stoppable: without its control socket
    /// it does not run, even when the table says it is simulated (tractionemu
    /// does). Only `--simulate` may run on without clients.
    @Test func aSerialDaemonWhoseSocketCannotBeOpenedExitsAndTheSimulationRunsOn() throws {
        let linkPath = "/tmp/tractiond-test-table-nosock-\(getpid())"
        let emulator = try startEmulator(linkPath: linkPath)
        defer { if emulator.isRunning { emulator.terminate(); emulator.waitUntilExit() } }
        let directory = "/tmp/tractiond-nosock-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            socket:
              path: \(directory)/missing/parent/control.sock
              group: root
            state:
              directory: \(directory)/state
            """.write(toFile: directory + "/tractiond.yaml", atomically: true, encoding: .utf8)

        let (status, text) = try runToEnd(["--device", linkPath, "--no-realtime", "--config", directory + "/tractiond.yaml"])
        #expect(status == 73, "\(text)")
        #expect(text.contains("the control socket \(directory)/missing/parent/control.sock cannot be opened"), "\(text)")
        #expect(!text.contains("continues without a control socket"))

        let (simulation, output) = try launch(["--simulate", "--no-realtime", "--config", directory + "/tractiond.yaml"])
        defer { if simulation.isRunning { simulation.terminate() } }
        #expect(waitFor("SIMULATION continues without a control socket", in: output), "\(output.value)")
        kill(simulation.processIdentifier, SIGTERM)
        simulation.waitUntilExit()
        #expect(simulation.terminationStatus == 0)
    }

    @Test func overTheEmulatorsPtyASessionRunsAndSigtermReleasesTheTension() throws {
        let linkPath = "/tmp/tractiond-test-table-\(getpid())"
        let emulator = try startEmulator(linkPath: linkPath)
        defer { if emulator.isRunning { emulator.terminate(); emulator.waitUntilExit() } }

        let (process, output) = try launch(["--device", linkPath, "--no-realtime", "--program", "Config/programs/demo.yaml",
                                            "--weight", "75", "--status-interval", "0.5"] + ownSocket())
        defer { if process.isRunning { process.terminate() } }
        #expect(waitFor("on \(linkPath)", in: output))
        #expect(waitFor("self-test passed", in: output))
        #expect(waitFor("session started", in: output))
        #expect(waitFor("treating hold", in: output))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let log = output.value
        #expect(process.terminationStatus == 0)
        #expect(log.contains("on \(linkPath) (SIMULATED by the table itself)"))
        #expect(log.contains("state treating -> releasing on stop by tractiond"))
        #expect(log.contains("state releasing -> ready on slackReached"))
    }

    /// H7 with the host frozen (issue 14): the daemon is stopped with
    /// SIGSTOP mid-session, so nothing it could do reaches the table; the
    /// table releases on the patient's press by itself, under 10 % of the
    /// force at the press within 1 s.
    @Test(.tags(.ptyTiming)) func aPatientSwitchPressWhileTheDaemonIsFrozenReleasesWithinOneSecond() throws {
        let linkPath = "/tmp/tractiond-test-table-frozen-\(getpid())"
        let controlPath = "/tmp/tractiond-test-control-frozen-\(getpid()).sock"
        let emulator = try startEmulator(linkPath: linkPath, controlPath: controlPath)
        defer { if emulator.isRunning { emulator.terminate(); emulator.waitUntilExit() } }
        let (process, output) = try launch(["--device", linkPath, "--no-realtime", "--program", "Config/programs/demo.yaml",
                                            "--weight", "75", "--status-interval", "0.5"] + ownSocket())
        defer {
            kill(process.processIdentifier, SIGCONT)
            if process.isRunning { process.terminate() }
        }
        #expect(waitFor("treating hold", in: output), "\(output.value)")
        kill(process.processIdentifier, SIGSTOP)
        let status = try emulatorCommand("status", controlPath: controlPath)
        let atPress = try #require(Self.field("force_n", in: status).flatMap(Double.init))
        #expect(atPress > 60)
        #expect(try emulatorCommand("patient-switch both", controlPath: controlPath) == "ok")
        let pressedAt = MonotonicClock.now()
        let releasedAfter = try TractionTestSupport.waitFor(timeout: 1.5) { () throws -> Seconds? in
            let force = Self.field("force_n", in: try emulatorCommand("status", controlPath: controlPath))
                .flatMap(Double.init)
            guard let force, force < atPress * 0.1 else { return nil }
            return MonotonicClock.now() - pressedAt
        }
        let after = try #require(releasedAfter, "still above 10 % of \(atPress) N after 1.5 s with the daemon frozen")
        print("H7 daemon frozen: \(Int(atPress)) N at the press, below 10 % after \(Int(after.value * 1000)) ms")
        #expect(after.value <= 1.05, "below 10 % after \(Int(after.value * 1000)) ms")
        // Thawed, the daemon sees the press and the table's latch as the patient's release.
        kill(process.processIdentifier, SIGCONT)
        #expect(waitFor("ALARM PATIENT_RELEASE", in: output, upTo: 10), "\(output.value)")
    }

    static func field(_ name: String, in status: String) -> String? {
        status.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// One command to tractionemu's control channel (docs/emulator.md); its reply line.
    func emulatorCommand(_ command: String, controlPath: String) throws -> String {
        guard let reply = emulatorReply(command, control: controlPath, connectWithin: 10) else {
            throw NotifySocketError("tractionemu does not answer at \(controlPath)")
        }
        return reply
    }

    /// A release that does not come down (the table's load cell frozen at
    /// the hold force): under systemd the daemon extends its stop timeout
    /// only while the force came down, gives up 5 s after the last new low,
    /// says why, and exits 75; the table's lease releases the rest.
    @Test func aReleaseThatStopsComingDownIsGivenUpAndExitsSeventyFive() throws {
        let linkPath = "/tmp/tractiond-test-table-stall-\(getpid())"
        let controlPath = "/tmp/tractiond-test-emuctl-stall-\(getpid()).sock"
        let emulator = try startEmulator(linkPath: linkPath, controlPath: controlPath)
        defer { if emulator.isRunning { emulator.terminate(); emulator.waitUntilExit() } }

        let notify = try NotifySocket()
        let (process, output) = try launch(["--device", linkPath, "--no-realtime", "--program", "Config/programs/demo.yaml",
                                            "--weight", "75", "--status-interval", "0.5"] + ownSocket(),
                                           environment: ["NOTIFY_SOCKET": notify.path])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(waitFor("treating hold", in: output), "\(output.value)")
        #expect(try emulatorCommand("stuck-sensor on", controlPath: controlPath) == "ok")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        notify.close()
        let log = output.value
        #expect(process.terminationStatus == 75, "\(log)")
        #expect(log.contains("release not progressing: the force has not come down for 5 s"), "\(log)")
        #expect(log.contains("no longer extending the stop timeout; exiting: the table's lease releases the rest"))
        #expect(!log.contains("released (measured "))
        let texts = notify.messages.map(\.text)
        let stopping = try #require(texts.firstIndex { $0.hasPrefix("STOPPING=1\n") })
        #expect(texts[stopping].contains("EXTEND_TIMEOUT_USEC=10000000"))
        // The last word to systemd is the reason, after the last extension.
        let lastExtension = texts.lastIndex { $0.contains("EXTEND_TIMEOUT_USEC=") } ?? stopping
        let reason = try #require(texts.lastIndex { $0.contains("STATUS=") && $0.contains("release not progressing") })
        #expect(reason > lastExtension)
        // The emulator's lease takes over: its cable comes down without the daemon.
        var force = Int.max
        waitUntil(timeout: 20, poll: 0.2) {
            force = Int(emulatorField("force_n", control: controlPath) ?? "") ?? Int.max
            return force < 15
        }
        #expect(force < 15, "the table's cable still carries \(force) N after the daemon gave up")
    }

    /// A release the daemon measures as slow: the table's load cell reads
    /// 100 N too much at the stop, then 10 N less every half second (the
    /// simulated cable itself is slack within a second). Under systemd the
    /// daemon repeats EXTEND_TIMEOUT_USEC while the measured force comes
    /// down, and exits 0 only once it is at slack.
    @Test func aLongReleaseIsExtendedEverySecondAndExitsOnlyAtSlack() throws {
        let linkPath = "/tmp/tractiond-test-table-long-\(getpid())"
        let controlPath = "/tmp/tractiond-test-emuctl-long-\(getpid()).sock"
        let emulator = try startEmulator(linkPath: linkPath, controlPath: controlPath)
        defer { if emulator.isRunning { emulator.terminate(); emulator.waitUntilExit() } }
        let notify = try NotifySocket()
        let (process, output) = try launch(["--device", linkPath, "--no-realtime", "--program", "Config/programs/demo.yaml",
                                            "--weight", "75", "--status-interval", "0.5"] + ownSocket(),
                                           environment: ["NOTIFY_SOCKET": notify.path])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(waitFor("treating hold", in: output), "\(output.value)")
        kill(process.processIdentifier, SIGTERM)
        #expect(try emulatorCommand("sensor-offset 100", controlPath: controlPath) == "ok")
        for offset in stride(from: 90, through: 0, by: -10) {
            usleep(500_000)
            _ = try emulatorCommand("sensor-offset \(offset)", controlPath: controlPath)
        }
        process.waitUntilExit()
        notify.close()
        let log = output.value
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(!log.contains("release not progressing"))
        let released = try #require(log.range(of: "released (measured "), "\(log)")
        let measured = Int(log[released.upperBound...].prefix { $0 == "-" || $0.isNumber }) ?? 999
        #expect(measured <= 15, "exited at \(measured) N")

        let messages = notify.messages
        let stopping = try #require(messages.firstIndex { $0.text.hasPrefix("STOPPING=1\n") })
        #expect(messages[stopping].text.contains("\nEXTEND_TIMEOUT_USEC=10000000\n"))
        let extensions = messages[stopping...].dropFirst().filter { $0.text == "EXTEND_TIMEOUT_USEC=10000000" }
        // About 5 s of measured release: an extension about every second.
        #expect(extensions.count >= 3, "\(messages[stopping...].map(\.text))")
        if let last = extensions.last {
            #expect(last.at.timeIntervalSince(messages[stopping].at) >= 2)
        }
    }

    @Test func listPortsPrintsOnePortPerLineOrSaysThereIsNone() throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["--list-ports"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = text.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("/dev/") } || text.hasPrefix("No serial ports found."))
    }
}
