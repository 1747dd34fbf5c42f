import TractionControl
import TractionControlProtocol

/// The socket server's handler: passes requests to the `DaemonService` with
/// the peer the kernel reported, and runs the service tick (and the
/// daemon's own duties after it) on the server's service thread.
public final class ControlServiceHandler: ControlRequestHandler {
    public let service: DaemonService
    private let afterTick: (ControlServer) -> Void
    private weak var server: ControlServer?

    public init(service: DaemonService, afterTick: @escaping (ControlServer) -> Void = { _ in }) {
        self.service = service
        self.afterTick = afterTick
    }

    public func handle(_ method: ControlMethod, params: JSONValue?, from peer: PeerIdentity,
                       respond: @escaping (Result<JSONValue, ControlError>) -> Void) {
        let caller = ServiceCaller(uid: peer.uid, pid: peer.pid, userName: peer.userName, role: peer.role)
        service.handle(method, params: params, from: caller, sink: server, respond: respond)
    }

    public func hello(for peer: PeerIdentity) -> Hello {
        service.hello(uid: peer.uid, pid: peer.pid, role: peer.role)
    }

    public func notificationsForNewSubscriber(topics: Set<Topic>) -> [(method: String, params: JSONValue)] {
        guard topics.contains(.events) else { return [] }
        return service.eventsForNewSubscriber().map { (NotificationMethod.event, $0) }
    }

    public func serviceTick(server: ControlServer) {
        self.server = server
        service.serviceTick(sink: server)
        afterTick(server)
    }
}

extension ControlServer: NotificationSink {
    public func reconfigureSocket(_ settings: ServiceSocketSettings) {
        reconfigure(roleGroups: settings.roleGroups, maxClients: settings.maxClients,
                    reservedClients: settings.reservedClients, maxMessageBytes: settings.maxMessageBytes,
                    clientQueueBytes: settings.clientQueueBytes)
    }
}
