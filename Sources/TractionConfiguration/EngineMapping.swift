import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

extension DaemonConfiguration {
    /// The safety kernel's hard cap (H2) for `region`, derived from the one
    /// region cap of the file:
    ///
    ///     min(force_cap_n + tolerance(force_cap_n), device_force_cap_n - over_force_tolerance_min_n)
    ///
    /// with tolerance(x) = max(x * over_force_tolerance_fraction, over_force_tolerance_min_n),
    /// the H1 tolerance. Above the therapy cap by the H1 tolerance, so that a
    /// session at its cap meets the controlled release of H1 before the
    /// emergency of H2; never closer to the table's own maximum than the
    /// smallest tolerance. Validation keeps force_cap_n at or below the second
    /// term, so the hard cap is never below the therapy cap. With the defaults:
    /// lumbar 890 N -> 890 N, cervical 200 N -> 220 N, as before the file existed.
    public func kernelForceCap(for region: TreatmentRegion) -> Newtons {
        let cap = region == .lumbar ? limits.lumbar.forceCapNewtons : limits.cervical.forceCapNewtons
        let safety = limits.safety
        let tolerance = max(cap * safety.overForceToleranceFraction, safety.overForceToleranceMinNewtons)
        return Newtons(min(cap + tolerance, limits.deviceForceCapNewtons - safety.overForceToleranceMinNewtons))
    }

    /// The safety kernel's thresholds. The tick and telemetry periods are
    /// set by `EngineConfiguration` from the loop rate.
    public func safetyConfiguration() -> SafetyConfiguration {
        let s = limits.safety
        var safety = SafetyConfiguration()
        safety.staleTelemetryPeriods = s.staleTelemetryPeriods
        safety.telemetryLossTimeout = .milliseconds(s.telemetryLossTimeoutMilliseconds)
        safety.maximumCommandLease = .milliseconds(s.commandLeaseMilliseconds)
        safety.overForceDebounceSamples = s.overForceDebounceSamples
        safety.overForceToleranceFraction = s.overForceToleranceFraction
        safety.overForceToleranceMinimum = Newtons(s.overForceToleranceMinNewtons)
        safety.deviceForceCap = Newtons(limits.deviceForceCapNewtons)
        safety.lumbarForceCap = kernelForceCap(for: .lumbar)
        safety.cervicalForceCap = kernelForceCap(for: .cervical)
        safety.idleForceLimit = Newtons(s.idleForceLimitNewtons)
        safety.maximumForceRate = NewtonsPerSecond(s.maxForceRateNewtonsPerSecond)
        safety.measuredForceRateLimit = NewtonsPerSecond(s.measuredForceRateLimitNewtonsPerSecond)
        safety.forceRateWindow = .milliseconds(s.forceRateWindowMilliseconds)
        safety.nonTherapeuticForce = Newtons(limits.nonTherapeuticForceNewtons)
        safety.slackForce = Newtons(s.slackForceNewtons)
        safety.loadCellMinimum = Newtons(s.loadCellMinNewtons)
        safety.loadCellMaximum = Newtons(s.loadCellMaxNewtons)
        safety.stuckMotionThreshold = MillimetresPerSecond(s.stuckMotionThresholdMillimetresPerSecond)
        safety.stuckForceResolution = Newtons(s.stuckForceResolutionNewtons)
        safety.stuckDetectionTime = .milliseconds(s.stuckDetectionTimeMilliseconds)
        safety.stuckDetectionMinimumForce = Newtons(s.stuckDetectionMinForceNewtons)
        safety.plausibilityToleranceFraction = s.plausibilityToleranceFraction
        safety.plausibilityToleranceMinimum = Newtons(s.plausibilityToleranceMinNewtons)
        safety.plausibilityDetectionTime = .milliseconds(s.plausibilityDetectionTimeMilliseconds)
        safety.patientSwitchDisagreementTime = .milliseconds(s.patientSwitchDisagreementMilliseconds)
        safety.angleDriftTolerance = Degrees(s.angleDriftToleranceDegrees)
        safety.angleFollowingErrorLimit = Degrees(s.angleFollowingErrorDegrees)
        safety.angleFollowingErrorTime = .milliseconds(s.angleFollowingErrorTimeMilliseconds)
        safety.angleRangeMargin = Degrees(s.angleRangeMarginDegrees)
        safety.overrunWindow = Seconds(s.overrunWindowSeconds)
        safety.overrunBudget = s.overrunBudget
        safety.overrunHardBudget = s.overrunHardBudget
        safety.maximumTractionSpeed = MillimetresPerSecond(s.maxTractionSpeedMillimetresPerSecond)
        return safety
    }

    /// The limits programs and sessions are held to. Angle ranges and the
    /// angle move rate are not in the file: the table's handshake narrows
    /// them (`EngineConfiguration.adapted(to:)`).
    /// Precondition: the configuration validated (the weight range is ordered).
    public func therapyLimits() -> TherapyLimits {
        func region(_ limits: RegionLimits) -> TherapyLimits.Region {
            TherapyLimits.Region(forceCap: Newtons(limits.forceCapNewtons),
                                 maximumBodyWeightFraction: limits.maxBodyWeightFraction,
                                 firstSessionBodyWeightFraction: limits.firstSessionBodyWeightFraction,
                                 confirmationBodyWeightFraction: limits.confirmationBodyWeightFraction)
        }
        return TherapyLimits(
            lumbar: region(limits.lumbar),
            cervical: region(limits.cervical),
            deviceForceCap: Newtons(limits.deviceForceCapNewtons),
            maximumRampRate: NewtonsPerSecond(limits.maxRampRateNewtonsPerSecond),
            maximumReleaseRate: NewtonsPerSecond(limits.maxReleaseRateNewtonsPerSecond),
            defaultReleaseRate: NewtonsPerSecond(limits.defaultReleaseRateNewtonsPerSecond),
            defaultRampRate: NewtonsPerSecond(limits.defaultRampRateNewtonsPerSecond),
            nonTherapeuticForce: Newtons(limits.nonTherapeuticForceNewtons),
            maximumSessionDuration: Seconds(limits.maxSessionDurationSeconds),
            patientWeightRange: Kilograms(limits.patientWeightMinKilograms)...Kilograms(limits.patientWeightMaxKilograms))
    }

    /// Everything the engine needs: kernel thresholds, therapy limits, loop
    /// rate and command lease. The defaults give exactly `EngineConfiguration()`.
    /// Precondition: the configuration validated.
    public func engineConfiguration() -> EngineConfiguration {
        EngineConfiguration(rateHertz: loop.rateHertz, safety: safetyConfiguration(), therapyLimits: therapyLimits(),
                            commandLease: .milliseconds(limits.safety.commandLeaseMilliseconds))
    }

    /// The control thread's request: SCHED_FIFO priority when `loop.realtime`.
    /// (Plain values; the daemon builds its `RealtimeRequest` from them.)
    public var realtimeFIFOPriority: Int32? { loop.realtime ? Int32(clamping: loop.fifoPriority) : nil }
    public var handshakeTimeout: Seconds { Seconds(device.handshakeTimeoutSeconds) }
}
