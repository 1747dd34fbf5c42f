#if canImport(Glibc)
import Glibc
#endif
import TractionDevice
import TractionPlatform

/// Waits for something that happens on another thread or process (a
/// daemon's log line, a link's event, a socket's answer): polls `condition`
/// every `poll` seconds until it holds or `timeout` seconds have passed on
/// the monotonic clock. Returns whether it held; the caller asserts that.
///
/// The one deadline poll of the test targets. A timeout here is a bound on
/// how long a test may wait for something that must happen, not a claim
/// about how fast it happens: a loaded machine only makes the wait longer.
/// The condition is checked once more after the deadline, so a slow last
/// poll cannot turn "it happened" into a failure.
@discardableResult
public func waitUntil(timeout: Double, poll: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicClock.now() + Seconds(timeout)
    while MonotonicClock.now() < deadline {
        if try condition() { return true }
        sleep(seconds: poll)
    }
    return try condition()
}

/// The same poll for a value: returns the first non-nil result of `value`,
/// or nil once `timeout` seconds have passed.
public func waitFor<T>(timeout: Double, poll: Double = 0.01, _ value: () throws -> T?) rethrows -> T? {
    var found: T?
    try waitUntil(timeout: timeout, poll: poll) {
        found = try value()
        return found != nil
    }
    return found
}

/// The opposite claim, "nothing happens for `duration`": observes
/// `condition` every `poll` seconds for the whole window and returns false
/// at the first poll where it no longer holds. The window is an explicit
/// bound on the observation, not a sleep before an assertion: a test that
/// uses it says that it watched for that long and saw no change.
public func holdsFor(duration: Double, poll: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = MonotonicClock.now() + Seconds(duration)
    repeat {
        guard try condition() else { return false }
        sleep(seconds: poll)
    } while MonotonicClock.now() < end
    return try condition()
}

/// Sleeps on the monotonic clock (a signal cannot shorten it).
public func sleep(seconds: Double) {
    MonotonicClock.sleep(until: MonotonicClock.now() + Seconds(max(0, seconds)))
}
