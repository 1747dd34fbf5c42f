#if canImport(Glibc)
import Glibc
#endif
import TractionDevice

/// The host's monotonic clock (CLOCK_MONOTONIC). The only place in the daemon
/// that reads it for control and timeouts; wall-clock jumps cannot reach the
/// loop (hazard H18).
public enum MonotonicClock {
    /// clock_gettime(CLOCK_MONOTONIC).
    @inline(__always)
    public static func now() -> MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec))
    }

    /// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until `deadline`,
    /// retried on EINTR so a signal cannot shorten the sleep.
    @inline(__always)
    public static func sleep(until deadline: MonotonicInstant) {
        var target = timespec(
            tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
            tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }
}
