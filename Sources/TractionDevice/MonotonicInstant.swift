/// An instant on the host's monotonic clock (CLOCK_MONOTONIC), in nanoseconds
/// since an arbitrary origin. The pure core never reads a clock: the daemon's
/// control thread, the virtual clock of a replay, or a test passes instants in.
///
/// The wall clock is never used for control or timeouts (hazard H18); it
/// appears only in records.
public struct MonotonicInstant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The origin of a virtual clock (replays, tests).
    public static let origin = MonotonicInstant(nanoseconds: 0)

    public static func seconds(_ seconds: Double) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: Int64(saturatingRounded: seconds * 1e9))
    }

    /// Seconds since the origin, for reports and charts.
    public var secondsSinceOrigin: Double { Double(nanoseconds) / 1e9 }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The time from `earlier` to `self`; negative when `earlier` is later.
    public static func - (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Seconds {
        Seconds(Double(lhs.nanoseconds &- rhs.nanoseconds) / 1e9)
    }

    /// Saturates at the ends of the clock (±292 years from its origin): a
    /// deadline "never" must stay in the future, not wrap into the past,
    /// and no duration, however absurd, may trap.
    public static func + (lhs: MonotonicInstant, rhs: Seconds) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: saturatingSum(lhs.nanoseconds, Int64(saturatingRounded: rhs.value * 1e9)))
    }

    public static func - (lhs: MonotonicInstant, rhs: Seconds) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: saturatingSum(lhs.nanoseconds, Int64(saturatingRounded: -rhs.value * 1e9)))
    }

    private static func saturatingSum(_ first: Int64, _ second: Int64) -> Int64 {
        let (sum, overflow) = first.addingReportingOverflow(second)
        guard overflow else { return sum }
        return second > 0 ? .max : .min
    }

    public var description: String { "t=\(secondsSinceOrigin)s" }
}
