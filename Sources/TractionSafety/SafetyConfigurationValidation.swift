import TractionDevice

/// Why a safety configuration was rejected: the field, the value found and
/// the rule it breaks, so a technician can correct the file.
public struct SafetyConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `SafetyConfiguration` field at fault.
    public var field: String
    /// The offending value, as written.
    public var value: String
    /// The rule the value breaks, often a bound of SAFETY.md.
    public var rule: String

    public var description: String { "safety configuration: \(field) = \(value): \(rule)" }
}

extension SafetyConfiguration {
    /// The bounds SAFETY.md sets, which no configuration may loosen.
    public enum RequiredBounds {
        /// H1: over-force reaction within 2 ticks.
        public static let maximumOverForceDebounceSamples = 2
        /// H4: sensor faults detected within 100 ms.
        public static let sensorDetectionBound: Seconds = 0.100
        /// H5: the host declares the link lost within 50 ms.
        public static let linkLossBound: Seconds = 0.050
        /// H5/H6: the table releases within 100 ms of the last valid command.
        public static let leaseBound: Seconds = 0.100
        /// H19: a release that does not progress is found within 2 s.
        public static let releaseProgressBound: Seconds = 2.0
    }

    /// Checks that every threshold is usable and that none loosens a bound
    /// of SAFETY.md. The daemon calls this before building a kernel, so a
    /// bad file is refused at start, never discovered during a session.
    /// Throws the first problem found.
    public func validate() throws(SafetyConfigurationError) {
        func require(_ holds: Bool, _ field: String, _ value: some CustomStringConvertible, _ rule: String)
            throws(SafetyConfigurationError) {
            if !holds { throw SafetyConfigurationError(field: field, value: value.description, rule: rule) }
        }
        try require(tickPeriod > .zero && tickPeriod <= 0.004, "tickPeriod", tickPeriod,
                    "must be positive and at most 4 ms (the loop runs at 250–1000 Hz)")
        try require(telemetryPeriod > .zero, "telemetryPeriod", telemetryPeriod, "must be positive")
        try require(staleTelemetryPeriods >= 1, "staleTelemetryPeriods", staleTelemetryPeriods, "must be at least 1")
        try require(telemetryLossTimeout <= RequiredBounds.linkLossBound, "telemetryLossTimeout", telemetryLossTimeout,
                    "may not exceed 50 ms (SAFETY.md H5)")
        try require(telemetryLossTimeout > telemetryPeriod * staleTelemetryPeriods, "telemetryLossTimeout",
                    telemetryLossTimeout, "must be longer than the stale-telemetry threshold")
        try require(maximumCommandLease > .zero && maximumCommandLease <= RequiredBounds.leaseBound,
                    "maximumCommandLease", maximumCommandLease, "must be positive and at most 100 ms (SAFETY.md H5/H6)")
        try require((1...RequiredBounds.maximumOverForceDebounceSamples).contains(overForceDebounceSamples),
                    "overForceDebounceSamples", overForceDebounceSamples, "must be 1 or 2 (SAFETY.md H1: within 2 ticks)")
        try require(overForceToleranceFraction >= 0 && overForceToleranceFraction <= 0.2, "overForceToleranceFraction",
                    overForceToleranceFraction, "must be between 0 and 0.2")
        try require(overForceToleranceMinimum >= .zero && overForceToleranceMinimum <= 50, "overForceToleranceMinimum",
                    overForceToleranceMinimum, "must be between 0 and 50 N")
        for (field, cap) in [("deviceForceCap", deviceForceCap), ("lumbarForceCap", lumbarForceCap),
                             ("cervicalForceCap", cervicalForceCap)] {
            try require(cap > idleForceLimit && cap <= 1000, field, cap,
                        "must be above the idle force limit and at most 1000 N")
        }
        try require(slackForce > DefaultForceLimits.tableSlackBound && slackForce < nonTherapeuticForce, "slackForce",
                    slackForce, "must be above a table's slack bound of \(DefaultForceLimits.tableSlackBound.value) N "
                        + "(docs/wire-protocol.md section 10.2) and below the non-therapeutic force")
        try require(idleForceLimit >= nonTherapeuticForce, "idleForceLimit", idleForceLimit,
                    "must be at least the non-therapeutic force, at which angles may be set")
        try require(maximumForceRate > .zero && maximumForceRate <= measuredForceRateLimit, "maximumForceRate",
                    maximumForceRate, "must be positive and at most the measured-rate alarm limit")
        try require(forceRateWindow > .zero, "forceRateWindow", forceRateWindow, "must be positive")
        try require(loadCellMinimum < .zero && loadCellMaximum > deviceForceCap, "loadCellMaximum", loadCellMaximum,
                    "the valid range must include 0 and the device cap")
        try require(stuckDetectionTime > .zero && stuckDetectionTime <= RequiredBounds.sensorDetectionBound,
                    "stuckDetectionTime", stuckDetectionTime, "must be positive and at most 100 ms (SAFETY.md H4)")
        try require(plausibilityDetectionTime > .zero && plausibilityDetectionTime <= RequiredBounds.sensorDetectionBound,
                    "plausibilityDetectionTime", plausibilityDetectionTime,
                    "must be positive and at most 100 ms (SAFETY.md H4)")
        try require(stuckMotionThreshold > .zero && stuckForceResolution > .zero, "stuckForceResolution",
                    stuckForceResolution, "motion threshold and resolution must be positive")
        try require(plausibilityToleranceMinimum > .zero && plausibilityToleranceMinimum < overForceToleranceMinimum,
                    "plausibilityToleranceMinimum", plausibilityToleranceMinimum,
                    "must be positive and below overForceToleranceMinimum (H4 must name a disagreeing force channel "
                        + "before its error reaches the over-force tolerance)")
        try require(plausibilityToleranceFraction > 0 && plausibilityToleranceFraction < overForceToleranceFraction,
                    "plausibilityToleranceFraction", plausibilityToleranceFraction,
                    "must be positive and below overForceToleranceFraction (H4 must name a disagreeing force channel "
                        + "before its error reaches the over-force tolerance)")
        try require(releaseProgressWindow > .zero && releaseProgressWindow <= RequiredBounds.releaseProgressBound,
                    "releaseProgressWindow", releaseProgressWindow,
                    "must be positive and at most 2 s (docs/safety.md H19)")
        try require(releaseProgressMinimum > .zero && releaseProgressMinimumFraction >= 0
                        && releaseProgressMinimumFraction < 0.5,
                    "releaseProgressMinimumFraction", releaseProgressMinimumFraction,
                    "the release's least progress must be positive and below half the force")
        try require(patientSwitchDisagreementTime > .zero && patientSwitchDisagreementTime <= 0.1,
                    "patientSwitchDisagreementTime", patientSwitchDisagreementTime, "must be positive and at most 100 ms")
        for range in angleAxes {
            try require(range.minimum < range.maximum && range.maximumRate > .zero, "angleAxes.\(range.axis.rawValue)",
                        "\(range.minimum)…\(range.maximum) at \(range.maximumRate)",
                        "needs minimum < maximum and a positive top speed")
        }
        try require(Set(angleAxes.map(\.axis)).count == angleAxes.count, "angleAxes", angleAxes.count,
                    "lists an axis twice")
        try require(overrunBudget >= 0 && overrunHardBudget > overrunBudget, "overrunHardBudget", overrunHardBudget,
                    "must exceed the overrun budget")
        try require(overrunWindow > .zero, "overrunWindow", overrunWindow, "must be positive")
        try require(maximumTractionSpeed > .zero, "maximumTractionSpeed", maximumTractionSpeed, "must be positive")
    }
}
