import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

extension DaemonConfiguration {
    /// The safety kernel's hard cap (H2) for `region`, derived from the one
    /// region cap of the file (`SafetyConfiguration.regionHardCap`): above the
    /// therapy cap by the H1 tolerance, never closer to the table's own
    /// maximum than the smallest tolerance. Validation keeps the therapy cap
    /// at or below the second term, so the hard cap is never below it. With
    /// the defaults: lumbar 890 N -> 890 N, cervical 200 N -> 220 N.
    public func kernelForceCap(for region: TreatmentRegion) -> Newtons {
        SafetyConfiguration.regionHardCap(
            therapyCap: limits.therapy.region(region).forceCap, deviceCap: limits.therapy.deviceForceCap,
            toleranceFraction: limits.safety.overForceToleranceFraction,
            toleranceMinimum: limits.safety.overForceToleranceMinimum)
    }

    /// The safety kernel's thresholds, with the region hard caps derived.
    /// The tick and telemetry periods are set by `EngineConfiguration` from
    /// the loop rate.
    public func safetyConfiguration() -> SafetyConfiguration {
        var safety = limits.safety
        safety.lumbarForceCap = kernelForceCap(for: .lumbar)
        safety.cervicalForceCap = kernelForceCap(for: .cervical)
        return safety
    }

    /// The limits programs and sessions are held to. Angle ranges and the
    /// angle move rate are not in the file: the table's handshake narrows
    /// them (`EngineConfiguration.adapted(to:)`). A weight range given in the
    /// wrong order is a validation problem; here it never traps.
    public func therapyLimits() -> TherapyLimits {
        var therapy = limits.therapy
        let lightest = limits.patientWeightMinimum
        therapy.patientWeightRange = lightest...max(lightest, limits.patientWeightMaximum)
        return therapy
    }

    /// Everything the engine needs: kernel thresholds, therapy limits, the
    /// self-test, the loop rate and the command lease. The defaults give
    /// exactly `EngineConfiguration()`.
    public func engineConfiguration() -> EngineConfiguration {
        EngineConfiguration(rateHertz: loop.rateHertz, safety: safetyConfiguration(), therapyLimits: therapyLimits(),
                            selfTest: limits.selfTest, commandLease: limits.safety.maximumCommandLease)
    }

    /// The control thread's request: SCHED_FIFO priority when `loop.realtime`.
    /// (Plain values; the daemon builds its `RealtimeRequest` from them.)
    public var realtimeFIFOPriority: Int32? { loop.realtime ? Int32(clamping: loop.fifoPriority) : nil }
    public var handshakeTimeout: Seconds { Seconds(device.handshakeTimeoutSeconds) }
}
