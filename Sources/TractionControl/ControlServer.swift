#if canImport(Glibc)
import Glibc
#endif
import Logging
import TractionControlProtocol
import TractionDevice
import TractionPlatform

/// The control socket server of docs/control-protocol.md.
///
/// Transport: a hand-written poll(2) loop on the caller's thread rather than
/// SwiftNIO, because the daemon wants every handler call on its own service
/// thread with a 2 ms tick, exact per-client backpressure and SO_PEERCRED at
/// accept, which NIO would give only through its own event-loop thread.
///
/// Everything happens on the thread inside `run`: accepting, reading,
/// framing, the role check, handler calls, `respond`, `publish` and writing.
/// No socket is ever blocking, so no client can hold that thread, and the
/// control thread is reached only through the handler.
public final class ControlServer {
    public private(set) var configuration: ControlServerConfiguration
    let handler: any ControlRequestHandler
    private(set) var roleResolver: RoleResolver
    private var listener: ListeningSocket?
    var clients: [UInt64: ClientConnection] = [:]
    /// Accept order; the starting point rotates every iteration.
    private var clientOrder: [UInt64] = []
    private var nextClientID: UInt64 = 1
    private var turn = 0
    var audit: AuditLog
    private var readBuffer: [UInt8]
    /// After EMFILE and the like, accepting pauses briefly instead of spinning.
    private var acceptingResumesAt: Double?
    var isShuttingDown = false
    /// The thread inside `run`; `publish` from any other is a defect.
    fileprivate var serviceThread: pthread_t?

    /// Lines read from one client per iteration, so a flooding client cannot starve the others.
    static let linesPerTurn = 64
    static let readChunkBytes = 65_536
    static let acceptsPerTurn = 16
    /// Handler requests of one connection not yet answered; beyond this its
    /// lines wait (the handler may answer any method later, so without a cap
    /// a flood would pile up closures).
    static let maxRequestsInFlight = 256
    static let acceptPauseAfterResourceError = 0.1

    /// Audit lines (info) and connection problems (warning, error), with
    /// their priority; standard error with the journald prefix unless
    /// replaced (tests).
    public var logSink: (Logger.Level, String) -> Void = writeStandardError

    /// Checks (or creates) the socket directory, removes a stale socket file,
    /// binds and listens. Throws, naming the path and the failed check, when
    /// the directory is unsafe or the socket cannot be made.
    public init(configuration: ControlServerConfiguration, handler: any ControlRequestHandler,
                groupDatabase: any GroupDatabase = SystemGroupDatabase()) throws(ControlServerError) {
        precondition(configuration.maxClients > 0 && configuration.reservedClients >= 0
            && configuration.clientQueueBytes > 0 && configuration.maxQueuedControlRequests >= 0,
                     "control server limits must be positive")
        self.configuration = configuration
        self.handler = handler
        roleResolver = RoleResolver(roleGroups: configuration.roleGroups, daemonUID: configuration.daemonUID,
                                    database: groupDatabase)
        audit = AuditLog(capacity: configuration.auditCapacity)
        readBuffer = [UInt8](repeating: 0, count: Self.readChunkBytes)

        // Checked before anything is created on disk.
        guard configuration.socketPath.utf8.count <= SocketFiles.maximumPathBytes else {
            throw .socketPathTooLong(path: configuration.socketPath, maximumBytes: SocketFiles.maximumPathBytes)
        }
        let groupID: UInt32
        if let name = configuration.socketGroup {
            guard let found = groupDatabase.groupID(named: name) else { throw .unknownSocketGroup(name) }
            groupID = found
        } else {
            groupID = getegid()
        }
        try SocketFiles.prepareDirectory(SocketFiles.directory(of: configuration.socketPath), groupID: groupID,
                                         daemonUID: configuration.daemonUID)
        listener = try SocketFiles.bindListener(path: configuration.socketPath, groupID: groupID)
    }

    deinit { close() }

    public var clientCount: Int { clients.count }
    public var socketPath: String { configuration.socketPath }

    /// Closes every connection and the listening socket, and removes the
    /// socket file if it is still ours. `run` returns at once afterwards.
    public func close() {
        for client in clients.values { Glibc.close(client.descriptor) }
        clients.removeAll()
        clientOrder.removeAll()
        if let listener {
            Glibc.close(listener.descriptor)
            SocketFiles.removeIfOurs(listener)
            self.listener = nil
        }
    }

    /// Applies the `socket.*` keys that may change between sessions
    /// (docs/configuration.md): connection limits, message and queue sizes
    /// for connections made from now on; the role groups at once, for every
    /// connection (a removed group stops granting its role immediately).
    public func reconfigure(roleGroups: [Role: [String]], maxClients: Int,
                            reservedClients: Int = ControlServerConfiguration.defaultReservedClients,
                            maxMessageBytes: Int, clientQueueBytes: Int) {
        assertOnServiceThread()
        precondition(maxClients > 0 && reservedClients >= 0 && maxMessageBytes >= 2 && clientQueueBytes > 0,
                     "control server limits must be positive")
        configuration.roleGroups = roleGroups
        configuration.maxClients = maxClients
        configuration.reservedClients = reservedClients
        configuration.maxMessageBytes = maxMessageBytes
        configuration.clientQueueBytes = clientQueueBytes
        roleResolver.roleGroups = roleGroups
        for client in clients.values {
            let credentials = PeerCredentials(pid: client.peer.pid, uid: client.peer.uid, gid: client.peer.gid)
            client.peer = roleResolver.identity(of: credentials)
        }
    }

    /// From now on only `status` and `session.stop` are served; everything
    /// else is SHUTTING_DOWN.
    public func beginShutdown() { isShuttingDown = true }

    /// The service loop, on the calling thread, until `stop` returns true
    /// (checked every iteration, at least every `serviceInterval`).
    public func run(until stop: () -> Bool) {
        var descriptors: [pollfd] = []
        var owners: [ClientConnection?] = []
        let interval = max(configuration.serviceInterval.value, 0.001)
        // poll(2) counts whole milliseconds (ppoll is a GNU extension Glibc's module hides).
        let intervalMilliseconds = Int32((interval * 1000).rounded(.up))
        serviceThread = pthread_self()
        defer { serviceThread = nil }
        while !stop(), listener != nil {
            var now = monotonicSeconds()
            descriptors.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            if let listener, acceptingResumesAt.map({ now >= $0 }) ?? true {
                acceptingResumesAt = nil
                descriptors.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0))
                owners.append(nil)
            }
            var workWaiting = false
            for id in clientOrder {
                guard let client = clients[id] else { continue }
                var events: Int16 = 0
                if wantsToRead(client) { events |= Int16(POLLIN) }
                if client.queuedBytes > 0 { events |= Int16(POLLOUT) }
                if hasRequestsToProcess(client) { workWaiting = true }
                // A client polled for nothing is left out: a hung-up socket
                // would report POLLHUP on every call and spin the loop.
                if events != 0 {
                    descriptors.append(pollfd(fd: client.descriptor, events: events, revents: 0))
                    owners.append(client)
                }
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), workWaiting ? 0 : intervalMilliseconds)
            now = monotonicSeconds()
            if ready > 0 {
                for index in descriptors.indices where descriptors[index].revents != 0 {
                    let events = Int32(descriptors[index].revents)
                    guard let client = owners[index] else {
                        acceptConnections(now: now)
                        continue
                    }
                    guard clients[client.id] != nil else { continue }
                    if events & Int32(POLLNVAL | POLLERR) != 0 {
                        disconnect(client)
                        continue
                    }
                    if events & Int32(POLLOUT) != 0 { flush(client) }
                    if events & Int32(POLLIN | POLLHUP) != 0, clients[client.id] != nil, wantsToRead(client) {
                        if !client.readAvailable(into: &readBuffer, now: now) { disconnect(client) }
                    }
                }
            } else if ready < 0 && errno != EINTR {
                logSink(.error, "control: poll failed: \(Errno(errno).description)")
                var pause = timespec(seconds: interval)
                nanosleep(&pause, nil)
            }
            processRequests(now: now)
            checkIncompleteLines(now: now)
            handler.serviceTick(server: self)
            flushAndCloseFinished(now: monotonicSeconds())
        }
    }

    // MARK: connections

    private func acceptConnections(now: Double) {
        guard let listener else { return }
        for _ in 0..<Self.acceptsPerTurn {
            // accept4 is a GNU extension Glibc's module hides; the flags are set right after.
            let descriptor = accept(listener.descriptor, nil, nil)
            if descriptor < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO: continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection
                    // stays in the backlog; try again shortly.
                    logSink(.error, "control: cannot accept a connection: \(Errno(errno).description); "
                        + "accepting again in \(Int(Self.acceptPauseAfterResourceError * 1000)) ms")
                    acceptingResumesAt = now + Self.acceptPauseAfterResourceError
                    return
                }
            }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            let credentials: PeerCredentials
            switch PeerCredentials.of(socket: descriptor) {
            case .success(let found): credentials = found
            case .failure(let error):
                logSink(.warning, "control: refused a connection: \(error)")
                Glibc.close(descriptor)
                continue
            }
            let peer = roleResolver.identity(of: credentials)
            guard makeRoom(for: peer) else {
                refuseOverLimit(descriptor, peer: peer)
                continue
            }
            var hello = handler.hello(for: peer)
            hello.role = peer.role
            hello.uid = peer.uid
            hello.pid = peer.pid
            hello.maxMessageBytes = configuration.maxMessageBytes
            let client = ClientConnection(id: nextClientID, descriptor: descriptor, peer: peer,
                                          loopRateHz: hello.loopRateHz, maxMessageBytes: configuration.maxMessageBytes,
                                          queueLimit: configuration.clientQueueBytes)
            nextClientID += 1
            clients[client.id] = client
            clientOrder.append(client.id)
            client.enqueue(RPCNotification.encodeLine(method: NotificationMethod.hello, params: ControlJSON.value(hello)))
            flush(client)
        }
    }

    /// Whether `peer` gets a connection (docs/control-protocol.md, section 7,
    /// "Limits"). A stop must always get through, so the role from
    /// SO_PEERCRED decides: a peer that may stop a session (clinician and
    /// above) takes any free slot, and when none is free the oldest
    /// connection that could not stop one is closed for it (no role first,
    /// then viewer); any other peer takes a slot only while such peers hold
    /// fewer than `maxClients - reservedClients`.
    private func makeRoom(for peer: PeerIdentity) -> Bool {
        let limit = configuration.maxClients
        if Self.mayStop(peer.role) {
            if clients.count < limit { return true }
            guard let victim = oldestConnectionThatCannotStop() else { return false }
            evict(victim, toAdmit: peer)
            return true
        }
        let reserve = min(configuration.reservedClients, limit - 1)
        let heldByOthers = clients.values.count(where: { !Self.mayStop($0.peer.role) })
        return clients.count < limit && heldByOthers < limit - reserve
    }

    static func mayStop(_ role: Role?) -> Bool { role.map { $0 >= ControlMethod.sessionStop.requiredRole } ?? false }

    /// The connection to close for a peer that may stop a session: the
    /// oldest without a role (it can do nothing but be refused), else the
    /// oldest viewer's.
    private func oldestConnectionThatCannotStop() -> ClientConnection? {
        let candidates = clientOrder.compactMap { clients[$0] }.filter { !Self.mayStop($0.peer.role) }
        return candidates.first { $0.peer.role == nil } ?? candidates.first
    }

    /// Tells the peer why (TOO_MANY_CLIENTS, id null) as far as its socket
    /// takes the line now, then closes at once: the slot is needed now.
    private func evict(_ client: ClientConnection, toAdmit peer: PeerIdentity) {
        let role = client.peer.role?.rawValue ?? "none"
        logSink(.warning, "control: uid=\(client.peer.uid) pid=\(client.peer.pid) role=\(role) closed to make room for "
            + "uid=\(peer.uid) pid=\(peer.pid) role=\(peer.role?.rawValue ?? "none"), who may stop a session "
            + "(\(configuration.maxClients) connections at most)")
        let error = ControlError(.tooManyClients,
                                 "the daemon serves at most \(configuration.maxClients) connections and closed this one "
                                     + "to make room for a user who may stop a session",
                                 data: ["max_clients": .number(Double(configuration.maxClients))])
        client.enqueue(RPCResponse.encodeLine(id: nil, error: error))
        _ = client.flush()
        disconnect(client)
    }

    /// TOO_MANY_CLIENTS on a fresh socket (its buffer is empty, so the line
    /// fits), then close; the peer gets no `hello`.
    private func refuseOverLimit(_ descriptor: Int32, peer: PeerIdentity) {
        let limit = configuration.maxClients
        let reserve = min(configuration.reservedClients, limit - 1)
        let message = Self.mayStop(peer.role) || reserve == 0
            ? "the daemon serves at most \(limit) connections; close one and retry"
            : "the daemon serves at most \(limit) connections and keeps \(reserve) of them for users who may stop "
                + "a session; close one and retry"
        let error = ControlError(.tooManyClients, message, data: ["max_clients": .number(Double(limit))])
        let line = RPCResponse.encodeLine(id: nil, error: error)
        _ = line.withUnsafeBytes { send(descriptor, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        Glibc.close(descriptor)
    }

    func disconnect(_ client: ClientConnection) {
        guard clients.removeValue(forKey: client.id) != nil else { return }
        clientOrder.removeAll { $0 == client.id }
        Glibc.close(client.descriptor)
    }

    /// Reading stops while the connection is closing, after its end of
    /// input, while earlier lines wait, and while its queue is over half full.
    func wantsToRead(_ client: ClientConnection) -> Bool {
        !client.isClosing && !client.inputEnded && client.inbox.isEmpty
            && client.queuedBytes <= client.queueLimit / 2
    }

    func hasRequestsToProcess(_ client: ClientConnection) -> Bool {
        guard !client.isClosing, client.queuedBytes <= client.queueLimit / 2,
              client.requestsInFlight < Self.maxRequestsInFlight else { return false }
        return !client.inbox.isEmpty || (!client.controlRequestInFlight && !client.waitingForControlLoop.isEmpty)
    }

    /// Every client in turn, starting one further each iteration.
    private func processRequests(now: Double) {
        guard !clientOrder.isEmpty else { return }
        let order = clientOrder
        let start = turn % order.count
        turn &+= 1
        for step in order.indices {
            guard let client = clients[order[(start + step) % order.count]] else { continue }
            process(client, now: now)
        }
    }

    private func checkIncompleteLines(now: Double) {
        for client in clients.values where !client.isClosing {
            guard let since = client.partialLineSince else { continue }
            guard wantsToRead(client) else {
                // The server is not reading (backpressure): the client is not late.
                client.partialLineSince = now
                continue
            }
            if now - since >= configuration.incompleteLineTimeout.value {
                let seconds = configuration.incompleteLineTimeout.value
                let error = ControlError(
                    .messageIncomplete,
                    "a message stayed incomplete (no line feed) for \(seconds.compactText) s; closing the connection")
                sendAndClose(client, error, now: now)
            }
        }
    }

    private func flushAndCloseFinished(now: Double) {
        for id in clientOrder {
            guard let client = clients[id] else { continue }
            if client.queuedBytes > 0 { flush(client) }
            guard clients[id] != nil else { continue }
            dropIfNotReading(client, now: now)
            if let deadline = client.closeDeadline {
                if client.queuedBytes == 0 || now >= deadline { disconnect(client) }
            } else if client.inputEnded, client.inbox.isEmpty, client.waitingForControlLoop.isEmpty,
                      client.requestsInFlight == 0, client.queuedBytes == 0 {
                // The client finished sending and has every answer.
                disconnect(client)
            }
        }
    }

    // MARK: output

    func flush(_ client: ClientConnection) {
        if case .failed = client.flush() { disconnect(client) }
    }

    /// Queues one line for a client. A queue that would exceed
    /// `clientQueueBytes` even after writing what the socket takes now marks
    /// a slow consumer: it gets `dropped` and is closed. An empty queue
    /// always takes one line, however long.
    func enqueue(_ line: [UInt8], to client: ClientConnection) {
        guard !client.isClosing, clients[client.id] != nil else { return }
        if client.queuedBytes > 0, client.queuedBytes + line.count > client.queueLimit {
            flush(client)
            guard clients[client.id] != nil else { return }
            if client.queuedBytes > 0, client.queuedBytes + line.count > client.queueLimit {
                dropSlowConsumer(client)
                return
            }
        }
        client.enqueue(line)
    }

    /// Over half full, a connection's requests are no longer read
    /// (back-pressure); one that then reads nothing of its queue for
    /// `unreadOutputTimeout` is dropped, like a slow subscriber, so that a
    /// client that never reads cannot hold its connection for ever.
    private func dropIfNotReading(_ client: ClientConnection, now: Double) {
        guard !client.isClosing, client.queuedBytes > client.queueLimit / 2 else {
            client.unreadSince = nil
            return
        }
        guard let since = client.unreadSince, since.bytesWritten == client.bytesWritten else {
            client.unreadSince = (now, client.bytesWritten)
            return
        }
        if now - since.at >= configuration.unreadOutputTimeout.value { dropSlowConsumer(client) }
    }

    private func dropSlowConsumer(_ client: ClientConnection) {
        let queued = client.queuedBytes
        logSink(.warning, "control: uid=\(client.peer.uid) pid=\(client.peer.pid) dropped: slow consumer, \(queued) bytes unsent")
        let notice = DroppedNotification(queuedBytes: queued)
        // The one line allowed past the bound.
        client.enqueue(RPCNotification.encodeLine(method: NotificationMethod.dropped, params: ControlJSON.value(notice)))
        beginClosing(client, now: monotonicSeconds())
    }

    /// An error with id null, then the connection closes once it is written.
    func sendAndClose(_ client: ClientConnection, _ error: ControlError, now: Double) {
        enqueue(RPCResponse.encodeLine(id: nil, error: error), to: client)
        beginClosing(client, now: now)
    }

    func beginClosing(_ client: ClientConnection, now: Double) {
        guard !client.isClosing else { return }
        client.closeDeadline = now + configuration.slowClientGrace.value
        client.inbox.removeAll()
        client.waitingForControlLoop.removeAll()
        client.partialLineSince = nil
    }

    // MARK: notifications

    /// Sends a notification to every subscriber of `topic` (events, alarms, session).
    public func publish(_ topic: Topic, method: String, params: JSONValue) {
        assertOnServiceThread()
        var line: [UInt8]?
        for id in clientOrder {
            guard let client = clients[id], client.topics.contains(topic), !client.isClosing else { continue }
            if line == nil { line = RPCNotification.encodeLine(method: method, params: params) }
            enqueue(line!, to: client)
        }
    }

    /// Sends one control tick's telemetry to each telemetry subscriber whose
    /// rate wants this tick: every n-th tick, n = round(loop rate / telemetry_hz).
    public func publishTelemetry(tick: UInt64, loopRateHz: Double, params: JSONValue) {
        assertOnServiceThread()
        var line: [UInt8]?
        for id in clientOrder {
            guard let client = clients[id], client.topics.contains(.telemetry), !client.isClosing else { continue }
            let ratio = (loopRateHz / client.telemetryHz).rounded()
            let every: UInt64 = ratio.isFinite && ratio > 1 ? UInt64(min(ratio, 1e9)) : 1
            if let last = client.lastTelemetryTick, tick >= last, tick - last < every { continue }
            client.lastTelemetryTick = tick
            if line == nil { line = RPCNotification.encodeLine(method: NotificationMethod.telemetry, params: params) }
            enqueue(line!, to: client)
        }
    }
}

extension ControlServer {
    /// The server is not thread-safe: everything must come from the thread in `run`.
    func assertOnServiceThread() {
        assert(serviceThread.map { pthread_equal($0, pthread_self()) != 0 } ?? true,
               "ControlServer used outside its service thread")
    }
}

extension timespec {
    init(seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
    }
}

extension Double {
    /// "10" for whole numbers, "0.5" otherwise: for messages.
    var compactText: String {
        rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
