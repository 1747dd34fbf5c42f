#if canImport(Glibc)
import Glibc
#endif
import TractionDevice

/// Timed reads and writes on a non-blocking file descriptor with `poll(2)`,
/// `read(2)` and `write(2)`. EINTR is retried (for the time left); every
/// other failure becomes a typed error.
enum FileDescriptorIO {
    /// Milliseconds for poll, rounded up so that a short positive timeout
    /// never becomes a busy "don't wait".
    static func pollMilliseconds(_ timeout: Seconds) -> Int32 {
        guard timeout.value > 0 else { return 0 }
        return Int32(min((timeout.value * 1000).rounded(.up), Double(Int32.max)))
    }

    /// CLOCK_MONOTONIC now, in seconds; only to shorten a wait that a signal
    /// interrupted (`poll` does not report the time left).
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// `poll(2)` for one event; EINTR resumes the wait for the time left.
    /// Returns false when the time ran out.
    static func wait(
        _ descriptor: Int32, for event: Int32, timeout: Seconds, path: String
    ) throws(SerialPortError) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(event), revents: 0)
        let deadline = monotonicSeconds() + timeout.value
        var remaining = timeout
        while true {
            let ready = poll(&request, 1, pollMilliseconds(remaining))
            if ready > 0 { return true }
            if ready == 0 { return false }
            guard errno == EINTR else { throw SerialPortError.transfer(path, errno: errno, operation: "poll") }
            remaining = Seconds(max(0, deadline - monotonicSeconds()))
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
