#if canImport(Glibc)
import Glibc
#endif
import TractionDevice
import TractionPlatform

/// Timed reads and writes on a non-blocking file descriptor with `poll(2)`,
/// `read(2)` and `write(2)`. EINTR is retried (for the time left); every
/// other failure becomes a typed error.
enum FileDescriptorIO {
    /// `poll(2)` for one event (`DescriptorIO.wait`: EINTR resumes the wait
    /// for the time left). Returns false when the time ran out.
    static func wait(
        _ descriptor: Int32, for event: Int32, timeout: Seconds, path: String
    ) throws(SerialPortError) -> Bool {
        do {
            return try DescriptorIO.wait(descriptor, for: event, timeout: timeout)
        } catch {
            throw SerialPortError.transfer(path, errno: error.code, operation: "poll")
        }
    }

    /// Waits up to `timeout` for bytes, then reads what is there (at most
    /// `buffer.count`). Returns 0 when nothing arrived in time.
    static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, timeout: Seconds, path: String
    ) throws(SerialPortError) -> Int {
        guard buffer.count > 0 else { return 0 }
        guard try wait(descriptor, for: POLLIN, timeout: timeout, path: path) else { return 0 }
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return count }
            if count == 0 { throw .disconnected(path: path) }
            switch errno {
            case EINTR: continue
            case EAGAIN: return 0
            default: throw SerialPortError.transfer(path, errno: errno, operation: "read")
            }
        }
    }

    /// Writes all of `bytes` or throws; gives up after `timeout` of no progress.
    static func writeAll(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, timeout: Seconds, path: String
    ) throws(SerialPortError) {
        var written = 0
        while written < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if count > 0 {
                written += count
                continue
            }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno != EAGAIN { throw SerialPortError.transfer(path, errno: errno, operation: "write") }
            guard try wait(descriptor, for: POLLOUT, timeout: timeout, path: path) else {
                throw .writeTimedOut(path: path, after: timeout)
            }
        }
    }
}
