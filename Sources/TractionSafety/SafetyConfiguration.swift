import TractionDevice

/// Every threshold of the safety kernel, with a safe default and the reason
/// for it. The daemon loads these from its configuration between sessions
/// (hazard H16); a technician may tighten them, and the defaults are what a
/// fresh installation runs with.
public struct SafetyConfiguration: Sendable, Hashable {
    // MARK: Timing

    /// The control period the engine calls the kernel at (250–1000 Hz). Used
    /// to turn rates into per-tick steps.
    public var tickPeriod: Seconds = 0.002
    /// The period at which the table sends telemetry.
    public var telemetryPeriod: Seconds = 0.002
    /// H5: telemetry older than this many periods raises TELEMETRY_STALE and
    /// holds tension (SAFETY.md: warn after 2 periods).
    public var staleTelemetryPeriods: Double = 2
    /// H5: telemetry older than this is a lost link: latched fault
    /// (SAFETY.md: host <= 50 ms).
    public var telemetryLossTimeout: Seconds = 0.050
    /// The longest lease the kernel lets a command carry (SAFETY.md H5/H6:
    /// the table releases by itself within 100 ms of the last valid command).
    public var maximumCommandLease: Seconds = DriveCommand.defaultLease

    // MARK: Force (H1, H2, H3)

    /// H1: samples in a row above limit + tolerance before the alarm, so a
    /// single noisy sample does not abort a treatment (SAFETY.md: 2 ticks).
    public var overForceDebounceSamples: Int = 2
    /// H1: tolerance above the limit as a fraction of it (consoles hold
    /// +/-10 % of target).
    public var overForceToleranceFraction: Double = SafetyConfiguration.defaultOverForceToleranceFraction
    /// H1: the smallest tolerance, so low limits are not tripped by sensor
    /// noise (the national standard allows +/-10 N up to 200 N).
    public var overForceToleranceMinimum: Newtons = SafetyConfiguration.defaultOverForceToleranceMinimum
    /// H2: the table's absolute maximum force (the device cap, ~900 N).
    public var deviceForceCap: Newtons = DefaultForceLimits.deviceCap
    /// H2: the absolute maximum for lumbar treatment (about 90 kgf, below
    /// the 100 kg stop one commercial table uses).
    public var lumbarForceCap: Newtons = SafetyConfiguration.regionHardCap(
        therapyCap: DefaultForceLimits.lumbarCap, deviceCap: DefaultForceLimits.deviceCap,
        toleranceFraction: SafetyConfiguration.defaultOverForceToleranceFraction,
        toleranceMinimum: SafetyConfiguration.defaultOverForceToleranceMinimum)
    /// H2: the absolute maximum for cervical treatment (clinical doses stay
    /// below 25–45 lb; 220 N is about 50 lb).
    public var cervicalForceCap: Newtons = SafetyConfiguration.regionHardCap(
        therapyCap: DefaultForceLimits.cervicalCap, deviceCap: DefaultForceLimits.deviceCap,
        toleranceFraction: SafetyConfiguration.defaultOverForceToleranceFraction,
        toleranceMinimum: SafetyConfiguration.defaultOverForceToleranceMinimum)
    /// Outside a session no tension is expected: this is the limit that
    /// H1 applies then (the non-therapeutic force).
    public var idleForceLimit: Newtons = 50
    /// H3: the fastest the kernel lets the force ceiling rise (faster than
    /// 20–30 N/s is outside clinical practice).
    public var maximumForceRate: NewtonsPerSecond = 30
    /// H3: a measured rise faster than this raises FORCE_RATE_HIGH. Above
    /// the commanded limit to leave room for the patient's own movement.
    public var measuredForceRateLimit: NewtonsPerSecond = 60
    /// H3: the window the measured rate is taken over; long enough that
    /// sensor noise of a newton or two does not look like a fast rise.
    public var forceRateWindow: Seconds = 0.1
    /// H9: angles may move only at or below this force (angle changes are
    /// made at non-therapeutic tension), unless the program declares an
    /// articulation with tension held constant.
    public var nonTherapeuticForce: Newtons = DefaultForceLimits.nonTherapeuticForce
    /// A release is complete when the measured force is at or below this.
    /// Above a table's own slack threshold (at most 5 N, docs/wire-protocol.md
    /// section 10.2), so the table's release always reaches it; the drive is
    /// switched off (brakes applied) only then, so at most this much tension
    /// is ever left held on a brake.
    public var slackForce: Newtons = 8

    // MARK: Force sensor (H4, detection <= 100 ms)

    /// H4: load-cell readings below this are out of range (a real cable
    /// cannot push; a few tens of newtons allow for tare drift).
    public var loadCellMinimum: Newtons = -50
    /// H4: load-cell readings above this are out of range (beyond the
    /// sensor's full scale, well above the device cap).
    public var loadCellMaximum: Newtons = 1500
    /// H4: the traction axis counts as moving above this speed.
    public var stuckMotionThreshold: MillimetresPerSecond = 1.0
    /// H4: a load cell that changes less than this while the axis moves
    /// under tension is stuck. It sits below the noise floor of a live load
    /// cell (about 0.4 N RMS, PLANT-FACTS.md), so it recognises a frozen
    /// reading and not a patient who relaxes while the table takes up the
    /// slack: then the axis moves and the force rightly stays constant. With
    /// 0.5 N the closed-loop replays raised false stuck faults at the end of a
    /// tensing; a frozen reading repeats exactly and is still caught.
    public var stuckForceResolution: Newtons = 0.05
    /// H4: how long it must stay unchanged while moving (under the 100 ms bound).
    public var stuckDetectionTime: Seconds = 0.080
    /// H4: stuck detection applies only above this force: when the cable is
    /// slack, motion legitimately changes nothing.
    public var stuckDetectionMinimumForce: Newtons = 20
    /// H4: tolerance between the two force channels, as a fraction of the
    /// larger reading. Two bridges of one load cell agree within about 1 %
    /// after a tare (docs/wire-protocol.md, section 11.2.1); the tolerance
    /// sits above that and well below the H1 tolerance (10 %), so a channel
    /// gone wrong is named long before its error could matter.
    public var plausibilityToleranceFraction: Double = 0.04
    /// H4: the smallest tolerance between the two channels: above their
    /// combined noise and zero error (about 2 N), below the H1 minimum (10 N).
    public var plausibilityToleranceMinimum: Newtons = 5
    /// H4: how long the disagreement must last (under the 100 ms bound);
    /// long enough that a sample skew between the channels during a fast
    /// release is not a fault.
    public var plausibilityDetectionTime: Seconds = 0.030

    // MARK: Release supervision (H19)

    /// H19: a release the kernel commands (normal or emergency profile,
    /// drive on) must bring the measured force down by at least
    /// max(`releaseProgressMinimumFraction` x the force, `releaseProgressMinimum`)
    /// within this window, or RELEASE_NOT_PROGRESSING sounds and the release
    /// becomes an emergency release. A table's normal release comes down at
    /// 10 N/s or more (docs/wire-protocol.md section 10.2), far faster.
    public var releaseProgressWindow: Seconds = 1.0
    public var releaseProgressMinimumFraction: Double = 0.01
    public var releaseProgressMinimum: Newtons = 2

    // MARK: Switches (H7)

    /// H7: how long the patient switch's two channels may disagree before it
    /// is a switch fault (contacts close a few milliseconds apart).
    public var patientSwitchDisagreementTime: Seconds = 0.020

    // MARK: Angles (H9)

    /// H9: permitted range and top speed of each angle axis. Axes not listed
    /// must stay at 0 and may not move. Defaults are conservative; the daemon
    /// narrows them to what the table reports in its handshake.
    public var angleAxes: [AngleAxisRange] = [
        AngleAxisRange(axis: .flexion, minimum: 0, maximum: 30, maximumRate: 2),
        AngleAxisRange(axis: .lateralTilt, minimum: -10, maximum: 10, maximumRate: 2),
        AngleAxisRange(axis: .rotation, minimum: -10, maximum: 10, maximumRate: 2),
    ]
    /// H9: how far angles may drift above the non-therapeutic force without
    /// a declared articulation before it counts as moved under tension.
    public var angleDriftTolerance: Degrees = 0.5
    /// H9: the largest accepted distance between an axis and its target.
    public var angleFollowingErrorLimit: Degrees = 2
    /// H9: how long the following error must last (axes lag while moving).
    public var angleFollowingErrorTime: Seconds = 0.25
    /// H9: a small margin outside the range before ANGLE_OUT_OF_RANGE, for encoder noise.
    public var angleRangeMargin: Degrees = 0.2

    // MARK: Control loop (H11)

    /// H11: the window over which deadline misses are counted.
    public var overrunWindow: Seconds = 1.0
    /// H11: more misses than this in one window raise CONTROL_LOOP_OVERRUN
    /// (the VM stalls 1–4 ms now and then; a few are tolerable).
    public var overrunBudget: Int = 5
    /// H11: more misses than this in one window are a latched fault.
    public var overrunHardBudget: Int = 25

    // MARK: Traction axis

    /// The fastest traction speed the kernel passes on, either direction.
    public var maximumTractionSpeed: MillimetresPerSecond = 25

    public init() {}

    /// The H1 tolerance's defaults, named because the region hard caps'
    /// defaults are derived from them.
    public static let defaultOverForceToleranceFraction = 0.10
    public static let defaultOverForceToleranceMinimum: Newtons = 10

    /// The kernel's hard cap (H2) for a region whose therapy cap is
    /// `therapyCap`: above it by the H1 tolerance, so that a session at its
    /// cap meets the controlled release of H1 before the emergency of H2;
    /// never closer to the device cap than the smallest tolerance.
    ///
    ///     min(therapyCap + max(therapyCap x fraction, minimum), deviceCap - minimum)
    ///
    /// With the defaults: lumbar 890 N -> 890 N, cervical 200 N -> 220 N.
    public static func regionHardCap(therapyCap: Newtons, deviceCap: Newtons, toleranceFraction: Double,
                                     toleranceMinimum: Newtons) -> Newtons {
        let tolerance = max(therapyCap * toleranceFraction, toleranceMinimum)
        return min(therapyCap + tolerance, deviceCap - toleranceMinimum)
    }

    /// The absolute force cap for `region` (H2): the smaller of device and region cap.
    public func hardCap(for region: TreatmentRegion) -> Newtons {
        switch region {
        case .lumbar: min(deviceForceCap, lumbarForceCap)
        case .cervical: min(deviceForceCap, cervicalForceCap)
        }
    }

    /// H1: the tolerance added to `limit` before it counts as exceeded.
    public func overForceTolerance(for limit: Newtons) -> Newtons {
        max(limit * overForceToleranceFraction, overForceToleranceMinimum)
    }

    /// H4: the largest accepted difference between the two force channels
    /// when the larger of them reads `force`.
    public func plausibilityTolerance(at force: Newtons) -> Newtons {
        max(force.magnitude * plausibilityToleranceFraction, plausibilityToleranceMinimum)
    }

    /// The configured range of `axis`, or nil when the table lacks it.
    public func range(of axis: AngleAxis) -> AngleAxisRange? {
        angleAxes.first { $0.axis == axis }
    }
}
