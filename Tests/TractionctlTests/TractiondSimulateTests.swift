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

    @Test func aSimulatedSessionRunsAndSigtermReleasesTheTensionBeforeExit() throws {
        let (process, output) = try launch(["--simulate", "--no-realtime", "--program", "Config/programs/demo.yaml",
                                            "--weight", "75", "--status-interval", "0.5"])
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

    @Test func withoutSimulateTheDaemonRefusesToStartAndSaysWhy() throws {
        // Read the whole of standard error synchronously: a readability
        // handler may not have delivered it yet when the process exits.
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = []
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("only --simulate is available"))
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
