import CLibSerialPort
#if canImport(Glibc)
import Glibc
#endif
import TractionDevice
import TractionPlatform

/// One port opened through libserialport. Owned by exactly one `SerialPort`
/// and used only through it (the `sp_port` pointer is not Sendable).
final class LibSerialPortDevice {
    /// Why libserialport would not take the port, when it did not.
    enum Refusal: Error {
        /// libserialport does not know the name (no /sys/class/tty entry, or a symlink).
        case unknownName
        /// `sp_open` failed because the device has no modem-control lines (a pty).
        case noModemControl
        case failed(SerialPortError)
    }

    let path: String
    private var port: OpaquePointer?

    /// Opens `path` (already resolved by realpath) read-write at 8N1, no flow control.
    init(path: String, baudRate: Int) throws(Refusal) {
        self.path = path
        var found: OpaquePointer?
        guard sp_get_port_by_name(path, &found) == SP_OK, let found else { throw .unknownName }
        port = found
        guard sp_open(found, SP_MODE_READ_WRITE) == SP_OK else {
            let code = sp_last_error_code()
            sp_free_port(found)
            port = nil
            if code == ENOTTY { throw .noModemControl }
            throw .failed(SerialPortError.opening(path, errno: code))
        }
        do {
            try configure(found, baudRate: baudRate)
            var descriptor: Int32 = -1
            try check(sp_get_port_handle(found, &descriptor), "sp_get_port_handle")
            try DeviceFile.lockExclusively(descriptor, path: path)
            // Bytes queued before we owned the line belong to nobody.
            _ = sp_flush(found, SP_BUF_BOTH)
        } catch {
            close()
            throw .failed(error)
        }
    }

    deinit { close() }

    private func configure(_ port: OpaquePointer, baudRate: Int) throws(SerialPortError) {
        guard let rate = Int32(exactly: baudRate), sp_set_baudrate(port, rate) == SP_OK else {
            throw .unsupportedBaudRate(path: path, baudRate: baudRate)
        }
        try check(sp_set_bits(port, 8), "8 data bits")
        try check(sp_set_parity(port, SP_PARITY_NONE), "no parity")
        try check(sp_set_stopbits(port, 1), "1 stop bit")
        try check(sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE), "no flow control")
    }

    private func check(_ result: sp_return, _ what: String) throws(SerialPortError) {
        guard result == SP_OK else { throw .configurationFailed(path: path, reason: "\(what): \(lastErrorText())") }
    }

    private func lastErrorText() -> String {
        guard let message = sp_last_error_message() else { return "unknown libserialport error" }
        defer { sp_free_error_message(message) }
        return String(cString: message)
    }

    /// `sp_blocking_read_next`: returns as soon as any bytes are there, or 0
    /// after `timeout`.
    func read(into buffer: UnsafeMutableRawBufferPointer, timeout: Seconds) throws(SerialPortError) -> Int {
        guard let port else { throw .closed(path: path) }
        guard buffer.count > 0 else { return 0 }
        // libserialport treats 0 as "wait forever"; the shortest real wait is 1 ms.
        let milliseconds = UInt32(max(1, DescriptorIO.pollMilliseconds(timeout)))
        let result = sp_blocking_read_next(port, buffer.baseAddress, buffer.count, milliseconds)
        if result.rawValue >= 0 { return Int(result.rawValue) }
        throw SerialPortError.transfer(path, errno: sp_last_error_code(), operation: "read")
    }

    /// `sp_blocking_write`: all bytes, or an error after `timeout`.
    func write(_ bytes: UnsafeRawBufferPointer, timeout: Seconds) throws(SerialPortError) {
        guard let port else { throw .closed(path: path) }
        guard bytes.count > 0 else { return }
        let milliseconds = UInt32(max(1, DescriptorIO.pollMilliseconds(timeout)))
        let result = sp_blocking_write(port, bytes.baseAddress, bytes.count, milliseconds)
        if result.rawValue < 0 { throw SerialPortError.transfer(path, errno: sp_last_error_code(), operation: "write") }
        if Int(result.rawValue) < bytes.count { throw .writeTimedOut(path: path, after: timeout) }
    }

    func close() {
        guard let port else { return }
        sp_close(port)
        sp_free_port(port)
        self.port = nil
    }
}
