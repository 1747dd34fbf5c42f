import Foundation
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Connections held open by peers running as another user (setpriv, no
/// supplementary groups): a socat per connection, reading until the server
/// closes it. They end when the server closes them.
final class HeldConnections {
    let peers: [Process]

    init(count: Int, uid: UInt32, gid: UInt32, path: String) throws {
        peers = try (0..<count).map { _ in
            let peer = Process()
            peer.executableURL = URL(fileURLWithPath: executable("setpriv")!)
            peer.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups",
                              executable("socat")!, "-u", "UNIX-CONNECT:\(path)", "-"]
            peer.standardInput = FileHandle.nullDevice
            peer.standardOutput = FileHandle.nullDevice
            peer.standardError = FileHandle.nullDevice
            try peer.run()
            return peer
        }
    }

    /// Once the server has closed every connection (`RunningServer.stop`).
    func waitUntilGone() { peers.forEach { $0.waitUntilExit() } }
}

/// One connection of another user, read line by line (the oldest peer, whose
/// connection the test expects to be closed).
final class WatchedPeer {
    let process = Process()
    private let output = Pipe()
    private let input = Pipe()

    init(uid: UInt32, gid: UInt32, path: String) throws {
        process.executableURL = URL(fileURLWithPath: executable("setpriv")!)
        process.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups",
                             executable("socat")!, "-", "UNIX-CONNECT:\(path)"]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    /// Everything the server sent until it closed the connection.
    func messagesUntilClosed() throws -> [JSONValue] {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))
        }
    }
}

/// A stop must always get through (docs/control-protocol.md, section 7,
/// "Limits"): peers without a role cannot hold every connection against a
/// clinician. The peers run as other users so SO_PEERCRED reports them.
@Suite(.serialized, .enabled(if: geteuid() == 0 && executable("setpriv") != nil && executable("socat") != nil,
                             "needs root, setpriv and socat to connect as other users"))
struct StopLockoutTests {
    static let rolelessUID: UInt32 = 4321
    static let clinicianUID: UInt32 = 4322
    static let nogroup: UInt32 = 65534

    /// uid 4321 has no role; uid 4322 ("dora") is a clinician through a supplementary group.
    static var database: FixedGroupDatabase {
        var database = FixedGroupDatabase()
        database.groups["nogroup"] = nogroup
        database.users[clinicianUID] = UserRecord(name: "dora", primaryGroupID: nogroup)
        database.memberships["dora"] = [5002]
        return database
    }

    static let stop = #"{"jsonrpc":"2.0","id":"stop","method":"session.stop"}"#

    func clientCount(_ server: RunningServer) -> Int { server.state.clientCount.load(ordering: .acquiring) }

    @Test func aClinicianStopsWhenPeersWithoutARoleHoldEveryConnection() throws {
        let server = try RunningServer(groupDatabase: Self.database) { configuration in
            configuration.socketGroup = "nogroup"
            configuration.reservedClients = 0
        }
        let oldest = try WatchedPeer(uid: Self.rolelessUID, gid: Self.nogroup, path: server.socketPath)
        #expect(server.waitUntil { clientCount(server) == 1 })
        let others = try HeldConnections(count: 127, uid: Self.rolelessUID, gid: Self.nogroup, path: server.socketPath)
        defer {
            server.stop()
            others.waitUntilGone()
        }
        #expect(server.waitUntil(timeout: 60) { clientCount(server) == 128 }, "every connection is held")

        let messages = try PeerRoleOverSocketTests.exchange([Self.stop], as: Self.clinicianUID, gid: Self.nogroup,
                                                            path: server.socketPath)
        try #require(messages.count == 2)
        #expect(messages[0]["params"]?["role"] == "clinician")
        #expect(messages[1]["id"] == "stop")
        #expect(messages[1]["result"] == ["method": "session.stop"])
        #expect(server.state.handled.withLock { $0.map(\.0) } == [.sessionStop])

        // The oldest connection without a role made the room, and was told why.
        let closed = try oldest.messagesUntilClosed()
        #expect(closed.map { $0["method"] ?? $0.errorCode.map(JSONValue.string) ?? .null }
            == ["hello", "TOO_MANY_CLIENTS"])
        #expect(closed.last?["id"] == .null)
        #expect(closed.last?.errorData?["max_clients"] == 128)
        #expect(server.state.logged(containing: "uid=\(Self.rolelessUID)").contains {
            $0.contains("role=none closed to make room for uid=\(Self.clinicianUID)")
        })
    }

    @Test func peersWithoutARoleCannotTakeTheConnectionsKeptForClinicians() throws {
        let server = try RunningServer(groupDatabase: Self.database) { $0.socketGroup = "nogroup" }
        let held = try HeldConnections(count: 120, uid: Self.rolelessUID, gid: Self.nogroup, path: server.socketPath)
        defer {
            server.stop()
            held.waitUntilGone()
        }
        #expect(server.waitUntil(timeout: 60) { clientCount(server) == 120 })

        let refused = try WatchedPeer(uid: Self.rolelessUID, gid: Self.nogroup, path: server.socketPath)
        let answer = try refused.messagesUntilClosed()
        #expect(answer.count == 1)
        #expect(answer.first?.errorCode == "TOO_MANY_CLIENTS")
        #expect(answer.first?["error"]?["message"]?.stringValue?.contains("keeps 8 of them for users who may stop") == true)

        let messages = try PeerRoleOverSocketTests.exchange([Self.stop], as: Self.clinicianUID, gid: Self.nogroup,
                                                            path: server.socketPath)
        try #require(messages.count == 2)
        #expect(messages[1]["result"] == ["method": "session.stop"])
        #expect(server.state.logged(containing: "closed to make room").isEmpty, "a kept connection was free")
    }

    @Test func aPeerThatMayStopIsRefusedOnlyWhenEveryConnectionIsOneThatMayStop() throws {
        let server = try RunningServer(groupDatabase: Self.database) { configuration in
            configuration.maxClients = 3
        }
        defer { server.stop() }
        // The test process is root, hence admin: each of these may stop a session.
        let mayStop = try (0..<3).map { _ in try server.connect() }
        for client in mayStop { #expect(try client.readMessage()?["method"] == "hello") }
        let fourth = try server.connect()
        #expect(try fourth.readUntilClosed().map(\.errorCode) == ["TOO_MANY_CLIENTS"])
        #expect(try mayStop[0].call("session.stop", id: 1)["result"] != nil, "the open ones still stop")
    }
}
