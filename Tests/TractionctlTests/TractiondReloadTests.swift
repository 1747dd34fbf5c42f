import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Configuration reloads (`config.reload` and SIGHUP) of a real
/// `tractiond --simulate --no-realtime`, as docs/control-protocol.md,
/// section 6, and docs/configuration.md, section 5, promise them.
@Suite("tractiond reloads its configuration", .serialized)
struct TractiondReloadTests {
    @Test func anUnchangedFileIsAppliedWhenTheCommandLineSaysNoRealtime() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        #expect(daemon.process.arguments?.contains("--no-realtime") == true)
        let unchanged = try ControlClient(path: daemon.socketPath).result("config.reload")
        #expect(unchanged["applied"] as? Bool == true, "\(unchanged)")
        #expect(unchanged["restart_needed"] as? [String] == [])

        // A key the file really changed is still compared: a restart key refuses the whole file.
        let file = try String(contentsOfFile: daemon.configurationFile, encoding: .utf8)
        try (file + "loop:\n  rate_hz: 500\n").write(toFile: daemon.configurationFile, atomically: true, encoding: .utf8)
        let changed = try ControlClient(path: daemon.socketPath).result("config.reload")
        #expect(changed["applied"] as? Bool == false)
        #expect(changed["restart_needed"] as? [String] == ["loop.rate_hz"])
    }

    @Test func aRestartKeyGivenOnTheCommandLineIsNotARestartAtReload() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        // --socket overrides socket.path, as the file says the same path; a
        // reload compares the file with the same overrides applied.
        #expect(daemon.process.arguments?.contains("--socket") == true)
        let file = try String(contentsOfFile: daemon.configurationFile, encoding: .utf8)
        try file.replacingOccurrences(of: "path: \(daemon.socketPath)", with: "path: /run/elsewhere/control.sock")
            .write(toFile: daemon.configurationFile, atomically: true, encoding: .utf8)
        let reloaded = try ControlClient(path: daemon.socketPath).result("config.reload")
        #expect(reloaded["applied"] as? Bool == true, "\(reloaded)")
        #expect(reloaded["restart_needed"] as? [String] == [])
    }
}
