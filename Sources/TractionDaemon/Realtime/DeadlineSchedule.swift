import TractionDevice

/// The absolute-deadline schedule of the control loop, kept apart from the
/// thread that sleeps on it so that its arithmetic is tested on virtual time.
///
/// Deadlines are `start + k * period`. A tick whose work ends at or after the
/// next deadline is an *overrun*. The schedule then skips the deadlines that
/// have already passed instead of running ticks back to back to catch up: a
/// burst of stale ticks would act on old telemetry and help nobody. The
/// skipped periods are counted, and both counts feed the safety kernel's
/// overrun budget (hazard H11).
public struct DeadlineSchedule: Sendable, Hashable {
    public let periodNanoseconds: Int64
    /// The deadline the loop sleeps until next.
    public private(set) var nextDeadline: MonotonicInstant
    /// Ticks run so far.
    public private(set) var ticks: UInt64 = 0
    /// Ticks whose work ended at or after the following deadline.
    public private(set) var overruns: UInt64 = 0
    /// Deadlines skipped entirely because an overrun or a stall passed them.
    public private(set) var skippedDeadlines: UInt64 = 0

    public init(start: MonotonicInstant, periodNanoseconds: Int64) {
        precondition(periodNanoseconds > 0, "a control period must be positive")
        self.periodNanoseconds = periodNanoseconds
        self.nextDeadline = MonotonicInstant(nanoseconds: start.nanoseconds &+ periodNanoseconds)
    }

    public init(start: MonotonicInstant, rateHertz: Double) {
        self.init(start: start, periodNanoseconds: Int64((1e9 / rateHertz).rounded()))
    }

    public var period: Seconds { Seconds(Double(periodNanoseconds) / 1e9) }

    /// How late a wake-up at `instant` is for the current deadline, in
    /// nanoseconds (never negative: an early return counts as on time).
    public func lateness(wokeAt instant: MonotonicInstant) -> Int64 {
        Swift.max(0, instant.nanoseconds &- nextDeadline.nanoseconds)
    }

    /// Records that the tick for `nextDeadline` finished at `instant` and moves
    /// to the next deadline still in the future. Returns whether it overran.
    @discardableResult
    public mutating func tickFinished(at instant: MonotonicInstant) -> Bool {
        ticks &+= 1
        let following = nextDeadline.nanoseconds &+ periodNanoseconds
        guard instant.nanoseconds >= following else {
            nextDeadline = MonotonicInstant(nanoseconds: following)
            return false
        }
        overruns &+= 1
        // The first deadline strictly after `instant`; everything between is skipped.
        let periodsPassed = (instant.nanoseconds &- nextDeadline.nanoseconds) / periodNanoseconds
        let skipped = periodsPassed // deadlines in (current, instant]
        skippedDeadlines &+= UInt64(skipped)
        nextDeadline = MonotonicInstant(
            nanoseconds: nextDeadline.nanoseconds &+ (periodsPassed &+ 1) &* periodNanoseconds)
        return true
    }
}
