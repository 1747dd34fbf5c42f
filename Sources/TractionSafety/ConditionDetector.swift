import TractionDevice

/// Turns telemetry into the alarm conditions of hazards H1–H5, H7–H11 and
/// H17, debounced as SAFETY.md asks. It holds only a few scalars between
/// samples and never allocates.
///
/// Sample-based checks run once per new telemetry sample (a sample seen
/// again on a later tick is not evidence twice); time-based checks
/// (staleness, overruns) run every tick.
struct ConditionDetector: Sendable {
    let configuration: SafetyConfiguration

    /// Conditions derived from the last evaluated sample; kept while no new
    /// sample arrives, since nothing has proved them gone.
    private(set) var sampleConditions = AlarmConditions()
    /// The measured force exceeded the hard cap in the last sample (H2).
    private(set) var measuredOverHardCap = false

    private var lastSampleReceivedAt: MonotonicInstant?
    private var overForceSamples = 0
    private var rateReferenceForce: Newtons?
    private var rateReferenceAt = MonotonicInstant.origin
    private var loadCellWatch = FrozenReadingWatch()
    private var redundantWatch = FrozenReadingWatch()
    private var implausibleSince: MonotonicInstant?
    private var switchDisagreementSince: MonotonicInstant?
    private var angleReference: Angles?
    private var followingErrorSince: MonotonicInstant?
    private var releaseWatch = ReleaseProgressWatch()
    private var overrunWindowStart: MonotonicInstant?
    private var overrunsInWindow = 0

    /// Stored once: `allCases` builds a new array on every call.
    private static let axes = AngleAxis.allCases

    init(configuration: SafetyConfiguration) { self.configuration = configuration }

    /// True when `telemetry` is a sample not evaluated before.
    func isNew(_ telemetry: Telemetry) -> Bool { telemetry.receivedAt != lastSampleReceivedAt }

    // MARK: H5 freshness

    /// The age of the newest sample, or of the link when none came yet.
    static func telemetryAge(_ telemetry: Telemetry?, linkUpAt: MonotonicInstant, now: MonotonicInstant) -> Seconds {
        now - max(telemetry?.receivedAt ?? linkUpAt, linkUpAt)
    }

    func isStale(age: Seconds) -> Bool {
        age > configuration.telemetryPeriod * configuration.staleTelemetryPeriods
    }

    func isLost(age: Seconds) -> Bool { age > configuration.telemetryLossTimeout }

    // MARK: H11 overruns

    /// Counts a missed deadline and returns (over budget, over hard budget)
    /// for the current window.
    mutating func countOverrun(missed: Bool, at now: MonotonicInstant) -> (budget: Bool, hardBudget: Bool) {
        if let start = overrunWindowStart, now - start < configuration.overrunWindow {
            if missed { overrunsInWindow += 1 }
        } else {
            overrunWindowStart = now
            overrunsInWindow = missed ? 1 : 0
        }
        return (overrunsInWindow > configuration.overrunBudget, overrunsInWindow > configuration.overrunHardBudget)
    }

    // MARK: Sample checks

    /// Evaluates one new sample and updates `sampleConditions`.
    /// - Parameter releaseCommanded: the kernel's last command asked the
    ///   table to release (a release profile with the drive on).
    mutating func evaluate(_ sample: Telemetry, context: TickContext, releaseCommanded: Bool = false,
                           at now: MonotonicInstant) {
        lastSampleReceivedAt = sample.receivedAt
        var found = AlarmConditions()

        found.set(.forceSensorOutOfRange, present: !Self.inRange(sample.loadCellForce, configuration)
            || !Self.inRange(sample.redundantForce, configuration)
            || sample.driveFaults.contains(.loadCellFault))
        // The larger channel (infinite when either is not finite): a channel
        // reading low never hides a force from these checks.
        let force = sample.measuredForce
        let usableForce = force.isFinite ? force : configuration.loadCellMaximum

        found.set(.forceOverLimit, present: checkOverForce(usableForce, context: context))
        measuredOverHardCap = usableForce > configuration.hardCap(for: context.region)
        found.set(.forceRateHigh, present: checkForceRate(usableForce, at: now))
        found.set(.forceSensorStuck, present: checkStuck(sample, at: now))
        found.set(.forceSensorImplausible, present: checkPlausibility(sample, at: now))
        found.set(.releaseNotProgressing, present: releaseWatch.isStalled(
            force: usableForce, releasing: releaseCommanded, at: now, configuration: configuration))

        // The table's own release on a press (revision 1.1) latches a bit
        // that belongs to the patient's release, not to the drive (H7).
        found.set(.patientRelease, present: sample.patientSwitch.eitherPressed
            || sample.driveFaults.contains(.patientSwitchRelease))
        found.set(.patientSwitchFault, present: checkSwitchChannels(sample.patientSwitch, at: now))
        found.set(.emergencyStop, present: sample.emergencyStopPressed)
        found.set(.harnessOpen, present: !sample.harnessClosed)
        found.set(.driveFault, present: !sample.driveFaults.subtracting(.patientSwitchRelease).isEmpty)

        found.set(.angleOutOfRange, present: checkAngleRanges(sample.angles))
        found.set(.angleMovedUnderTension, present: checkAngleDrift(sample.angles, force: usableForce, context: context))
        found.set(.angleFollowingError, present: checkFollowing(sample.angles, targets: context.angleTargets, at: now))
        sampleConditions = found
    }

    private static func inRange(_ force: Newtons, _ configuration: SafetyConfiguration) -> Bool {
        force.isFinite && force >= configuration.loadCellMinimum && force <= configuration.loadCellMaximum
    }

    /// H1: above limit + tolerance for the debounce count; stays present
    /// until the force is back at or below the limit itself.
    private mutating func checkOverForce(_ force: Newtons, context: TickContext) -> Bool {
        let limit = context.sessionForceLimit ?? configuration.idleForceLimit
        overForceSamples = force > limit + configuration.overForceTolerance(for: limit) ? overForceSamples + 1 : 0
        let wasPresent = sampleConditions.contains(.forceOverLimit)
        return overForceSamples >= configuration.overForceDebounceSamples || (wasPresent && force > limit)
    }

    /// H3: the rise over the last complete window; falls are never limited.
    private mutating func checkForceRate(_ force: Newtons, at now: MonotonicInstant) -> Bool {
        guard let reference = rateReferenceForce else {
            rateReferenceForce = force
            rateReferenceAt = now
            return false
        }
        let elapsed = now - rateReferenceAt
        guard elapsed >= configuration.forceRateWindow else { return sampleConditions.contains(.forceRateHigh) }
        rateReferenceForce = force
        rateReferenceAt = now
        return (force - reference) / elapsed > configuration.measuredForceRateLimit
    }

    /// H4: the axis moves under tension but a force channel does not change.
    /// Each channel is watched on its own: either one frozen is a fault.
    private mutating func checkStuck(_ sample: Telemetry, at now: MonotonicInstant) -> Bool {
        let moving = sample.tractionVelocity.magnitude >= configuration.stuckMotionThreshold
            && sample.measuredForce >= configuration.stuckDetectionMinimumForce
        let loadCellStuck = loadCellWatch.isFrozen(sample.loadCellForce, moving: moving, at: now,
                                                   configuration: configuration)
        let redundantStuck = redundantWatch.isFrozen(sample.redundantForce, moving: moving, at: now,
                                                     configuration: configuration)
        return loadCellStuck || redundantStuck
    }

    /// H4: the two force channels disagree for longer than allowed. The
    /// tolerance scales with the larger reading and is below the H1
    /// tolerance (`SafetyConfiguration.validate` keeps it so), so a channel
    /// gone wrong is named before its error could matter.
    private mutating func checkPlausibility(_ sample: Telemetry, at now: MonotonicInstant) -> Bool {
        let difference = (sample.loadCellForce - sample.redundantForce).magnitude
        let larger = max(sample.loadCellForce.magnitude, sample.redundantForce.magnitude)
        guard difference > configuration.plausibilityTolerance(at: larger) else {
            implausibleSince = nil
            return false
        }
        let since = implausibleSince ?? now
        implausibleSince = since
        return now - since >= configuration.plausibilityDetectionTime
    }

    /// H7: the two channels of the patient switch disagree for too long.
    private mutating func checkSwitchChannels(_ channels: PatientSwitchChannels, at now: MonotonicInstant) -> Bool {
        guard channels.channelsDisagree else {
            switchDisagreementSince = nil
            return false
        }
        let since = switchDisagreementSince ?? now
        switchDisagreementSince = since
        return now - since >= configuration.patientSwitchDisagreementTime
    }

    /// H9: an axis is outside its range (an absent axis must read 0).
    private func checkAngleRanges(_ angles: Angles) -> Bool {
        let margin = configuration.angleRangeMargin
        for axis in Self.axes {
            let angle = angles[axis]
            guard angle.isFinite else { return true }
            if let range = configuration.range(of: axis) {
                if angle < range.minimum - margin || angle > range.maximum + margin { return true }
            } else if angle.magnitude > margin {
                return true
            }
        }
        return false
    }

    /// H9: angles drifted while above the non-therapeutic force without a
    /// declared articulation. The reference follows the angles whenever
    /// moving them is allowed.
    private mutating func checkAngleDrift(_ angles: Angles, force: Newtons, context: TickContext) -> Bool {
        guard force > configuration.nonTherapeuticForce, !context.articulationDeclared,
              let reference = angleReference else {
            angleReference = angles
            return false
        }
        return angles.largestDifference(from: reference) > configuration.angleDriftTolerance
    }

    /// H9: an axis stays too far from its target for too long.
    private mutating func checkFollowing(_ angles: Angles, targets: Angles?, at now: MonotonicInstant) -> Bool {
        guard let targets, angles.largestDifference(from: targets) > configuration.angleFollowingErrorLimit else {
            followingErrorSince = nil
            return false
        }
        let since = followingErrorSince ?? now
        followingErrorSince = since
        return now - since >= configuration.angleFollowingErrorTime
    }
}

/// Watches one force channel for a reading that stops changing while the
/// traction axis moves under tension (H4, stuck).
struct FrozenReadingWatch: Sendable {
    private var reference: Newtons?
    private var since = MonotonicInstant.origin

    mutating func isFrozen(_ reading: Newtons, moving: Bool, at now: MonotonicInstant,
                           configuration: SafetyConfiguration) -> Bool {
        guard moving else {
            reference = nil
            return false
        }
        if let reference, (reading - reference).magnitude <= configuration.stuckForceResolution {
            return now - since >= configuration.stuckDetectionTime
        }
        reference = reading
        since = now
        return false
    }
}

/// Watches a release the kernel commanded (H19): the measured force must
/// come down by the configured least progress within each window, until it
/// is slack. A table that brakes instead of paying out, a drive that ignores
/// the release profile, a force that does not fall: each stalls it.
struct ReleaseProgressWatch: Sendable {
    private var referenceForce: Newtons?
    private var referenceAt = MonotonicInstant.origin

    mutating func isStalled(force: Newtons, releasing: Bool, at now: MonotonicInstant,
                            configuration: SafetyConfiguration) -> Bool {
        guard releasing, force > configuration.slackForce else {
            referenceForce = nil
            return false
        }
        guard let reference = referenceForce else {
            referenceForce = force
            referenceAt = now
            return false
        }
        let leastProgress = max(reference * configuration.releaseProgressMinimumFraction,
                                configuration.releaseProgressMinimum)
        if force <= reference - leastProgress {
            referenceForce = force
            referenceAt = now
            return false
        }
        return now - referenceAt >= configuration.releaseProgressWindow
    }
}
