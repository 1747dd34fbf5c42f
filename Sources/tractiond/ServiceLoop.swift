#if canImport(Glibc)
import Logging
import Glibc
#endif
import ArgumentParser
import TractionConfiguration
import TractionDevice
import TractionService
import TractionControl
import TractionControlProtocol

/// The daemon's main (service) thread: the control socket's service loop
/// with the `DaemonService` as its handler; after every service tick the
/// supervisor does the daemon's own duties. Returns once the supervisor has
/// finished (shutdown released, or the command line's session over).
enum ServiceLoop {
    /// How often, at the least, the service drains the control loop's
    /// queues. Requests are served as soon as they arrive; this bounds the
    /// wait for a control-loop reply and the batching of notifications.
    /// 20 ms rather than the server's 2 ms default: each wake-up costs a
    /// little. On an idle machine (where every wake-up costs most) the
    /// daemon's CPU share during a session at 250 Hz measured 3.1-3.4 % at
    /// 10 ms and 2.7-2.8 % at 20 ms (goal 3 %, traction-controlbench,
    /// 2026-11-26). 20 ms still drains a 50 Hz subscriber's telemetry every
    /// period; an operator's request waits at most 20 ms more for its reply
    /// (stop and status are not delayed: they are served when they arrive).
    /// The telemetry queue holds 1024 ticks, about a second even at 1 kHz.
    static let serviceIntervalSeconds = 0.020
    static let serviceInterval = useconds_t(serviceIntervalSeconds * 1e6)

    /// - Parameter socketOptional: true only for the daemon's own simulated
    ///   table; otherwise a socket that cannot be opened releases and exits 73.
    static func run(service: DaemonService, supervisor: DaemonSupervisor, socketPath: String, socketOptional: Bool,
                    configuration: DaemonConfiguration, log: @escaping (Logger.Level, String) -> Void) throws {
        let socket = socketSettings(configuration.socket)
        let serverConfiguration = ControlServerConfiguration(
            socketPath: socketPath, socketGroup: configuration.socket.group, roleGroups: socket.roleGroups,
            maxClients: socket.maxClients, reservedClients: socket.reservedClients,
            maxMessageBytes: socket.maxMessageBytes, clientQueueBytes: socket.clientQueueBytes, daemonUID: getuid(),
            serviceInterval: Seconds(serviceIntervalSeconds))
        let handler = ControlServiceHandler(service: service) { server in supervisor.tick(sink: server) }
        let server: ControlServer
        do {
            server = try ControlServer(configuration: serverConfiguration, handler: handler)
        } catch {
            log(.error, "tractiond: the control socket \(socketPath) cannot be opened: \(error)")
            if socketOptional {
                // The daemon's own simulated table (--simulate), on a machine
                // without the daemon's run directory: no patient, so the
                // simulation may run on without clients. A serial table never
                // does, even one that says it is simulated (tractionemu):
                // that fallback once hid a socket the unit could not open.
                log(.warning, "tractiond: SIMULATION continues without a control socket")
                runWithoutSocket(service: service, supervisor: supervisor)
                service.closeRecordsForExit()
                return
            }
            // Without its socket nobody can stop a session: release and leave
            // through the supervisor's own shutdown (its bounded wait, the stop
            // timeout's extensions, the give-up when the force stalls).
            supervisor.requestShutdown()
            runWithoutSocket(service: service, supervisor: supervisor)
            service.closeRecordsForExit()
            throw ExitCode(73)
        }
        log(.info, "control socket \(socketPath)")
        server.run(until: { supervisor.finished })
        service.closeRecordsForExit()
    }

    /// The `socket.*` keys the server takes, at start and at every reload.
    static func socketSettings(_ socket: SocketSection) -> ServiceSocketSettings {
        var roles: [Role: [String]] = [:]
        roles[.viewer] = socket.roles.viewer
        roles[.clinician] = socket.roles.clinician
        roles[.technician] = socket.roles.technician
        roles[.admin] = socket.roles.admin
        return ServiceSocketSettings(roleGroups: roles, maxClients: socket.maxClients,
                                     reservedClients: socket.reservedClients,
                                     maxMessageBytes: socket.maxMessageBytes, clientQueueBytes: socket.clientQueueBytes)
    }

    /// The service loop with no clients.
    static func runWithoutSocket(service: DaemonService, supervisor: DaemonSupervisor) {
        while !supervisor.finished {
            service.serviceTick(sink: nil)
            supervisor.tick()
            usleep(serviceInterval)
        }
    }
}
