#if canImport(Glibc)
import Glibc
#endif
import TractionDevice
import TractionPlatform

/// Speaks systemd's notification protocol (sd_notify(3)): one datagram of
/// newline-separated `KEY=VALUE` lines sent to the AF_UNIX socket named by
/// `$NOTIFY_SOCKET`. A leading `@` names a socket in the abstract namespace.
///
/// Written by hand rather than linking libsystemd: the protocol is one
/// `sendto` and is documented as stable, and the daemon then runs the same
/// with or without systemd (outside systemd every call is a no-op).
public struct SystemdNotifier: Sendable {
    /// The socket path, or nil when not started by systemd with Type=notify.
    public let socketPath: String?
    /// The watchdog interval systemd expects (`$WATCHDOG_USEC`), if enabled
    /// for this process (`$WATCHDOG_PID` absent or equal to our pid).
    public let watchdogInterval: Seconds?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if let microseconds = environment["WATCHDOG_USEC"].flatMap(UInt64.init), microseconds > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogInterval = Seconds(Double(microseconds) / 1e6)
        } else {
            watchdogInterval = nil
        }
    }

    /// The notifier for this process's environment.
    public static func fromProcessEnvironment() -> SystemdNotifier {
        var environment: [String: String] = [:]
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        return SystemdNotifier(environment: environment)
    }

    public var isActive: Bool { socketPath != nil }

    /// READY=1: start-up is complete (the table handshake succeeded).
    public func ready(status: String) throws(SystemdNotifyError) {
        try send(["READY=1", "STATUS=\(status)"])
    }

    /// STATUS=...: a one-line human-readable state, shown by `systemctl status`.
    public func status(_ text: String) throws(SystemdNotifyError) { try send(["STATUS=\(text)"]) }

    /// WATCHDOG=1: the control loop is healthy. Only call this from a check
    /// that proves the loop is ticking, never from a free-running timer.
    public func watchdog() throws(SystemdNotifyError) { try send(["WATCHDOG=1"]) }

    /// STOPPING=1: shutdown has begun; with `extendBy`, also asks for that
    /// much more time before systemd's stop timeout (as `extendTimeout`).
    public func stopping(status: String, extendBy: Seconds? = nil) throws(SystemdNotifyError) {
        try send(["STOPPING=1"] + (extendBy.map { [Self.extendAssignment($0)] } ?? []) + ["STATUS=\(status)"])
    }

    /// EXTEND_TIMEOUT_USEC=...: systemd (236 or later) lets the current
    /// start, runtime or stop timeout run on, and kills the service only if
    /// no further extension arrives within `duration` (and the unit's own
    /// timeout has passed). Only send it while the work it covers progresses.
    public func extendTimeout(by duration: Seconds) throws(SystemdNotifyError) {
        try send([Self.extendAssignment(duration)])
    }

    /// The assignment for `duration` in whole microseconds (at least 1).
    public static func extendAssignment(_ duration: Seconds) -> String {
        let microseconds = duration.value.isFinite ? max(UInt64(min(max(duration.value, 0), 1e9) * 1e6), 1) : 1
        return "EXTEND_TIMEOUT_USEC=\(microseconds)"
    }

    /// Sends the given assignments as one datagram. A no-op outside systemd.
    public func send(_ assignments: [String]) throws(SystemdNotifyError) {
        guard let socketPath else { return }
        let message = assignments.map { $0.replacingNewlines }.joined(separator: "\n")
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .socket(errno: errno) }
        defer { close(descriptor) }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw .pathTooLong(socketPath) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        // Abstract names are exactly as long as given; file paths end at their NUL.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1)
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(descriptor, text, strlen(text), Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
                }
            }
        }
        guard sent >= 0 else { throw .send(errno: errno, path: socketPath) }
    }
}

public enum SystemdNotifyError: Error, Sendable, Hashable, CustomStringConvertible {
    case socket(errno: Int32)
    case send(errno: Int32, path: String)
    case pathTooLong(String)

    public var description: String {
        switch self {
        case .socket(let error): "cannot create the notification socket: \(Errno(error).description)"
        case .send(let error, let path): "cannot notify systemd at \(path): \(Errno(error).description)"
        case .pathTooLong(let path): "NOTIFY_SOCKET path too long: \(path)"
        }
    }
}

extension String {
    /// A notification line may not contain a newline; one would start a new,
    /// unintended assignment.
    fileprivate var replacingNewlines: String {
        String(map { $0 == "\n" ? " " : $0 })
    }
}
