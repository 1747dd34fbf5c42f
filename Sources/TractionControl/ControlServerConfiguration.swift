#if canImport(Glibc)
import Glibc
#endif
import TractionControlProtocol
import TractionDevice
import TractionPlatform

/// Who is at the other end of a connection, as the kernel reported it
/// (`SO_PEERCRED`) and the group database mapped it (docs/control-protocol.md, section 6).
public struct PeerIdentity: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    /// The user name of `uid` in the password database; nil when it has none.
    public var userName: String?
    /// nil: the peer has no role and every method is PERMISSION_DENIED.
    public var role: Role?

    public init(uid: UInt32, gid: UInt32, pid: Int32, userName: String?, role: Role?) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.userName = userName
        self.role = role
    }

    /// "uid 1000 (alice)", the form `armed_by` and `by` use in the protocol.
    public var actorDescription: String {
        userName.map { "uid \(uid) (\($0))" } ?? "uid \(uid)"
    }
}

/// The server's settings. Defaults are the documented ones
/// (docs/control-protocol.md and docs/configuration.md, `socket.*`).
public struct ControlServerConfiguration: Sendable {
    /// Where the socket is bound; its directory is checked or created.
    public var socketPath: String
    /// The group of the socket directory and the socket; nil means the
    /// daemon's own group (tests).
    public var socketGroup: String?
    /// The groups that grant each role (`socket.roles`).
    public var roleGroups: [Role: [String]]
    public var maxClients: Int
    /// Of `maxClients`, the connections kept for peers whose role may stop a
    /// session (clinician and above), decided from SO_PEERCRED at accept:
    /// peers without such a role may hold at most `maxClients -
    /// reservedClients` (docs/control-protocol.md, section 7, "Limits").
    /// Capped at `maxClients - 1`, so one slot is always open to everyone.
    public var reservedClients: Int
    /// The longest line accepted, line feed included.
    public var maxMessageBytes: Int
    /// Unsent output one connection may hold before it is dropped as a slow consumer.
    public var clientQueueBytes: Int
    /// A partial line older than this is MESSAGE_INCOMPLETE and closes the connection.
    public var incompleteLineTimeout: Seconds
    /// How long a connection being closed (after `dropped`, MESSAGE_TOO_LARGE...)
    /// may take to read its last message before it is closed regardless.
    public var slowClientGrace: Seconds
    /// A connection whose queue is over half full (so its requests are no
    /// longer read) and that reads nothing of it for this long is dropped as
    /// a slow consumer: it would otherwise hold its connection for ever.
    public var unreadOutputTimeout: Seconds
    /// The daemon's own uid: a peer with it is admin, and so is root. The
    /// socket directory must belong to it or to root.
    public var daemonUID: UInt32
    /// The longest the service loop sleeps between two `serviceTick` calls.
    public var serviceInterval: Seconds
    /// Requests of one connection that may wait for the control loop behind
    /// the one in flight; one more is answered BUSY, so a flood of such
    /// requests can never hold back a later `session.stop`.
    public var maxQueuedControlRequests: Int
    /// Audit entries kept for `audit.list` (the oldest is forgotten first).
    public var auditCapacity: Int

    /// Enough for the clinicians and technicians of one table's room, each
    /// with a `watch` open and a second terminal to pause or stop from.
    public static let defaultReservedClients = 8

    public static let defaultRoleGroups: [Role: [String]] = [
        .viewer: ["traction-view"], .clinician: ["traction-clinic"],
        .technician: ["traction-tech"], .admin: ["traction-admin"],
    ]

    public init(
        socketPath: String = "/run/tractiond/control.sock",
        socketGroup: String? = "traction",
        roleGroups: [Role: [String]] = ControlServerConfiguration.defaultRoleGroups,
        maxClients: Int = 128,
        reservedClients: Int = ControlServerConfiguration.defaultReservedClients,
        maxMessageBytes: Int = 65_536,
        clientQueueBytes: Int = 262_144,
        incompleteLineTimeout: Seconds = 10,
        slowClientGrace: Seconds = 2,
        unreadOutputTimeout: Seconds = 10,
        daemonUID: UInt32 = geteuid(),
        serviceInterval: Seconds = .milliseconds(2),
        maxQueuedControlRequests: Int = 32,
        auditCapacity: Int = 10_000
    ) {
        self.socketPath = socketPath
        self.socketGroup = socketGroup
        self.roleGroups = roleGroups
        self.maxClients = maxClients
        self.reservedClients = reservedClients
        self.maxMessageBytes = maxMessageBytes
        self.clientQueueBytes = clientQueueBytes
        self.incompleteLineTimeout = incompleteLineTimeout
        self.slowClientGrace = slowClientGrace
        self.unreadOutputTimeout = unreadOutputTimeout
        self.daemonUID = daemonUID
        self.serviceInterval = serviceInterval
        self.maxQueuedControlRequests = maxQueuedControlRequests
        self.auditCapacity = auditCapacity
    }
}

/// Serves the requests the server does not answer itself. The server calls
/// every method on its one service thread (the thread inside
/// `ControlServer.run`), never concurrently.
public protocol ControlRequestHandler: AnyObject {
    /// A request that passed framing, parsing and the role check; the server
    /// answers PARSE_ERROR, METHOD_NOT_FOUND, PERMISSION_DENIED, `subscribe`,
    /// `unsubscribe` and `audit.list` itself. Call `respond` exactly once, at
    /// once or later, on the service thread (from `serviceTick`). Params are
    /// not checked yet: decode them with `ControlJSON.decodeParams`.
    func handle(_ method: ControlMethod, params: JSONValue?, from peer: PeerIdentity,
                respond: @escaping (Result<JSONValue, ControlError>) -> Void)

    /// The `hello` notification for a new connection. The server overwrites
    /// `role`, `uid`, `pid` and `max_message_bytes` with what it knows, and
    /// checks `telemetry_hz` of this connection against `loop_rate_hz`.
    func hello(for peer: PeerIdentity) -> Hello

    /// Called on the service thread at least every `serviceInterval`: drain
    /// the control loop's queues, call pending `respond`s, `publish`.
    func serviceTick(server: ControlServer)

    /// Notifications a client gets right after the answer to a `subscribe`
    /// that includes `topics`: what was published before it could subscribe
    /// and still holds (docs/control-protocol.md, section 7).
    func notificationsForNewSubscriber(topics: Set<Topic>) -> [(method: String, params: JSONValue)]
}

extension ControlRequestHandler {
    public func notificationsForNewSubscriber(topics: Set<Topic>) -> [(method: String, params: JSONValue)] { [] }
}

/// Why the server could not start. Each names the path and the check that failed.
public enum ControlServerError: Error, Hashable, CustomStringConvertible {
    case socketPathTooLong(path: String, maximumBytes: Int)
    case socketDirectoryParentMissing(directory: String)
    case socketDirectoryNotADirectory(path: String)
    case socketDirectoryWritableByOthers(path: String, mode: UInt32)
    case socketDirectoryOwnedByAnotherUser(path: String, owner: UInt32, daemonUID: UInt32)
    case unknownSocketGroup(String)
    /// Something that is not a socket sits where the socket goes.
    case socketPathOccupied(path: String)
    /// Another process accepts connections on the socket (a second daemon).
    case socketInUse(path: String)
    case systemCall(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .socketPathTooLong(path, maximumBytes):
            "control socket path \(path) is longer than \(maximumBytes) bytes"
        case let .socketDirectoryParentMissing(directory):
            "cannot create the control socket directory \(directory): its parent directory does not exist"
        case let .socketDirectoryNotADirectory(path):
            "control socket directory \(path) is not a directory (a symbolic link or a file is refused)"
        case let .socketDirectoryWritableByOthers(path, mode):
            "control socket directory \(path) is unsafe: mode \(octal(mode)) lets "
                + (mode & 0o002 != 0 ? "every user" : "its group") + " write in it; it must be 0750"
        case let .socketDirectoryOwnedByAnotherUser(path, owner, daemonUID):
            "control socket directory \(path) is unsafe: it belongs to uid \(owner), "
                + "not to the daemon (uid \(daemonUID)) or root"
        case let .unknownSocketGroup(name):
            "socket group \"\(name)\" does not exist in the group database"
        case let .socketPathOccupied(path):
            "\(path) exists and is not a socket; refusing to remove it"
        case let .socketInUse(path):
            "another process is serving the control socket \(path) (is a second daemon running?)"
        case let .systemCall(call, path, code):
            "\(call) \(path): \(Errno(code).description)"
        }
    }
}

func octal(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
