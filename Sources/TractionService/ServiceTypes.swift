import Foundation
import TractionControlProtocol
import TractionDevice
import TractionDaemon
import TractionEngine

/// Who sent a request, as the kernel reported the peer (SO_PEERCRED) and
/// the role the server granted. The service never trusts the message for it.
public struct ServiceCaller: Sendable, Hashable {
    public var uid: UInt32
    public var pid: Int32
    public var userName: String?
    public var role: Role?
    /// The daemon acting on its own (command line, shutdown): named so.
    public var label: String?

    public init(uid: UInt32, pid: Int32, userName: String? = nil, role: Role? = nil) {
        self.uid = uid
        self.pid = pid
        self.userName = userName
        self.role = role
    }

    /// The daemon itself, e.g. `tractiond` stopping a session on SIGTERM.
    public static func daemon(_ label: String) -> ServiceCaller {
        var caller = ServiceCaller(uid: UInt32(getuid()), pid: getpid(), userName: label, role: .admin)
        caller.label = label
        return caller
    }

    /// How records and the engine name this caller: `uid 1000 (alice)`, or
    /// the daemon's own label.
    public var identity: String { label ?? ("uid \(uid)" + (userName.map { " (\($0))" } ?? "")) }
}

/// Where the service sends notifications: the socket server (its
/// `publish` / `publishTelemetry`), or a recorder in tests.
public protocol NotificationSink: AnyObject {
    /// To subscribers of `topic` (events, alarms, session).
    func publish(_ topic: Topic, method: String, params: JSONValue)
    /// One control tick's telemetry; the sink decimates per subscriber.
    func publishTelemetry(tick: UInt64, loopRateHz: Double, params: JSONValue)
    /// Connected clients, for `status`.
    var clientCount: Int { get }
    /// A reload's `socket.*` settings: roles at once for every connection,
    /// sizes for connections made from now on (docs/control-protocol.md, section 6).
    func reconfigureSocket(_ settings: ServiceSocketSettings)
}

extension NotificationSink {
    /// A sink that is not a socket (a test's recorder) has nothing to reconfigure.
    public func reconfigureSocket(_ settings: ServiceSocketSettings) {}
}

/// The `socket.*` keys a reload may change between sessions.
public struct ServiceSocketSettings: Sendable, Hashable {
    public var roleGroups: [Role: [String]]
    public var maxClients: Int
    public var reservedClients: Int
    public var maxMessageBytes: Int
    public var clientQueueBytes: Int

    public init(roleGroups: [Role: [String]], maxClients: Int, reservedClients: Int, maxMessageBytes: Int,
                clientQueueBytes: Int) {
        self.roleGroups = roleGroups
        self.maxClients = maxClients
        self.reservedClients = reservedClients
        self.maxMessageBytes = maxMessageBytes
        self.clientQueueBytes = clientQueueBytes
    }
}

/// What a configuration reload asks of the service, worked out by the
/// daemon from the new file (TractionConfiguration's reload plan).
public struct ServiceReload: Sendable {
    /// The new engine configuration (not yet adapted to the table), or nil
    /// when nothing the engine uses changed.
    public var engineConfiguration: EngineConfiguration?
    public var programDirectories: [String]
    /// The new file's socket roles and sizes; nil leaves the server as it is.
    public var socket: ServiceSocketSettings?
    /// Changed keys that take effect only at the next start.
    public var restartNeeded: [String]
    /// False when the file may not be applied between sessions (a key
    /// needing a restart changed): nothing is applied then.
    public var applicable: Bool

    public init(engineConfiguration: EngineConfiguration?, programDirectories: [String],
                socket: ServiceSocketSettings? = nil, restartNeeded: [String], applicable: Bool) {
        self.engineConfiguration = engineConfiguration
        self.programDirectories = programDirectories
        self.socket = socket
        self.restartNeeded = restartNeeded
        self.applicable = applicable
    }
}

/// The service's fixed settings.
public struct DaemonServiceConfiguration: Sendable {
    /// Program directories, first match wins.
    public var programDirectories: [String]
    /// Where the interrupted-session marker lives; nil: no marker is kept.
    public var stateDirectory: String?
    public var daemonVersion: String
    /// How the daemon reaches the table (device.info's `link`).
    public var link: LinkInfo
    public var loopRateHz: Double
    public var maxMessageBytes: Int
    /// What the control thread runs with, for `status.loop.realtime`.
    public var realtime: String
    public var realtimeDegraded: Bool
    /// A request the control loop has not answered within this is TIMEOUT.
    public var replyTimeout: Seconds
    /// The serial link, for its phase and counters in `status` and
    /// `device.info`; nil for the simulated table.
    public var linkHealth: (any LinkHealthSource)?
    /// The monotonic clock the service judges time by: reply timeouts,
    /// marker rewrites, uptime. The daemon's is `MonotonicClock.now`; the
    /// deterministic simulation (TractionSimulation) passes its virtual clock.
    public var clock: @Sendable () -> MonotonicInstant
    /// Writes and removes the session marker on the service thread itself
    /// instead of the writer's own thread. Only for the simulation, which
    /// must stay single-threaded and deterministic; the daemon never waits
    /// for the disk on the service thread.
    public var markerWritesSynchronously: Bool

    public init(programDirectories: [String], stateDirectory: String?, daemonVersion: String, link: LinkInfo,
                loopRateHz: Double, maxMessageBytes: Int = 65_536, realtime: String = "unknown",
                realtimeDegraded: Bool = true, replyTimeout: Seconds = 1, linkHealth: (any LinkHealthSource)? = nil,
                clock: @escaping @Sendable () -> MonotonicInstant = { MonotonicClock.now() },
                markerWritesSynchronously: Bool = false) {
        self.programDirectories = programDirectories
        self.stateDirectory = stateDirectory
        self.daemonVersion = daemonVersion
        self.link = link
        self.loopRateHz = loopRateHz
        self.maxMessageBytes = maxMessageBytes
        self.realtime = realtime
        self.realtimeDegraded = realtimeDegraded
        self.replyTimeout = replyTimeout
        self.linkHealth = linkHealth
        self.clock = clock
        self.markerWritesSynchronously = markerWritesSynchronously
    }
}
