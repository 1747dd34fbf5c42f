import TractionControlProtocol

/// Why a request to the daemon did not produce a result. Each case carries
/// what a person needs to act, and a symbolic code for support: the daemon's
/// own code for refusals, a client code (below) for everything that went
/// wrong before or around the exchange.
public enum ControlClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens at the path: the socket file is missing (ENOENT) or
    /// left over from a daemon that is gone (ECONNREFUSED).
    case daemonNotRunning(socketPath: String, errno: Int32)
    /// The kernel refused the connection (EACCES/EPERM on connect): the user
    /// is not in the socket's group, or cannot enter its directory.
    case socketPermissionDenied(socketPath: String)
    /// Any other failure to connect (the errno says which).
    case connectFailed(socketPath: String, errno: Int32)
    /// The path does not fit in `sockaddr_un.sun_path` (107 bytes).
    case socketPathTooLong(socketPath: String)
    /// The daemon speaks a protocol version this client does not know.
    case unsupportedProtocol(version: Int)
    /// No answer within the timeout.
    case noReply(method: String, seconds: Double)
    /// The daemon closed the connection (it stopped, or dropped this client).
    case connectionClosed(detail: String)
    /// A line that is not a JSON-RPC message, or a result of the wrong shape.
    case badReply(detail: String)
    /// The daemon answered with an error (docs/control-protocol.md, section 8).
    case daemon(ControlError)

    /// The codes of failures that never reached the daemon's error table.
    public enum ClientCode: String, Sendable, CaseIterable {
        case daemonNotRunning = "DAEMON_NOT_RUNNING"
        case socketPermissionDenied = "SOCKET_PERMISSION_DENIED"
        case connectFailed = "CONNECT_FAILED"
        case socketPathTooLong = "SOCKET_PATH_TOO_LONG"
        case unsupportedProtocol = "PROTOCOL_VERSION_UNSUPPORTED"
        case noReply = "NO_REPLY"
        case connectionClosed = "CONNECTION_CLOSED"
        case badReply = "BAD_REPLY"
    }

    /// The symbolic code: the daemon's (`CONDITION_PRESENT`, ...), or a
    /// client code (`DAEMON_NOT_RUNNING`, ...). An unknown daemon code is
    /// kept as the daemon sent it.
    public var symbolicCode: String {
        switch self {
        case .daemonNotRunning: ClientCode.daemonNotRunning.rawValue
        case .socketPermissionDenied: ClientCode.socketPermissionDenied.rawValue
        case .connectFailed: ClientCode.connectFailed.rawValue
        case .socketPathTooLong: ClientCode.socketPathTooLong.rawValue
        case .unsupportedProtocol: ClientCode.unsupportedProtocol.rawValue
        case .noReply: ClientCode.noReply.rawValue
        case .connectionClosed: ClientCode.connectionClosed.rawValue
        case .badReply: ClientCode.badReply.rawValue
        case .daemon(let error): error.data["unknown_code"]?.stringValue ?? error.code.rawValue
        }
    }

    public var description: String {
        switch self {
        case .daemonNotRunning(let path, let errno):
            "nothing listens at \(path) (\(errnoName(errno)))"
        case .socketPermissionDenied(let path):
            "permission denied connecting to \(path)"
        case .connectFailed(let path, let errno):
            "cannot connect to \(path): \(errnoName(errno))"
        case .socketPathTooLong(let path):
            "the socket path \(path) is longer than 107 bytes"
        case .unsupportedProtocol(let version):
            "the daemon speaks control protocol version \(version); this client knows version \(Hello.currentProtocolVersion)"
        case .noReply(let method, let seconds):
            "no answer to \(method) within \(seconds) s"
        case .connectionClosed(let detail):
            "the daemon closed the connection (\(detail))"
        case .badReply(let detail):
            "unexpected reply from the daemon: \(detail)"
        case .daemon(let error):
            error.message
        }
    }
}

/// "ENOENT", "ECONNREFUSED", ... for the errors a connect can give; the
/// number for the rest.
func errnoName(_ code: Int32) -> String {
    switch code {
    case ENOENT: "ENOENT"
    case ECONNREFUSED: "ECONNREFUSED"
    case EACCES: "EACCES"
    case EPERM: "EPERM"
    case ENOTDIR: "ENOTDIR"
    case ENOTSOCK: "ENOTSOCK"
    case EAGAIN: "EAGAIN"
    case ECONNRESET: "ECONNRESET"
    case EPIPE: "EPIPE"
    case ETIMEDOUT: "ETIMEDOUT"
    default: "errno \(code)"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
