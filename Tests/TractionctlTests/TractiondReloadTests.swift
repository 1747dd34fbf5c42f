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
    enum Reload: String, CaseIterable, Sendable { case request, hangUp }

    static let nobody: UInt32 = 65534

    static func reload(_ daemon: SimulatedDaemon, by way: Reload) throws -> [String: Any] {
        switch way {
        case .request:
            return try ControlClient(path: daemon.socketPath).result("config.reload")
        case .hangUp:
            let logged = daemon.output.components(separatedBy: "reload: applied").count
            kill(daemon.pid, SIGHUP)
            _ = daemon.waitUntil(upTo: 10) { daemon.output.components(separatedBy: "reload: applied").count > logged }
            let line = daemon.output.components(separatedBy: "\n").last { $0.contains("reload: applied") } ?? ""
            return ["applied": line.contains("reload: applied true")]
        }
    }

    @Test(arguments: Reload.allCases)
    func aGroupTakenOutOfTheViewerRoleStopsGrantingItOnOpenConnections(reload way: Reload) throws {
        let daemon = try SimulatedDaemon(socketGroup: "nogroup", viewerGroups: ["nogroup"])
        defer { daemon.stop() }
        let peer = try PeerConnection(uid: Self.nobody, gid: Self.nobody, path: daemon.socketPath)
        defer { peer.close() }
        let hello = try #require(try peer.nextMessage())
        #expect((hello["params"] as? [String: Any])?["role"] as? String == "viewer")
        peer.send(#"{"jsonrpc":"2.0","id":1,"method":"status"}"#)
        #expect(try peer.nextMessage()?["result"] != nil)

        let file = try String(contentsOfFile: daemon.configurationFile, encoding: .utf8)
        try file.replacingOccurrences(of: "viewer: [nogroup]", with: "viewer: [traction-view]")
            .write(toFile: daemon.configurationFile, atomically: true, encoding: .utf8)
        #expect(try Self.reload(daemon, by: way)["applied"] as? Bool == true, "\(daemon.output)")

        peer.send(#"{"jsonrpc":"2.0","id":2,"method":"status"}"#)
        let denied = try #require(try peer.nextMessage())
        #expect(denied["id"] as? Int == 2)
        let data = (denied["error"] as? [String: Any])?["data"] as? [String: Any]
        #expect(data?["code"] as? String == "PERMISSION_DENIED")
        #expect(data?["role"] is NSNull)
        #expect(data?["groups"] as? [String] == ["traction-view"])

        let later = try PeerConnection(uid: Self.nobody, gid: Self.nobody, path: daemon.socketPath)
        defer { later.close() }
        #expect((try later.nextMessage()?["params"] as? [String: Any])?["role"] is NSNull, "new connections too")
    }

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
