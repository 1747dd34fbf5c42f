import Foundation
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
#endif

/// A group database written by the test.
struct FixedGroupDatabase: GroupDatabase {
    var users: [UInt32: UserRecord] = [:]
    var memberships: [String: [UInt32]] = [:]
    var groups: [String: UInt32] = [
        "traction-view": 5001, "traction-clinic": 5002, "traction-tech": 5003, "traction-admin": 5004,
    ]

    func user(uid: UInt32) -> UserRecord? { users[uid] }
    func groupIDs(ofUser name: String, primaryGroupID: UInt32) -> [UInt32] {
        [primaryGroupID] + (memberships[name] ?? [])
    }
    func groupID(named name: String) -> UInt32? { groups[name] }
}

/// Roles from SO_PEERCRED and the group database (docs/control-protocol.md, section 6).
@Suite struct RoleResolutionTests {
    let database = FixedGroupDatabase(
        users: [1000: UserRecord(name: "alice", primaryGroupID: 100), 1001: UserRecord(name: "bob", primaryGroupID: 5001)],
        memberships: ["alice": [5001, 5002]])
    var resolver: RoleResolver {
        RoleResolver(roleGroups: ControlServerConfiguration.defaultRoleGroups, daemonUID: 990, database: database)
    }

    @Test func rootAndTheDaemonsOwnUidAreAdmin() {
        #expect(resolver.identity(of: PeerCredentials(pid: 1, uid: 0, gid: 0)).role == .admin)
        #expect(resolver.identity(of: PeerCredentials(pid: 1, uid: 990, gid: 990)).role == .admin)
    }

    @Test func theHighestRoleOfAnySupplementaryGroupWins() {
        let alice = resolver.identity(of: PeerCredentials(pid: 42, uid: 1000, gid: 100))
        #expect(alice == PeerIdentity(uid: 1000, gid: 100, pid: 42, userName: "alice", role: .clinician))
    }

    @Test func thePeersPrimaryGroupCountsEvenWhenTheUserIsUnknown() {
        #expect(resolver.identity(of: PeerCredentials(pid: 1, uid: 1001, gid: 100)).role == .viewer)
        let stranger = resolver.identity(of: PeerCredentials(pid: 7, uid: 4321, gid: 5003))
        #expect(stranger.role == .technician)
        #expect(stranger.userName == nil)
    }

    @Test func noMatchingGroupIsNoRole() {
        #expect(resolver.identity(of: PeerCredentials(pid: 1, uid: 4321, gid: 4321)).role == nil)
    }

    @Test func aConfiguredGroupMissingFromTheDatabaseGrantsNothing() {
        let resolver = RoleResolver(roleGroups: [.admin: ["no-such-group"], .viewer: ["traction-view"]],
                                    daemonUID: 990, database: database)
        #expect(resolver.identity(of: PeerCredentials(pid: 1, uid: 1000, gid: 100)).role == .viewer)
    }

    @Test func theSystemDatabaseKnowsRootAndItsGroups() throws {
        let system = SystemGroupDatabase()
        let root = try #require(system.user(uid: 0))
        #expect(root == UserRecord(name: "root", primaryGroupID: 0))
        #expect(system.groupIDs(ofUser: "root", primaryGroupID: 0).contains(0))
        #expect(system.groupID(named: "root") == 0)
        #expect(system.groupID(named: "no-such-group-for-tractiond") == nil)
        #expect(system.user(uid: 3_999_999_999) == nil)
    }

    @Test func soPeercredOnASocketPairIsThisProcess() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { pair.forEach { close($0) } }
        let credentials = try PeerCredentials.of(socket: pair[0]).get()
        #expect(credentials == PeerCredentials(pid: getpid(), uid: geteuid(), gid: getegid()))
    }

    @Test func soPeercredOnAClosedDescriptorIsAnError() {
        let outcome = PeerCredentials.of(socket: -1)
        #expect(throws: SystemError.self) { try outcome.get() }
    }
}

/// The role check over the socket, with clients running as other users
/// (setpriv and socat), so SO_PEERCRED reports a uid that is not root.
@Suite(.enabled(if: geteuid() == 0 && executable("setpriv") != nil && executable("socat") != nil,
                "needs root, setpriv and socat to connect as another user"))
struct PeerRoleOverSocketTests {
    /// Runs socat as `uid`/`gid` (no supplementary groups), sends `lines`,
    /// and returns every message the server sent until it closed.
    static func exchange(_ lines: [String], as uid: UInt32, gid: UInt32, path: String) throws -> [JSONValue] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable("setpriv")!)
        process.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups",
                             executable("socat")!, "-t", "5", "-", "UNIX-CONNECT:\(path)"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(lines.map { $0 + "\n" }.joined().utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))
        }
    }

    @Test func removingAGroupFromARoleTakesEffectOnOpenConnections() throws {
        let server = try RunningServer { configuration in
            configuration.socketGroup = "nogroup"
            configuration.roleGroups = [.viewer: ["nogroup"]]
        }
        defer { server.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable("setpriv")!)
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups",
                             executable("socat")!, "-t", "5", "-", "UNIX-CONNECT:\(server.socketPath)"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var pending = Data()
        func nextMessage() throws -> JSONValue {
            while true {
                if let end = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<end]
                    pending = Data(pending[(end + 1)...])
                    return try JSONDecoder().decode(JSONValue.self, from: Data(line))
                }
                let more = output.fileHandleForReading.availableData
                try #require(!more.isEmpty, "socat ended early")
                pending.append(more)
            }
        }
        #expect(try nextMessage()["params"]?["role"] == "viewer")
        input.fileHandleForWriting.write(Data((#"{"jsonrpc":"2.0","id":1,"method":"status"}"# + "\n").utf8))
        #expect(try nextMessage()["result"] != nil)
        server.state.onServiceThreadAndWait { server in
            server.reconfigure(roleGroups: [.viewer: ["traction-view"]], maxClients: 128, maxMessageBytes: 65_536,
                               clientQueueBytes: 262_144)
        }
        input.fileHandleForWriting.write(Data((#"{"jsonrpc":"2.0","id":2,"method":"status"}"# + "\n").utf8))
        let denied = try nextMessage()
        #expect(denied["id"] == 2)
        #expect(denied.errorData?["role"] == .null)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    @Test func aTechnicianByGroupMayTareButNotReloadAndIsTold() throws {
        var database = FixedGroupDatabase()
        database.users[4321] = UserRecord(name: "carol", primaryGroupID: 65534)
        database.memberships["carol"] = [5003]
        database.groups["nogroup"] = 65534
        let server = try RunningServer(groupDatabase: database) { $0.socketGroup = "nogroup" }
        defer { server.stop() }
        let messages = try Self.exchange([
            #"{"jsonrpc":"2.0","id":1,"method":"config.reload"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"device.tare"}"#,
        ], as: 4321, gid: 65534, path: server.socketPath)
        try #require(messages.count == 3)
        #expect(messages[0]["params"]?["role"] == "technician")
        #expect(messages[0]["params"]?["uid"] == 4321)
        let denied = messages[1]
        #expect(denied["id"] == 1)
        #expect(denied.errorCode == "PERMISSION_DENIED")
        #expect(denied["error"]?["code"] == .number(-32003))
        #expect(denied.errorData == ["code": "PERMISSION_DENIED", "role": "technician", "required_role": "admin",
                                     "groups": ["traction-admin"]])
        #expect(denied["error"]?["message"] == "config.reload needs the admin role; join the group traction-admin")
        #expect(messages[2]["result"]?["method"] == "device.tare")
        let handled = server.state.handled.withLock { $0 }
        #expect(handled.map(\.0) == [.deviceTare])
        #expect(handled.first?.1.userName == "carol")
        let lines = server.state.logged(containing: "control: uid=4321")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("user=carol role=technician config.reload -> error PERMISSION_DENIED") == true)
        #expect(lines.last?.hasSuffix("user=carol role=technician device.tare -> ok") == true)
    }

    @Test func aPeerWithoutARoleIsDeniedEverythingWithRoleNull() throws {
        var database = FixedGroupDatabase()
        database.groups["nogroup"] = 65534
        let server = try RunningServer(groupDatabase: database) { $0.socketGroup = "nogroup" }
        defer { server.stop() }
        let messages = try Self.exchange([#"{"jsonrpc":"2.0","id":"s","method":"status"}"#],
                                         as: 4321, gid: 65534, path: server.socketPath)
        try #require(messages.count == 2)
        #expect(messages[0]["params"]?["role"] == .null)
        #expect(messages[1]["id"] == "s")
        #expect(messages[1].errorData == ["code": "PERMISSION_DENIED", "role": .null, "required_role": "viewer",
                                          "groups": ["traction-view"]])
        #expect(server.state.handled.withLock { $0.isEmpty })
    }

    @Test func theRealGroupDatabaseMapsNobodysPrimaryGroup() throws {
        let server = try RunningServer { configuration in
            configuration.socketGroup = "nogroup"
            configuration.roleGroups = [.viewer: ["nogroup"], .admin: ["root"]]
        }
        defer { server.stop() }
        let messages = try Self.exchange([#"{"jsonrpc":"2.0","id":1,"method":"session.stop"}"#],
                                         as: 65534, gid: 65534, path: server.socketPath)
        try #require(messages.count == 2)
        #expect(messages[0]["params"]?["role"] == "viewer")
        #expect(messages[0]["params"]?["uid"] == 65534)
        #expect(messages[1].errorData?["required_role"] == "clinician")
        #expect(server.state.logged(containing: "uid=65534").first?.contains(
            "user=nobody role=viewer session.stop -> error PERMISSION_DENIED") == true)
    }
}

/// The audit log line and `audit.list` (docs/control-protocol.md, sections 5 and 6).
@Suite struct AuditTests {
    @Test func stateChangingRequestsAreLoggedAndListedNewestFirst() throws {
        let server = try RunningServer()
        defer { server.stop() }
        server.state.failures.withLock {
            $0[.sessionStart] = ControlError(.conditionPresent, "refused while the harness is open",
                                             data: ["conditions": ["HARNESS_OPEN"]])
        }
        let client = try server.connect()
        _ = try client.readMessage()
        #expect(try client.call("session.arm", id: 1)["result"] != nil)
        #expect(try client.call("session.start", id: 2).errorCode == "CONDITION_PRESENT")
        #expect(try client.call("status", id: 3)["result"] != nil)
        let user = SystemGroupDatabase().user(uid: getuid())?.name ?? "?"
        let prefix = "control: uid=\(getuid()) pid=\(getpid()) user=\(user) role=admin "
        let lines = server.state.logged(containing: "control: uid=")
        #expect(lines == [prefix + "session.arm -> ok", prefix + "session.start -> error CONDITION_PRESENT"])

        let listed = try client.call("audit.list", id: 4)
        let entries = try #require(listed["result"]?["entries"]?.arrayValue)
        #expect(entries.count == 2)
        #expect(entries[0]["method"] == "session.start")
        #expect(entries[0]["outcome"] == "error")
        #expect(entries[0]["code"] == "CONDITION_PRESENT")
        #expect(entries[0]["uid"] == .number(Double(getuid())))
        #expect(entries[0]["pid"] == .number(Double(getpid())))
        #expect(entries[0]["role"] == "admin")
        #expect(entries[1]["method"] == "session.arm")
        #expect(entries[1]["outcome"] == "ok")
        #expect(entries[1]["at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(try client.call("audit.list", id: 5, params: ["limit": 1])["result"]?["entries"]?.arrayValue?.count == 1)
        #expect(try client.call("audit.list", id: 6, params: ["limit": 0]).errorData?["field"] == "limit")
        // audit.list is answered by the server, not the handler.
        #expect(server.state.handled.withLock { $0.map(\.0) } == [.sessionArm, .sessionStart, .status])
    }

    @Test func auditListOnAFreshServerAnswersAnEmptyListAndTheServerGoesOn() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send(#"{"jsonrpc":"2.0","id":1,"method":"audit.list"}"# + "\n")
        #expect(try client.response(id: 1)["result"] == ["entries": []])
        #expect(try client.call("audit.list", id: 2, params: ["limit": 10_000])["result"] == ["entries": []])
        #expect(try client.call("status", id: 3)["result"] != nil)
    }

    @Test func anEmptyAuditRingGivesNothingForAnyLimit() {
        let log = AuditLog(capacity: 3)
        for limit in [-1, 0, 1, 100, Int.max] { #expect(log.newest(limit).isEmpty) }
    }

    @Test func theAuditRingKeepsTheNewestEntries() {
        var log = AuditLog(capacity: 3)
        for index in 1...5 {
            log.append(AuditEntry(at: "t\(index)", uid: 0, pid: 0, user: nil, role: nil, method: "session.stop",
                                  outcome: "ok", code: nil))
        }
        #expect(log.count == 3)
        #expect(log.newest(10).map(\.at) == ["t5", "t4", "t3"])
        #expect(log.newest(2).map(\.at) == ["t5", "t4"])
    }

    @Test func theLogLineKeepsOddUserNamesOnOneLine() {
        let entry = AuditEntry(at: "", uid: 7, pid: 8, user: "eve\nroot x", role: nil, method: "session.arm",
                               outcome: "error", code: "PERMISSION_DENIED")
        #expect(AuditLog.line(entry) == "control: uid=7 pid=8 user=eve?root?x role=none session.arm -> error PERMISSION_DENIED")
    }
}

/// The absolute path of a program on PATH, or nil.
func executable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
