import TractionDevice

/// How long a termination (SIGTERM, `systemctl stop`) waits for the release
/// before the daemon exits, and when it asks systemd for more time
/// (docs/deployment.md, "Stopping: the release and systemd's stop timeout").
///
/// needed = force / release rate; wait = needed x `slowdown` + `margin`,
/// at most `ceiling`. The wait no longer depends on systemd's
/// TimeoutStopSec: while the release makes progress the daemon extends
/// systemd's stop timeout (`EXTEND_TIMEOUT_USEC`, see `ShutdownWatch`), with
/// or without systemd the same wait applies. Whatever force remains when the
/// daemon gives up is released by the table's own lease (H6).
public struct ShutdownRelease: Sendable, Hashable {
    /// The table releases no slower than this (it should match the host's
    /// normal rate; docs/wire-protocol.md, section 8): the release rate of
    /// the configuration, `limits.default_release_rate_n_per_s`.
    public var releaseRate: NewtonsPerSecond
    /// The table's largest force (the device cap from its handshake).
    public var deviceForceCap: Newtons

    /// Spare factor on the computed release time (a patient who stiffens,
    /// a table at the low end of its rate).
    public static let slowdown = 1.25
    /// Added to every wait: the first ticks of the release, the slack check.
    public static let margin = Seconds(3)
    /// The slowest release rate a configuration may set
    /// (`limits.default_release_rate_n_per_s` is 1 to 50 N/s).
    public static let slowestReleaseRate = NewtonsPerSecond(1)

    /// The EXTEND_TIMEOUT_USEC value: systemd kills the daemon if no further
    /// extension arrives within this time. 10 s is ten times the cadence, so
    /// a service thread delayed by a loaded 2-core host, or a lost datagram,
    /// never lets it lapse during a release that progresses; and a daemon
    /// that hangs in the middle of the release is killed at most 10 s after
    /// its last extension. Meanwhile the table is safe on its own: its
    /// 100 ms command lease has already taken the release over (H6).
    public static let timeoutExtension = Seconds(10)
    /// How often the extension is repeated while the release progresses:
    /// every second, the status interval's order; one datagram a second costs
    /// nothing, and nine may be lost before the 10 s extension lapses.
    public static let extensionInterval = Seconds(1)
    /// The release counts as progressing while the measured force reached a
    /// new lowest value (by at least `progressStep`) within this time, or is
    /// at or below the slack force. 5 s: at the slowest allowed rate, 1 N/s,
    /// the force comes down 5 N in that time; a cough or a stiffening patient
    /// raises the force for a second or two, which the lowest value ignores.
    public static let stallWindow = Seconds(5)
    /// The least drop that counts as progress (above the load cell's noise
    /// near one sample, below what the slowest release gives in a second).
    public static let progressStep = Newtons(1)

    public init(releaseRate: NewtonsPerSecond, deviceForceCap: Newtons) {
        self.releaseRate = releaseRate
        self.deviceForceCap = deviceForceCap
    }

    /// The longest any wait may be, whatever the measured force: the device
    /// cap released at the slowest rate a configuration may set, x 1.25 +
    /// 3 s (900 N: 1128 s). No valid configuration needs longer; a longer
    /// computed wait can only come from a nonsensical reading (a force far
    /// above the device cap, not a number), and then the ceiling applies.
    /// It is not the normal bound: a release that stops progressing is given
    /// up long before (`stallWindow`).
    public var ceiling: Seconds {
        Seconds(max(deviceForceCap.value, 0) / Self.slowestReleaseRate.value) * Self.slowdown + Self.margin
    }

    /// The time the release of `force` needs at the release rate (0 when slack).
    public func needed(for force: Newtons) -> Seconds {
        guard force.value > 0, releaseRate.value > 0 else { return .zero }
        return Seconds(force.value / releaseRate.value)
    }

    /// How long to wait for the release of `force`: the needed time x 1.25
    /// + 3 s, at most `ceiling` (also for a force that is not a number).
    public func wait(for force: Newtons) -> Seconds {
        guard force.value.isFinite else { return ceiling }
        let wanted = needed(for: force) * Self.slowdown + Self.margin
        return wanted.value.isFinite && wanted <= ceiling ? wanted : ceiling
    }
}

/// The decisions of one shutdown, from SIGTERM to the exit, made from the
/// instants and forces the daemon passes in (no clock is read here):
/// whether the release is done, whether to extend systemd's stop timeout
/// now, and when to give up.
///
/// The extension is sent only while both hold: the control thread ticks
/// (its last tick within `healthyTickAge`, the watchdog's criterion) and the
/// release progresses (the measured force came down within `stallWindow`,
/// or is at or below the slack force). A release that stops progressing
/// above slack is given up after `stallWindow`: the daemon exits 75 and the
/// table's lease releases the rest.
public struct ShutdownWatch: Sendable {
    public enum Outcome: Sendable, Hashable {
        /// Keep waiting.
        case waiting
        /// The session is over and the cable is slack: exit 0.
        case released
        /// The wait computed at the stop ran out.
        case waitOver(Seconds)
        /// The force has not come down for this long while above slack.
        case notProgressing(Seconds)
    }

    /// Why no extension is sent while waiting (the daemon logs each change).
    public enum Holding: Sendable, Hashable {
        case none
        /// The control thread has not ticked within `healthyTickAge`.
        case controlThreadSilent
    }

    public struct Step: Sendable, Hashable {
        public var outcome: Outcome
        /// Send `EXTEND_TIMEOUT_USEC` now.
        public var extend: Bool
        public var holding: Holding
    }

    /// The control thread counts as healthy while its last tick is this recent.
    public static let healthyTickAge = Seconds(0.5)

    public let plan: ShutdownRelease
    public let slackForce: Newtons
    public let startedAt: MonotonicInstant
    /// The wait computed from the force at the stop.
    public let wait: Seconds
    public let forceAtStop: Newtons
    public private(set) var lowestForce: Newtons
    private var lowestAt: MonotonicInstant
    private var lastExtension: MonotonicInstant?

    /// - Parameter force: the measured force when the stop began.
    public init(plan: ShutdownRelease, slackForce: Newtons, force: Newtons, at now: MonotonicInstant) {
        self.plan = plan
        self.slackForce = slackForce
        startedAt = now
        forceAtStop = force
        wait = plan.wait(for: force)
        lowestForce = force.value.isFinite ? force : Newtons(.infinity)
        lowestAt = now
    }

    /// One service tick of the shutdown.
    /// - Parameters:
    ///   - force: the measured force now.
    ///   - released: no session runs and the cable is slack (`DaemonService.isReleased`).
    ///   - lastControlTick: the control thread's last tick, nil if it has none.
    public mutating func observe(now: MonotonicInstant, force: Newtons, released: Bool,
                                 lastControlTick: MonotonicInstant?) -> Step {
        if force.value.isFinite && force <= lowestForce - ShutdownRelease.progressStep {
            lowestForce = force
            lowestAt = now
        }
        let slack = force.value.isFinite && force <= slackForce
        // At or below slack the release is as good as done: the engine's
        // slack debounce is what is left; the clock of a stall restarts.
        if slack { lowestAt = now; lowestForce = min(lowestForce, force) }
        let stalledFor = now - lowestAt
        let silentFor = lastControlTick.map { now - $0 } ?? now - startedAt

        let holding: Holding = silentFor > Self.healthyTickAge ? .controlThreadSilent : .none
        if released { return Step(outcome: .released, extend: false, holding: holding) }
        if stalledFor >= ShutdownRelease.stallWindow {
            return Step(outcome: .notProgressing(stalledFor), extend: false, holding: holding)
        }
        let elapsed = now - startedAt
        if elapsed >= wait { return Step(outcome: .waitOver(wait), extend: false, holding: holding) }

        var extend = false
        if holding == .none, lastExtension.map({ now - $0 >= ShutdownRelease.extensionInterval }) ?? true {
            extend = true
            lastExtension = now
        }
        return Step(outcome: .waiting, extend: extend, holding: holding)
    }
}
