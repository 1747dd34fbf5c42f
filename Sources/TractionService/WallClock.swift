import Foundation
import TractionDevice

/// Maps the daemon's monotonic instants onto wall-clock time for the RFC
/// 3339 strings of the protocol, and onto `t_s` (seconds since the daemon
/// started). The offset is taken once; the monotonic clock never jumps, so
/// neither does `t_s`.
struct WallClock {
    let startedAt: MonotonicInstant
    let wallAtStart: Date

    init(startedAt: MonotonicInstant, wallAtStart: Date = Date()) {
        self.startedAt = startedAt
        self.wallAtStart = wallAtStart
    }

    func seconds(_ instant: MonotonicInstant) -> Double { (instant - startedAt).value }

    func date(_ instant: MonotonicInstant) -> Date { wallAtStart.addingTimeInterval(seconds(instant)) }

    func text(_ instant: MonotonicInstant) -> String { Self.rfc3339(date(instant)) }

    /// `2026-11-25T22:10:03.125Z`: UTC, milliseconds. Hand-written with gmtime_r
    /// because Foundation's ISO8601DateFormatter is a non-Sendable class.
    static func rfc3339(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds.quotientAndRemainder(dividingBy: 1000)
        var time = time_t(seconds.quotient)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = seconds.remainder
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}
