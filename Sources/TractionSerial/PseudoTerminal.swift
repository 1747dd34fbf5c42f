#if canImport(Glibc)
import Glibc
#endif
import TractionDevice

/// A pseudo-terminal pair made with `openpty(3)`, both ends in raw mode: the
/// program holding it (tractionemu, a test) talks through the controller
/// side, and a peer opens `devicePath` as its serial port.
///
/// The device side stays open here as well, so that the controller side does
/// not see a hang-up (EIO) while no peer has the port open.
///
/// Not Sendable: confined to its owner, like `SerialPort`.
public final class PseudoTerminal: ByteStream {
    /// The path a peer opens, e.g. /dev/pts/7.
    public let devicePath: String
    private var controller: Int32
    private var device: Int32
    /// How long a write may make no progress (see `SerialPortConfiguration.writeTimeout`).
    public var writeTimeout: Seconds = SerialPortConfiguration.defaultWriteTimeout

    public init() throws(SerialPortError) {
        var controller: Int32 = -1
        var device: Int32 = -1
        guard openpty(&controller, &device, nil, nil, nil) == 0 else {
            throw .ioError(path: "/dev/ptmx", operation: "openpty", errno: errno, message: DeviceFile.errorText(errno))
        }
        var name = [CChar](repeating: 0, count: 128)
        guard ttyname_r(device, &name, name.count) == 0 else {
            let code = errno
            Glibc.close(controller)
            Glibc.close(device)
            throw .ioError(path: "/dev/ptmx", operation: "ttyname_r", errno: code, message: DeviceFile.errorText(code))
        }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(SerialPortError) {
            for descriptor in [controller, device] {
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                try Termios.configureRaw8N1(descriptor, baudRate: SerialPortConfiguration.defaultBaudRate, path: path)
            }
        } catch {
            Glibc.close(controller)
            Glibc.close(device)
            throw error
        }
        self.controller = controller
        self.device = device
        devicePath = path
    }

    deinit { close() }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeout: Seconds) throws(SerialPortError) -> Int {
        guard controller >= 0 else { throw .closed(path: devicePath) }
        return try FileDescriptorIO.read(controller, into: buffer, timeout: timeout, path: devicePath)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SerialPortError) {
        guard controller >= 0 else { throw .closed(path: devicePath) }
        try FileDescriptorIO.writeAll(controller, bytes, timeout: writeTimeout, path: devicePath)
    }

    /// Closes both sides; a peer that has the device open then sees a hang-up.
    public func close() {
        if controller >= 0 { Glibc.close(controller) }
        if device >= 0 { Glibc.close(device) }
        controller = -1
        device = -1
    }
}
