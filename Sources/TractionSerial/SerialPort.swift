#if canImport(Glibc)
import Glibc
#endif
import TractionDevice

/// A byte stream with timed reads; what a link reads frames from. Both a
/// `SerialPort` and the emulator's `PseudoTerminal` are one.
public protocol ByteStream: AnyObject {
    /// Waits up to `timeout` for bytes and copies what arrived (at most
    /// `buffer.count`). Returns 0 when nothing arrived in time; throws when
    /// the stream failed (e.g. `.disconnected`).
    func read(into buffer: UnsafeMutableRawBufferPointer, timeout: Seconds) throws(SerialPortError) -> Int
    /// Writes all of `bytes`, or throws.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialPortError)
}

/// Which code path drives a port.
public enum SerialBackend: String, Sendable, Hashable {
    /// libserialport: real UARTs and USB serial adapters.
    case libserialport
    /// termios raw mode on the file descriptor: pseudo-terminals (tractionemu,
    /// socat, ser2net), which libserialport cannot open.
    case termios
}

/// How to open a port.
public struct SerialPortConfiguration: Sendable, Hashable {
    public enum BackendChoice: Sendable, Hashable {
        /// Pseudo-terminals, and terminals libserialport refuses for being a
        /// pty, go through termios; everything else through libserialport.
        case automatic
        /// Exactly this backend, no fallback (tests of a specific path).
        case only(SerialBackend)
    }

    /// Device path; symlinks such as /dev/serial/by-id/... are resolved.
    public var path: String
    /// Line rate in bit/s (8N1). Default 460800, docs/wire-protocol.md section 2.
    public var baudRate: Int
    public var backend: BackendChoice
    /// How long a write may make no progress before the line counts as
    /// stalled. One frame takes about 1 ms at 460800 bit/s; 50 ms is far
    /// beyond any healthy line and equals the host's link-loss bound (H5).
    public var writeTimeout: Seconds

    public static let defaultBaudRate = 460_800
    public static let defaultWriteTimeout: Seconds = 0.050

    public init(path: String, baudRate: Int = SerialPortConfiguration.defaultBaudRate,
                backend: BackendChoice = .automatic, writeTimeout: Seconds = SerialPortConfiguration.defaultWriteTimeout) {
        self.path = path
        self.baudRate = baudRate
        self.backend = backend
        self.writeTimeout = writeTimeout
    }
}

/// An open serial port, 8N1 raw at the configured rate, locked against other
/// processes with `flock`.
///
/// Concurrency: a `SerialPort` is not Sendable. It belongs to one owner (the
/// link's I/O thread), which may hand it over with `sending`; reads and writes
/// from two threads at once are not supported.
public final class SerialPort: ByteStream {
    public let configuration: SerialPortConfiguration
    /// The device actually opened, after symlinks were resolved.
    public let resolvedPath: String
    public let backend: SerialBackend

    private enum Device {
        case libserialport(LibSerialPortDevice)
        case termios(descriptor: Int32)
        case closed
    }

    private var device: Device

    /// Opens and configures the port described by `configuration`.
    public init(_ configuration: SerialPortConfiguration) throws(SerialPortError) {
        self.configuration = configuration
        let resolved = try DeviceFile.resolve(configuration.path)
        resolvedPath = resolved
        switch configuration.backend {
        case .only(.termios):
            device = .termios(descriptor: try Self.openTermios(resolved, baudRate: configuration.baudRate))
            backend = .termios
        case .only(.libserialport):
            do {
                device = .libserialport(try LibSerialPortDevice(path: resolved, baudRate: configuration.baudRate))
            } catch {
                throw Self.libserialportRefusal(error, path: resolved)
            }
            backend = .libserialport
        case .automatic:
            if DeviceFile.isPseudoTerminal(resolved) {
                device = .termios(descriptor: try Self.openTermios(resolved, baudRate: configuration.baudRate))
                backend = .termios
                return
            }
            do {
                device = .libserialport(try LibSerialPortDevice(path: resolved, baudRate: configuration.baudRate))
                backend = .libserialport
            } catch {
                switch error {
                case .unknownName, .noModemControl:
                    // Not a port libserialport knows or can drive (e.g. a pty
                    // under another name): termios decides whether it is a
                    // terminal at all.
                    device = .termios(descriptor: try Self.openTermios(resolved, baudRate: configuration.baudRate))
                    backend = .termios
                case .failed(let failure):
                    throw failure
                }
            }
        }
    }

    deinit { close() }

    private static func libserialportRefusal(_ refusal: LibSerialPortDevice.Refusal, path: String) -> SerialPortError {
        switch refusal {
        case .unknownName:
            // Distinguish "nothing there" from "there, but not a serial port".
            access(path, F_OK) != 0 ? .noSuchDevice(path: path) : .configurationFailed(
                path: path, reason: "libserialport does not know this device (it needs an entry in /sys/class/tty); "
                    + "pseudo-terminals need the termios backend")
        case .noModemControl:
            .configurationFailed(path: path, reason: "libserialport needs modem-control lines, which this device lacks (a pseudo-terminal?)")
        case .failed(let error):
            error
        }
    }

    private static func openTermios(_ path: String, baudRate: Int) throws(SerialPortError) -> Int32 {
        let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw SerialPortError.opening(path, errno: errno) }
        do throws(SerialPortError) {
            guard isatty(descriptor) == 1 else { throw SerialPortError.notATerminal(path: path) }
            try DeviceFile.lockExclusively(descriptor, path: path)
            try Termios.configureRaw8N1(descriptor, baudRate: baudRate, path: path)
            return descriptor
        } catch {
            Glibc.close(descriptor)
            throw error
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeout: Seconds) throws(SerialPortError) -> Int {
        switch device {
        case .libserialport(let port): try port.read(into: buffer, timeout: timeout)
        case .termios(let descriptor): try FileDescriptorIO.read(descriptor, into: buffer, timeout: timeout, path: resolvedPath)
        case .closed: throw .closed(path: resolvedPath)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SerialPortError) {
        switch device {
        case .libserialport(let port): try port.write(bytes, timeout: configuration.writeTimeout)
        case .termios(let descriptor):
            try FileDescriptorIO.writeAll(descriptor, bytes, timeout: configuration.writeTimeout, path: resolvedPath)
        case .closed: throw .closed(path: resolvedPath)
        }
    }

    /// Closes the port and releases its lock. Further reads and writes throw
    /// `.closed`. Closing twice is harmless.
    public func close() {
        switch device {
        case .libserialport(let port): port.close()
        case .termios(let descriptor): Glibc.close(descriptor)
        case .closed: break
        }
        device = .closed
    }
}
