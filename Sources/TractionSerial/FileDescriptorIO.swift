#if canImport(Glibc)
import Glibc
#endif
import TractionDevice

/// Timed reads and writes on a non-blocking file descriptor with `poll(2)`.
/// EINTR is retried; every other failure becomes a typed error.
enum FileDescriptorIO {
    /// Milliseconds for poll, rounded up so that a short positive timeout
    /// never becomes a busy "don't wait".
    static func pollMilliseconds(_ timeout: Seconds) -> Int32 {
        guard timeout.value > 0 else { return 0 }
        return Int32(min((timeout.value * 1000).rounded(.up), Double(Int32.max)))
    }

    /// Waits up to `timeout` for bytes, then reads what is there (at most
    /// `buffer.count`). Returns 0 when nothing arrived in time.
    static func read(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, timeout: Seconds, path: String
    ) throws(SerialPortError) -> Int {
        guard buffer.count > 0 else { return 0 }
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&request, 1, pollMilliseconds(timeout))
            if ready < 0 {
                if errno == EINTR { continue }
                throw SerialPortError.transfer(path, errno: errno, operation: "poll")
            }
            if ready == 0 { return 0 }
            break
        }
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
            var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&request, 1, pollMilliseconds(timeout))
            if ready == 0 { throw .writeTimedOut(path: path, after: timeout) }
            if ready < 0, errno != EINTR { throw SerialPortError.transfer(path, errno: errno, operation: "poll") }
        }
    }
}
