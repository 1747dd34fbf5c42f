#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TractionDevice

/// Waits and writes on raw file descriptors, with EINTR handled once here:
/// a signal never shortens a wait (the time left is taken from
/// `MonotonicClock`) and never loses part of a write.
public enum DescriptorIO {
    /// Milliseconds for `poll(2)`, rounded up so that a short positive
    /// timeout never becomes a busy "don't wait".
    public static func pollMilliseconds(_ timeout: Seconds) -> Int32 {
        guard timeout.value > 0 else { return 0 }
        return Int32(min((timeout.value * 1000).rounded(.up), Double(Int32.max)))
    }

    /// Waits with `poll(2)` on one descriptor for `events` (POLLIN, POLLOUT). EINTR
    /// resumes the wait for the time left. Returns false when the time ran out.
    public static func wait(_ descriptor: Int32, for events: Int32, timeout: Seconds) throws(Errno) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(events), revents: 0)
        let deadline = MonotonicClock.now() + timeout
        var remaining = timeout
        while true {
            let ready = poll(&request, 1, pollMilliseconds(remaining))
            if ready > 0 { return true }
            if ready == 0 { return false }
            let failure = Errno.current
            guard failure == .interrupted else { throw failure }
            remaining = Seconds(max(0, (deadline - MonotonicClock.now()).value))
        }
    }

    /// Writes every byte to a blocking descriptor, retrying EINTR and short
    /// writes. A descriptor that accepts nothing (`write` returning 0) or
    /// fails otherwise ends the write with its errno.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written > 0 {
                offset += written
                continue
            }
            let failure = written < 0 ? Errno.current : Errno(EIO)
            if failure == .interrupted { continue }
            throw failure
        }
    }
}
