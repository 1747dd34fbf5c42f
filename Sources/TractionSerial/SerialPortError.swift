#if canImport(Glibc)
import Glibc
#endif
import TractionDevice

/// Why a serial port could not be opened, configured, read or written. Each
/// case names the device and says what a technician can check.
public enum SerialPortError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing at the path, or the device vanished (unplugged adapter).
    case noSuchDevice(path: String)
    /// The user running the program may not open the device. `group` is the
    /// device's group (usually `dialout`), to which the user should belong.
    case permissionDenied(path: String, group: String?)
    /// Another process holds the port (tractiond, tractionemu, a terminal program).
    case busy(path: String)
    /// The path exists but is not a terminal device.
    case notATerminal(path: String)
    /// The driver refuses the line rate.
    case unsupportedBaudRate(path: String, baudRate: Int)
    /// Setting 8N1, raw mode or the rate failed.
    case configurationFailed(path: String, reason: String)
    /// The other end hung up: the adapter was unplugged or the pty's owner
    /// (tractionemu, socat) exited.
    case disconnected(path: String)
    /// A write did not complete in time: the line is stalled.
    case writeTimedOut(path: String, after: Seconds)
    /// The port was closed by its owner.
    case closed(path: String)
    /// Any other operating-system error, with its errno and text.
    case ioError(path: String, operation: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .noSuchDevice(let path):
            "no serial device at \(path): check the cable and that the adapter is plugged in (see `tractiond --list-ports`)"
        case .permissionDenied(let path, let group):
            if let group {
                "permission denied opening \(path): add the user running tractiond to group '\(group)' "
                    + "(usermod -aG \(group) USER) and start it again"
            } else {
                "permission denied opening \(path): the user running tractiond may not open this device"
            }
        case .busy(let path):
            "\(path) is in use by another process (another tractiond, tractionemu or a terminal program); close it first"
        case .notATerminal(let path):
            "\(path) is not a serial device (not a terminal); check the configured port path"
        case .unsupportedBaudRate(let path, let rate):
            "\(path) does not support \(rate) bit/s; configure a rate the adapter and the table both support"
        case .configurationFailed(let path, let reason):
            "cannot configure \(path) for 8N1 raw mode: \(reason)"
        case .disconnected(let path):
            "\(path) hung up: the adapter was unplugged or the program behind the pseudo-terminal exited"
        case .writeTimedOut(let path, let after):
            "writing to \(path) did not complete within \(after.milliseconds) ms: the line is stalled"
        case .closed(let path):
            "\(path) was already closed"
        case .ioError(let path, let operation, let code, let message):
            "\(operation) on \(path) failed: \(message) (errno \(code))"
        }
    }

    /// Maps an errno from opening `path` to the case a technician can act on.
    static func opening(_ path: String, errno code: Int32, operation: String = "open") -> SerialPortError {
        switch code {
        case ENOENT, ENODEV, ENXIO: .noSuchDevice(path: path)
        case EACCES, EPERM: .permissionDenied(path: path, group: DeviceFile.groupName(of: path))
        case EBUSY, EWOULDBLOCK: .busy(path: path)
        case ENOTTY: .notATerminal(path: path)
        default: .ioError(path: path, operation: operation, errno: code, message: DeviceFile.errorText(code))
        }
    }

    /// Maps an errno from reading or writing an open port.
    static func transfer(_ path: String, errno code: Int32, operation: String) -> SerialPortError {
        switch code {
        case EIO, ENODEV, ENXIO: .disconnected(path: path)
        default: .ioError(path: path, operation: operation, errno: code, message: DeviceFile.errorText(code))
        }
    }
}
