import TractionDevice

/// How long a termination (SIGTERM, `systemctl stop`) waits for the release
/// before the daemon exits: long enough for the force on the cable to come
/// down at the normal release rate, and short enough to end before systemd's
/// own stop timeout kills the daemon (docs/deployment.md, "TimeoutStopSec").
///
/// needed = force / release rate; wait = needed x `slowdown` + `margin`,
/// at most the stop timeout less `exitReserve`. When the release does not
/// fit, the daemon says so at once; whatever force remains when it exits is
/// released by the table's own lease (H6).
public struct ShutdownRelease: Sendable, Hashable {
    /// The table releases no slower than this (it should match the host's
    /// normal rate; docs/wire-protocol.md, section 8): the release rate of
    /// the configuration, `limits.default_release_rate_n_per_s`.
    public var releaseRate: NewtonsPerSecond
    /// systemd's TimeoutStopSec for the unit (`tractiond --stop-timeout`).
    public var stopTimeout: Seconds
    /// Spare factor on the computed release time (a patient who stiffens,
    /// a table at the low end of its rate).
    public static let slowdown = 1.25
    /// Added to every wait: the first ticks of the release, the slack check.
    public static let margin = Seconds(3)
    /// Left of the stop timeout for the daemon to exit before SIGKILL.
    public static let exitReserve = Seconds(5)

    public init(releaseRate: NewtonsPerSecond, stopTimeout: Seconds) {
        self.releaseRate = releaseRate
        self.stopTimeout = stopTimeout
    }

    /// The longest the daemon may wait: the stop timeout less the reserve.
    public var bound: Seconds { max(stopTimeout - Self.exitReserve, .zero) }

    /// The time the release of `force` needs at the release rate (0 when slack).
    public func needed(for force: Newtons) -> Seconds {
        guard force.value > 0, releaseRate.value > 0 else { return .zero }
        return Seconds(force.value / releaseRate.value)
    }

    /// How long to wait for the release of `force`, and whether that wait
    /// covers it (false: the bound cut it short).
    public func wait(for force: Newtons) -> (wait: Seconds, fits: Bool) {
        let wanted = needed(for: force) * Self.slowdown + Self.margin
        return wanted <= bound ? (wanted, true) : (bound, false)
    }
}
