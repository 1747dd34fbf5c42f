/// `limits`: the treatment limits (TherapyLimits) and the safety kernel's
/// thresholds (SafetyConfiguration), each given once.
public struct LimitsSection: Sendable, Hashable, Codable {
    public var lumbar = RegionLimits.lumbarDefault
    public var cervical = RegionLimits.cervicalDefault
    /// The table's absolute maximum force (H2). The daemon lowers it further
    /// to what the table reports in its handshake.
    public var deviceForceCapNewtons = 900.0
    /// Tension at or below which angles may move, and the pre-tension of the harness (H9).
    public var nonTherapeuticForceNewtons = 50.0
    /// Final release of a program that gives none.
    public var defaultReleaseRateNewtonsPerSecond = 20.0
    /// Steepest release a program may ask for (emergency releases are the table's).
    public var maxReleaseRateNewtonsPerSecond = 50.0
    /// Ramp of a phase that gives none.
    public var defaultRampRateNewtonsPerSecond = 10.0
    /// Steepest increase a program may ask for (H3).
    public var maxRampRateNewtonsPerSecond = 20.0
    /// Plausible patient body weights; outside, a session is refused (H12).
    public var patientWeightMinKilograms = 30.0
    public var patientWeightMaxKilograms = 200.0
    /// Longest session, final release included.
    public var maxSessionDurationSeconds = 3600.0
    /// The safety kernel's debounces, tolerances and timeouts.
    public var safety = SafetyThresholds()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case lumbar, cervical
        case deviceForceCapNewtons = "device_force_cap_n"
        case nonTherapeuticForceNewtons = "non_therapeutic_force_n"
        case defaultReleaseRateNewtonsPerSecond = "default_release_rate_n_per_s"
        case maxReleaseRateNewtonsPerSecond = "max_release_rate_n_per_s"
        case defaultRampRateNewtonsPerSecond = "default_ramp_rate_n_per_s"
        case maxRampRateNewtonsPerSecond = "max_ramp_rate_n_per_s"
        case patientWeightMinKilograms = "patient_weight_min_kg"
        case patientWeightMaxKilograms = "patient_weight_max_kg"
        case maxSessionDurationSeconds = "max_session_duration_s"
        case safety
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lumbar = try c.setting(.lumbar, default: lumbar)
        cervical = try c.setting(.cervical, default: cervical)
        deviceForceCapNewtons = try c.setting(.deviceForceCapNewtons, default: deviceForceCapNewtons)
        nonTherapeuticForceNewtons = try c.setting(.nonTherapeuticForceNewtons, default: nonTherapeuticForceNewtons)
        defaultReleaseRateNewtonsPerSecond = try c.setting(.defaultReleaseRateNewtonsPerSecond,
                                                           default: defaultReleaseRateNewtonsPerSecond)
        maxReleaseRateNewtonsPerSecond = try c.setting(.maxReleaseRateNewtonsPerSecond,
                                                       default: maxReleaseRateNewtonsPerSecond)
        defaultRampRateNewtonsPerSecond = try c.setting(.defaultRampRateNewtonsPerSecond,
                                                        default: defaultRampRateNewtonsPerSecond)
        maxRampRateNewtonsPerSecond = try c.setting(.maxRampRateNewtonsPerSecond, default: maxRampRateNewtonsPerSecond)
        patientWeightMinKilograms = try c.setting(.patientWeightMinKilograms, default: patientWeightMinKilograms)
        patientWeightMaxKilograms = try c.setting(.patientWeightMaxKilograms, default: patientWeightMaxKilograms)
        maxSessionDurationSeconds = try c.setting(.maxSessionDurationSeconds, default: maxSessionDurationSeconds)
        safety = try c.setting(.safety, default: safety)
    }
}

/// `limits.lumbar` and `limits.cervical`. One force cap per region: the
/// therapy cap. The safety kernel's hard cap for the region is derived from
/// it (`DaemonConfiguration.kernelForceCap(for:)`).
public struct RegionLimits: Sendable, Hashable, Codable {
    /// No program or session may ask for more force in this region (H2, H12).
    public var forceCapNewtons: Double
    /// Largest share of body weight a program may declare.
    public var maxBodyWeightFraction: Double
    /// Cap on a patient's first session, as a share of body weight (H12).
    public var firstSessionBodyWeightFraction: Double
    /// A planned peak above this share of body weight needs the operator's confirmation (H12).
    public var confirmationBodyWeightFraction: Double

    public init(forceCapNewtons: Double, maxBodyWeightFraction: Double, firstSessionBodyWeightFraction: Double,
                confirmationBodyWeightFraction: Double) {
        self.forceCapNewtons = forceCapNewtons
        self.maxBodyWeightFraction = maxBodyWeightFraction
        self.firstSessionBodyWeightFraction = firstSessionBodyWeightFraction
        self.confirmationBodyWeightFraction = confirmationBodyWeightFraction
    }

    public static let lumbarDefault = RegionLimits(forceCapNewtons: 890, maxBodyWeightFraction: 0.60,
                                                   firstSessionBodyWeightFraction: 0.25,
                                                   confirmationBodyWeightFraction: 0.40)
    public static let cervicalDefault = RegionLimits(forceCapNewtons: 200, maxBodyWeightFraction: 0.20,
                                                     firstSessionBodyWeightFraction: 0.10,
                                                     confirmationBodyWeightFraction: 0.15)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case forceCapNewtons = "force_cap_n"
        case maxBodyWeightFraction = "max_body_weight_fraction"
        case firstSessionBodyWeightFraction = "first_session_body_weight_fraction"
        case confirmationBodyWeightFraction = "confirmation_body_weight_fraction"
    }

    /// Missing keys take the defaults of the region being decoded, which the
    /// caller cannot pass through `Decodable`; the coding path tells which.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let region = decoder.codingPath.last?.stringValue == "cervical" ? Self.cervicalDefault : Self.lumbarDefault
        forceCapNewtons = try c.setting(.forceCapNewtons, default: region.forceCapNewtons)
        maxBodyWeightFraction = try c.setting(.maxBodyWeightFraction, default: region.maxBodyWeightFraction)
        firstSessionBodyWeightFraction = try c.setting(.firstSessionBodyWeightFraction,
                                                       default: region.firstSessionBodyWeightFraction)
        confirmationBodyWeightFraction = try c.setting(.confirmationBodyWeightFraction,
                                                       default: region.confirmationBodyWeightFraction)
    }
}

/// `limits.safety`: the safety kernel's thresholds (docs/safety.md section 6).
/// Times are in milliseconds, as SAFETY.md states its bounds.
public struct SafetyThresholds: Sendable, Hashable, Codable {
    public var overForceDebounceSamples = 2
    public var overForceToleranceFraction = 0.10
    public var overForceToleranceMinNewtons = 10.0
    /// The force limit outside a session (H1 then applies to it).
    public var idleForceLimitNewtons = 50.0
    /// A release is complete at or below this force.
    public var slackForceNewtons = 15.0
    /// Fastest rise of the force ceiling the kernel lets through (H3).
    public var maxForceRateNewtonsPerSecond = 30.0
    /// A measured rise faster than this raises FORCE_RATE_HIGH (H3).
    public var measuredForceRateLimitNewtonsPerSecond = 60.0
    public var forceRateWindowMilliseconds = 100.0
    public var staleTelemetryPeriods = 2.0
    public var telemetryLossTimeoutMilliseconds = 50.0
    /// Lease of every command: the table releases by itself this long after the last one.
    public var commandLeaseMilliseconds = 100.0
    public var loadCellMinNewtons = -50.0
    public var loadCellMaxNewtons = 1500.0
    public var stuckMotionThresholdMillimetresPerSecond = 1.0
    public var stuckForceResolutionNewtons = 0.05
    public var stuckDetectionTimeMilliseconds = 80.0
    public var stuckDetectionMinForceNewtons = 20.0
    public var plausibilityToleranceFraction = 0.04
    public var plausibilityToleranceMinNewtons = 5.0
    public var plausibilityDetectionTimeMilliseconds = 30.0
    public var patientSwitchDisagreementMilliseconds = 20.0
    public var angleDriftToleranceDegrees = 0.5
    public var angleFollowingErrorDegrees = 2.0
    public var angleFollowingErrorTimeMilliseconds = 250.0
    public var angleRangeMarginDegrees = 0.2
    public var overrunWindowSeconds = 1.0
    public var overrunBudget = 5
    public var overrunHardBudget = 25
    public var maxTractionSpeedMillimetresPerSecond = 25.0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case overForceDebounceSamples = "over_force_debounce_samples"
        case overForceToleranceFraction = "over_force_tolerance_fraction"
        case overForceToleranceMinNewtons = "over_force_tolerance_min_n"
        case idleForceLimitNewtons = "idle_force_limit_n"
        case slackForceNewtons = "slack_force_n"
        case maxForceRateNewtonsPerSecond = "max_force_rate_n_per_s"
        case measuredForceRateLimitNewtonsPerSecond = "measured_force_rate_limit_n_per_s"
        case forceRateWindowMilliseconds = "force_rate_window_ms"
        case staleTelemetryPeriods = "stale_telemetry_periods"
        case telemetryLossTimeoutMilliseconds = "telemetry_loss_timeout_ms"
        case commandLeaseMilliseconds = "command_lease_ms"
        case loadCellMinNewtons = "load_cell_min_n"
        case loadCellMaxNewtons = "load_cell_max_n"
        case stuckMotionThresholdMillimetresPerSecond = "stuck_motion_threshold_mm_per_s"
        case stuckForceResolutionNewtons = "stuck_force_resolution_n"
        case stuckDetectionTimeMilliseconds = "stuck_detection_time_ms"
        case stuckDetectionMinForceNewtons = "stuck_detection_min_force_n"
        case plausibilityToleranceFraction = "plausibility_tolerance_fraction"
        case plausibilityToleranceMinNewtons = "plausibility_tolerance_min_n"
        case plausibilityDetectionTimeMilliseconds = "plausibility_detection_time_ms"
        case patientSwitchDisagreementMilliseconds = "patient_switch_disagreement_ms"
        case angleDriftToleranceDegrees = "angle_drift_tolerance_deg"
        case angleFollowingErrorDegrees = "angle_following_error_deg"
        case angleFollowingErrorTimeMilliseconds = "angle_following_error_time_ms"
        case angleRangeMarginDegrees = "angle_range_margin_deg"
        case overrunWindowSeconds = "overrun_window_s"
        case overrunBudget = "overrun_budget"
        case overrunHardBudget = "overrun_hard_budget"
        case maxTractionSpeedMillimetresPerSecond = "max_traction_speed_mm_per_s"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws { value = try c.setting(key, default: value) }
        try read(.overForceDebounceSamples, &overForceDebounceSamples)
        try read(.overForceToleranceFraction, &overForceToleranceFraction)
        try read(.overForceToleranceMinNewtons, &overForceToleranceMinNewtons)
        try read(.idleForceLimitNewtons, &idleForceLimitNewtons)
        try read(.slackForceNewtons, &slackForceNewtons)
        try read(.maxForceRateNewtonsPerSecond, &maxForceRateNewtonsPerSecond)
        try read(.measuredForceRateLimitNewtonsPerSecond, &measuredForceRateLimitNewtonsPerSecond)
        try read(.forceRateWindowMilliseconds, &forceRateWindowMilliseconds)
        try read(.staleTelemetryPeriods, &staleTelemetryPeriods)
        try read(.telemetryLossTimeoutMilliseconds, &telemetryLossTimeoutMilliseconds)
        try read(.commandLeaseMilliseconds, &commandLeaseMilliseconds)
        try read(.loadCellMinNewtons, &loadCellMinNewtons)
        try read(.loadCellMaxNewtons, &loadCellMaxNewtons)
        try read(.stuckMotionThresholdMillimetresPerSecond, &stuckMotionThresholdMillimetresPerSecond)
        try read(.stuckForceResolutionNewtons, &stuckForceResolutionNewtons)
        try read(.stuckDetectionTimeMilliseconds, &stuckDetectionTimeMilliseconds)
        try read(.stuckDetectionMinForceNewtons, &stuckDetectionMinForceNewtons)
        try read(.plausibilityToleranceFraction, &plausibilityToleranceFraction)
        try read(.plausibilityToleranceMinNewtons, &plausibilityToleranceMinNewtons)
        try read(.plausibilityDetectionTimeMilliseconds, &plausibilityDetectionTimeMilliseconds)
        try read(.patientSwitchDisagreementMilliseconds, &patientSwitchDisagreementMilliseconds)
        try read(.angleDriftToleranceDegrees, &angleDriftToleranceDegrees)
        try read(.angleFollowingErrorDegrees, &angleFollowingErrorDegrees)
        try read(.angleFollowingErrorTimeMilliseconds, &angleFollowingErrorTimeMilliseconds)
        try read(.angleRangeMarginDegrees, &angleRangeMarginDegrees)
        try read(.overrunWindowSeconds, &overrunWindowSeconds)
        try read(.overrunBudget, &overrunBudget)
        try read(.overrunHardBudget, &overrunHardBudget)
        try read(.maxTractionSpeedMillimetresPerSecond, &maxTractionSpeedMillimetresPerSecond)
    }
}
