#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TractionControlProtocol
import TractionPlatform

/// A notification from the daemon (section 7): `telemetry`, `event`,
/// `alarm`, `session`, `dropped`.
public struct ControlNotification: Sendable, Hashable {
    public var method: String
    public var params: JSONValue

    public init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
    }

    /// The params as one of the protocol's notification types.
    public func decode<T: Decodable>(as type: T.Type) throws(ControlClientError) -> T {
        do { return try ControlJSON.decode(params, as: type) } catch { throw .badReply(detail: "\(method): \(error.message)") }
    }
}

/// A blocking client of tractiond's control socket (docs/control-protocol.md).
///
/// One connection, one thread: `request` writes a request with a fresh id
/// and reads until the response with that id arrives, handing any
/// notification met on the way to `notificationHandler` (or keeping it for
/// `nextNotification` when there is none). Every wait is bounded by a
/// timeout measured on the monotonic clock. Not thread-safe: use it from one
/// thread at a time.
public final class ControlClient {
    public static let defaultSocketPath = "/run/tractiond/control.sock"
    /// The environment variable that names another socket.
    public static let socketEnvironmentVariable = "TRACTION_SOCKET"
    /// The longest line accepted from the daemon. Requests are bounded by the
    /// daemon's `max_message_bytes`; replies (a program's text, a long audit
    /// list) may be larger, so the client allows far more.
    public static let maximumReplyLineBytes = 64 << 20
    /// Notifications kept for `nextNotification` when no handler takes them;
    /// older ones are dropped first (a watcher that stopped reading must not
    /// grow without bound).
    public static let maximumQueuedNotifications = 4096

    /// The path given, or TRACTION_SOCKET, or the default.
    public static func resolveSocketPath(_ explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[socketEnvironmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultSocketPath
    }

    public let socketPath: String
    /// What the daemon said about itself and about this connection.
    public private(set) var hello: Hello
    /// How long `request` waits for its response, in seconds.
    public var replyTimeout: Double
    /// Receives notifications that arrive while `request` waits. When nil
    /// they are queued for `nextNotification`.
    public var notificationHandler: ((ControlNotification) -> Void)?
    /// Applied to everything the daemon sends (results, errors' messages
    /// and data, notifications, the hello) before anyone sees it: a client
    /// that prints for people escapes what a terminal would obey here.
    public let incomingFilter: ((JSONValue) -> JSONValue)?

    private var descriptor: Int32
    private var framer = LineFramer(maximumLineBytes: ControlClient.maximumReplyLineBytes)
    private var lines: [[UInt8]] = []
    private var queued: [ControlNotification] = []
    private var nextID = 1

    /// Connects and reads the daemon's `hello`.
    /// - Throws: `daemonNotRunning`, `socketPermissionDenied`, `connectFailed`,
    ///   `socketPathTooLong`, `noReply` (no hello in time), `unsupportedProtocol`,
    ///   or `daemon(...)` when the daemon refuses the connection
    ///   (`TOO_MANY_CLIENTS`).
    public init(socketPath: String, replyTimeout: Double = 10, helloTimeout: Double = 5,
                incomingFilter: ((JSONValue) -> JSONValue)? = nil) throws(ControlClientError) {
        self.socketPath = socketPath
        self.replyTimeout = replyTimeout
        self.incomingFilter = incomingFilter
        descriptor = try Self.connect(to: socketPath)
        // Placeholder until the real hello is read; never visible to callers.
        hello = Hello(daemonVersion: "", table: nil, role: nil, uid: 0, pid: 0, maxMessageBytes: 0, loopRateHz: 0)
        do {
            hello = try readHello(timeout: helloTimeout)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the connection; later calls fail with `connectionClosed`.
    public func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }

    // MARK: Requests

    /// Sends `method` with `params` and returns its `result`.
    /// - Throws: `daemon(error)` for an error response; `noReply`,
    ///   `connectionClosed`, `badReply` when the exchange itself failed.
    @discardableResult
    public func request(_ method: ControlMethod, params: JSONValue? = nil,
                        timeout: Double? = nil) throws(ControlClientError) -> JSONValue {
        let id = nextID
        nextID += 1
        try send(RPCRequest(id: .number(Double(id)), method: method.rawValue, params: params ?? .object([:])).encodeLine(),
                 method: method.rawValue)
        let deadline = MonotonicDeadline(after: timeout ?? replyTimeout)
        while true {
            guard let line = try nextLine(until: deadline, retryOnInterrupt: true) else {
                throw .noReply(method: method.rawValue, seconds: timeout ?? replyTimeout)
            }
            switch incoming(line) {
            case .notification(let name, let params)?:
                deliver(ControlNotification(method: name, params: params))
            case .response(let responseID, let outcome)?:
                if responseID == .number(Double(id)) {
                    switch outcome {
                    case .success(let result): return result
                    case .failure(let error): throw .daemon(error)
                    }
                }
                // An error with id null is about this connection (a line too
                // long, too many clients): it ends the exchange.
                if responseID == nil, case .failure(let error) = outcome { throw .daemon(error) }
            // A response to another id cannot come: one request is in flight.
            case nil:
                throw .badReply(detail: String(decoding: line.prefix(200), as: UTF8.self))
            }
        }
    }

    /// `request`, with typed params and result.
    public func request<Result: Decodable>(_ method: ControlMethod, params: some Encodable, as type: Result.Type,
                                           timeout: Double? = nil) throws(ControlClientError) -> Result {
        let value = try request(method, params: ControlJSON.value(params), timeout: timeout)
        return try decode(value, as: type, method: method)
    }

    /// `request` without params, with a typed result.
    public func request<Result: Decodable>(_ method: ControlMethod, as type: Result.Type,
                                           timeout: Double? = nil) throws(ControlClientError) -> Result {
        let value = try request(method, params: nil, timeout: timeout)
        return try decode(value, as: type, method: method)
    }

    private func decode<Result: Decodable>(_ value: JSONValue, as type: Result.Type,
                                           method: ControlMethod) throws(ControlClientError) -> Result {
        do { return try ControlJSON.decode(value, as: type) } catch {
            throw .badReply(detail: "\(method.rawValue): \(error.message)")
        }
    }

    // MARK: Notifications

    /// The next notification: a queued one, else the next to arrive within
    /// `timeout` seconds (nil: wait as long as it takes). Returns nil when the
    /// time ran out or a signal interrupted the wait (the caller checks its
    /// own flags and calls again).
    /// - Throws: `connectionClosed` when the daemon closed the connection.
    public func nextNotification(timeout: Double?) throws(ControlClientError) -> ControlNotification? {
        if !queued.isEmpty { return queued.removeFirst() }
        let deadline = timeout.map { MonotonicDeadline(after: $0) }
        while true {
            guard let line = try nextLine(until: deadline, retryOnInterrupt: false) else { return nil }
            switch incoming(line) {
            case .notification(let name, let params)?:
                return ControlNotification(method: name, params: params)
            case .response(nil, .failure(let error))?:
                throw .daemon(error)
            case .response?:
                continue
            case nil:
                throw .badReply(detail: String(decoding: line.prefix(200), as: UTF8.self))
            }
        }
    }

    /// A line as the caller sees it: parsed, then through `incomingFilter`.
    private func incoming(_ line: [UInt8]) -> RPCIncoming? {
        let parsed = RPCIncoming.parse(line: line)
        guard let filter = incomingFilter, let parsed else { return parsed }
        switch parsed {
        case .notification(let method, let params):
            return .notification(method: method, params: filter(params))
        case .response(let id, .success(let result)):
            return .response(id: id, outcome: .success(filter(result)))
        case .response(let id, .failure(let error)):
            var filtered = error
            filtered.message = filter(.string(error.message)).stringValue ?? error.message
            filtered.data = filter(.object(error.data)).objectValue ?? error.data
            return .response(id: id, outcome: .failure(filtered))
        }
    }

    private func deliver(_ notification: ControlNotification) {
        if let notificationHandler {
            notificationHandler(notification)
            return
        }
        if queued.count >= Self.maximumQueuedNotifications { queued.removeFirst() }
        queued.append(notification)
    }

    // MARK: Connection

    private func readHello(timeout: Double) throws(ControlClientError) -> Hello {
        let deadline = MonotonicDeadline(after: timeout)
        guard let line = try nextLine(until: deadline, retryOnInterrupt: true) else {
            throw .noReply(method: "hello", seconds: timeout)
        }
        switch incoming(line) {
        case .notification(NotificationMethod.hello, let params)?:
            // The version first: a future hello may not decode as this one.
            if let version = params["protocol_version"]?.numberValue, version != Double(Hello.currentProtocolVersion) {
                // Whatever number the peer sent; converted only when it is a whole Int.
                guard let whole = Int(exactly: version) else {
                    throw .badReply(detail: "hello: protocol_version \(version) is not a version number")
                }
                throw .unsupportedProtocol(version: whole)
            }
            do { return try ControlJSON.decode(params, as: Hello.self) } catch {
                throw .badReply(detail: "hello: \(error.message)")
            }
        case .response(_, .failure(let error))?:
            throw .daemon(error)
        default:
            throw .badReply(detail: "expected hello, got \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
    }

    private static func connect(to path: String) throws(ControlClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < capacity else { throw .socketPathTooLong(socketPath: path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw .connectFailed(socketPath: path, errno: errno) }
        var result: Int32
        repeat {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            _ = Glibc.close(descriptor)
            switch code {
            case ENOENT, ECONNREFUSED: throw .daemonNotRunning(socketPath: path, errno: code)
            case EACCES, EPERM: throw .socketPermissionDenied(socketPath: path)
            default: throw .connectFailed(socketPath: path, errno: code)
            }
        }
        // A daemon that stops reading must not block a write for ever.
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    private func send(_ bytes: [UInt8], method: String) throws(ControlClientError) {
        guard descriptor >= 0 else { throw .connectionClosed(detail: "the client was closed") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { throw .noReply(method: method, seconds: 5) }
                throw .connectionClosed(detail: "sending \(method): \(errnoName(code))")
            }
            offset += written
        }
    }

    /// The next complete line, or nil when the deadline passed (or, with
    /// `retryOnInterrupt` false, a signal arrived).
    private func nextLine(until deadline: MonotonicDeadline?, retryOnInterrupt: Bool) throws(ControlClientError) -> [UInt8]? {
        while lines.isEmpty {
            guard descriptor >= 0 else { throw .connectionClosed(detail: "the client was closed") }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let waitMilliseconds = deadline.map { Int32(clamping: $0.remainingMilliseconds) } ?? -1
            if deadline != nil && waitMilliseconds <= 0 { return nil }
            let ready = poll(&poller, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR {
                    if retryOnInterrupt { continue }
                    return nil
                }
                throw .connectionClosed(detail: "poll: \(errnoName(errno))")
            }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .connectionClosed(detail: errnoName(errno))
            }
            if count == 0 { throw .connectionClosed(detail: "end of stream") }
            for output in framer.feed(buffer[..<count]) {
                switch output {
                case .line(let line): lines.append(line)
                case .tooLong: throw .badReply(detail: "a line longer than \(Self.maximumReplyLineBytes) bytes")
                }
            }
        }
        return lines.removeFirst()
    }
}

/// A point on the monotonic clock (CLOCK_MONOTONIC) that waits are measured
/// against, so a wall-clock change never stretches or cuts a timeout.
struct MonotonicDeadline {
    let nanoseconds: UInt64

    init(after seconds: Double) {
        nanoseconds = Self.now() &+ UInt64(min(max(0, seconds), Self.longestWaitSeconds) * 1e9)
    }

    /// A timeout may be any number a person typed (`--timeout 1e300`);
    /// a century is "for ever" here and keeps every conversion in range.
    static let longestWaitSeconds = 3.15e9

    var remainingMilliseconds: Int64 {
        let now = Self.now()
        guard nanoseconds > now else { return 0 }
        // Round up: a wait of 0.4 ms is one more poll, not a busy loop.
        return Int64((nanoseconds - now + 999_999) / 1_000_000)
    }

    static func now() -> UInt64 {
        UInt64(clamping: MonotonicClock.now().nanoseconds)
    }
}
