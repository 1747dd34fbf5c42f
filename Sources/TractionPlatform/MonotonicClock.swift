#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TractionDevice

/// The host's monotonic clock (CLOCK_MONOTONIC). The only place in the
/// project that reads it: the control loop, the link, the control socket's
/// timeouts, the client's waits, the emulator and the benchmarks all take
/// their time from here, as a `MonotonicInstant`, so wall-clock jumps reach
/// none of them (hazard H18) and there is one time type to convert, not three.
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
