import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TractionTestSupport
#endif

/// One connection to the daemon from another user, through socat under
/// setpriv (SO_PEERCRED then reports that user), kept open between lines.
final class PeerConnection {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending = Data()

    /// - Parameter groups: supplementary groups (none by default).
    init(uid: UInt32, gid: UInt32, groups: [UInt32] = [], path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        let groupArguments = groups.isEmpty ? ["--clear-groups"]
            : ["--groups=\(groups.map(String.init).joined(separator: ","))"]
        // -T: a daemon that stops answering ends the test instead of hanging it.
        process.arguments = ["--reuid=\(uid)", "--regid=\(gid)"] + groupArguments
            + ["socat", "-T", "20", "-", "UNIX-CONNECT:\(path)"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    /// The next message, nil once the daemon closed the connection.
    func nextMessage() throws -> [String: Any]? {
        while true {
            if let end = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<end]
                pending = Data(pending[(end + 1)...])
                return try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            }
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { return nil }
            pending.append(more)
        }
    }

    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// A stop always gets through (docs/control-protocol.md, section 7,
/// "Limits"), here against the real daemon with every connection held by
/// peers without a role.
@Suite("tractiond keeps a way in for a stop", .serialized)
struct TractiondStopLockoutTests {
    static let rolelessUID: UInt32 = 4321
    static let clinicianUID: UInt32 = 4322
    static let nobody: UInt32 = 65534

    @Test func aClinicianStopsTheTreatmentWhenPeersWithoutARoleHoldEveryConnection() throws {
        let daemon = try SimulatedDaemon(socketGroup: "nogroup", socketLines: ["max_clients: 6", "reserved_clients: 0"])
        defer { daemon.stop() }
        do {
            let admin = try ControlClient(path: daemon.socketPath)
            _ = try admin.result("session.arm", TractiondSocketTests.demo)
            #expect(try admin.result("session.start", ["confirm": false])["state"] as? String == "treating")
        }
        var held: [PeerConnection] = []
        defer { held.forEach { $0.close() } }
        // Six peers without a role, each in once it has its hello: every connection is theirs.
        try waitUntil(timeout: 30, poll: 0.05) {
            let peer = try PeerConnection(uid: Self.rolelessUID, gid: Self.nobody, path: daemon.socketPath)
            if let hello = try peer.nextMessage(), hello["method"] as? String == "hello" {
                #expect((hello["params"] as? [String: Any])?["role"] is NSNull)
                held.append(peer)
            } else {
                peer.close()
            }
            return held.count >= 6
        }
        try #require(held.count == 6)

        // A clinician by the simulated daemon's own rule (its user's primary
        // group, root), reaching the socket through the group nogroup.
        let stop = Process()
        stop.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        stop.arguments = ["--reuid=\(Self.clinicianUID)", "--regid=0", "--groups=\(Self.nobody)",
                          TractionctlRunner.executable.path, "stop", "--json", "--socket", daemon.socketPath]
        let output = Pipe()
        stop.standardOutput = output
        try stop.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        stop.waitUntilExit()
        #expect(stop.terminationStatus == 0, "\(String(decoding: printed, as: UTF8.self))\n\(daemon.output)")
        let answer = try JSONSerialization.jsonObject(with: printed) as? [String: Any]
        #expect(answer?["was_running"] as? Bool == true)
        #expect(daemon.output.contains("role=none closed to make room for uid=\(Self.clinicianUID)"))

        // The oldest peer without a role made the room, and was told why.
        let told = try held[0].nextMessage()
        #expect(((told?["error"] as? [String: Any])?["data"] as? [String: Any])?["code"] as? String == "TOO_MANY_CLIENTS")
        #expect(try held[0].nextMessage() == nil)
    }
}
