import Foundation
import Testing

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

    func launch(_ arguments: [String]) throws -> (Process, Output) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
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
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.value.contains(text) { return true }
            usleep(50_000)
        }
        return output.value.contains(text)
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
    func startEmulator(linkPath: String) throws -> Process {
        let emulator = Process()
        emulator.executableURL = Self.executable.deletingLastPathComponent().appendingPathComponent("tractionemu")
        emulator.arguments = ["--link", linkPath, "--fifo-priority", "0"]
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
