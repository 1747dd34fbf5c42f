import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// One key of the configuration's `limits` section, defined once: where it
/// is written in the file, its unit, its allowed range, the hazard it
/// serves, and where its value lives in the typed limits the engine runs
/// with (`TherapyLimits`, `SafetyConfiguration`, `SelfTestCriteria`). Its
/// default is the typed limits' own default, read through `read`, so no
/// number is written twice. Decoding, encoding, range validation and the
/// check of docs/configuration.md (`ConfigurationDocumentationTests`) all
/// walk `LimitSetting.all`.
public struct LimitSetting: Sendable {
    /// The full key path, e.g. `limits.safety.over_force_tolerance_fraction`.
    public let key: String
    /// The unit as docs/configuration.md writes it (`N`, `ms`, `share`...).
    public let unit: String
    /// The values a file may give, in the file's unit.
    public let range: ClosedRange<Double>
    /// The hazards of docs/safety.md the key serves, e.g. `H1, H2`.
    public let hazard: String
    /// When the top of `range` is a SAFETY.md bound, the bound in words: a
    /// value above it is refused as loosening it.
    public let safetyBound: String?
    /// The file must give a whole number.
    public let isInteger: Bool
    /// The value in the file's unit.
    public let read: @Sendable (LimitsSection) -> Double
    /// Stores a value given in the file's unit.
    let write: @Sendable (inout LimitsSection, Double) -> Void

    /// The unit as a message writes it after a number: none for a share or a count.
    var messageUnit: String { ["share", "periods", "samples", "misses"].contains(unit) ? "" : unit }

    /// The default: what a file without this key runs with.
    public var defaultValue: Double { read(LimitsSection()) }

    /// The key below `limits.`, split at its dots: `["safety", "slack_force_n"]`.
    var components: [String] { key.split(separator: ".").dropFirst().map(String.init) }
}

/// A key path into the limits that a `Sendable` table may hold (a literal
/// key path over value types is `Sendable`).
typealias LimitPath<Value> = WritableKeyPath<LimitsSection, Value> & Sendable

extension LimitSetting {
    init<Value>(_ key: String, _ unit: String, _ range: ClosedRange<Double>, _ hazard: String,
                bound: String? = nil, _ path: LimitPath<Value>,
                toFile: @escaping @Sendable (Value) -> Double, fromFile: @escaping @Sendable (Double) -> Value,
                integer: Bool = false) {
        self.init(key: key, unit: unit, range: range, hazard: hazard, safetyBound: bound, isInteger: integer,
                  read: { toFile($0[keyPath: path]) }, write: { $0[keyPath: path] = fromFile($1) })
    }

    static func newtons(_ key: String, _ range: ClosedRange<Double>, _ hazard: String, bound: String? = nil,
                        _ path: LimitPath<Newtons>) -> LimitSetting {
        LimitSetting(key, "N", range, hazard, bound: bound, path, toFile: \.value, fromFile: { Newtons($0) })
    }

    static func share(_ key: String, _ range: ClosedRange<Double>, _ hazard: String, bound: String? = nil,
                      _ path: LimitPath<Double>) -> LimitSetting {
        LimitSetting(key, "share", range, hazard, bound: bound, path, toFile: { $0 }, fromFile: { $0 })
    }

    static func rate(_ key: String, _ range: ClosedRange<Double>, _ hazard: String, bound: String? = nil,
                     _ path: LimitPath<NewtonsPerSecond>) -> LimitSetting {
        LimitSetting(key, "N/s", range, hazard, bound: bound, path, toFile: \.value, fromFile: { NewtonsPerSecond($0) })
    }

    /// A duration the file gives in milliseconds.
    static func milliseconds(_ key: String, _ range: ClosedRange<Double>, _ hazard: String, bound: String? = nil,
                             _ path: LimitPath<Seconds>) -> LimitSetting {
        LimitSetting(key, "ms", range, hazard, bound: bound, path, toFile: { $0.value * 1000 },
                     fromFile: { Seconds($0 / 1000) })
    }

    static func seconds(_ key: String, _ range: ClosedRange<Double>, _ hazard: String,
                        _ path: LimitPath<Seconds>) -> LimitSetting {
        LimitSetting(key, "s", range, hazard, path, toFile: \.value, fromFile: { Seconds($0) })
    }

    static func kilograms(_ key: String, _ range: ClosedRange<Double>, _ hazard: String,
                          _ path: LimitPath<Kilograms>) -> LimitSetting {
        LimitSetting(key, "kg", range, hazard, path, toFile: \.value, fromFile: { Kilograms($0) })
    }

    static func speed(_ key: String, _ range: ClosedRange<Double>, _ hazard: String,
                      _ path: LimitPath<MillimetresPerSecond>) -> LimitSetting {
        LimitSetting(key, "mm/s", range, hazard, path, toFile: \.value, fromFile: { MillimetresPerSecond($0) })
    }

    static func degrees(_ key: String, _ range: ClosedRange<Double>, _ hazard: String,
                        _ path: LimitPath<Degrees>) -> LimitSetting {
        LimitSetting(key, "°", range, hazard, path, toFile: \.value, fromFile: { Degrees($0) })
    }

    static func plain(_ key: String, _ unit: String, _ range: ClosedRange<Double>, _ hazard: String,
                      bound: String? = nil, _ path: LimitPath<Double>) -> LimitSetting {
        LimitSetting(key, unit, range, hazard, bound: bound, path, toFile: { $0 }, fromFile: { $0 })
    }

    static func count(_ key: String, _ unit: String, _ range: ClosedRange<Double>, _ hazard: String,
                      bound: String? = nil, _ path: LimitPath<Int>) -> LimitSetting {
        // Validation keeps the value within `range` before it is used, and
        // the decoder reads a whole number, so saturation never bites.
        LimitSetting(key, unit, range, hazard, bound: bound, path, toFile: Double.init,
                     fromFile: { Int(saturating: $0) }, integer: true)
    }
}

extension LimitSetting {
    typealias Bound = DaemonConfiguration.SafetyBound

    /// Every key of `limits`, in the order docs/configuration.md lists them.
    public static let all: [LimitSetting] = makeAll()

    private static func makeAll() -> [LimitSetting] {
        var settings: [LimitSetting] = []
        for (name, capRange) in [("lumbar", 100.0...900), ("cervical", 50.0...250)] {
            let region: LimitPath<TherapyLimits.Region> = name == "lumbar" ? \.therapy.lumbar : \.therapy.cervical
            let prefix = "limits.\(name)."
            settings.append(LimitSetting(key: prefix + "force_cap_n", unit: "N", range: capRange, hazard: "H2, H12",
                                         safetyBound: nil, isInteger: false,
                                         read: { $0[keyPath: region].forceCap.value },
                                         write: { $0[keyPath: region].forceCap = Newtons($1) }))
            settings.append(regionShare(prefix + "max_body_weight_fraction", region, \.maximumBodyWeightFraction))
            settings.append(regionShare(prefix + "first_session_body_weight_fraction", region,
                                        \.firstSessionBodyWeightFraction))
            settings.append(regionShare(prefix + "confirmation_body_weight_fraction", region,
                                        \.confirmationBodyWeightFraction))
        }
        let riseBound = "H3: faster than 30 N/s is outside clinical practice"
        // One key, two places: the planner's cap and the kernel's.
        settings.append(LimitSetting(key: "limits.device_force_cap_n", unit: "N", range: 100...1000, hazard: "H2", safetyBound: nil,
            isInteger: false, read: { $0.therapy.deviceForceCap.value },
            write: { $0.therapy.deviceForceCap = Newtons($1); $0.safety.deviceForceCap = Newtons($1) }))
        settings.append(LimitSetting(key: "limits.non_therapeutic_force_n", unit: "N", range: 10...100, hazard: "H9",
            safetyBound: nil, isInteger: false, read: { $0.therapy.nonTherapeuticForce.value },
            write: { $0.therapy.nonTherapeuticForce = Newtons($1); $0.safety.nonTherapeuticForce = Newtons($1) }))
        settings.append(.rate("limits.default_release_rate_n_per_s", 1...50, "H1, H7", \.therapy.defaultReleaseRate))
        settings.append(.rate("limits.max_release_rate_n_per_s", 1...100, "H3", \.therapy.maximumReleaseRate))
        settings.append(.rate("limits.default_ramp_rate_n_per_s", 1...Bound.forceRiseNewtonsPerSecond, "H3", bound: riseBound,
            \.therapy.defaultRampRate))
        settings.append(.rate("limits.max_ramp_rate_n_per_s", 1...Bound.forceRiseNewtonsPerSecond, "H3", bound: riseBound,
            \.therapy.maximumRampRate))
        settings.append(.kilograms("limits.patient_weight_min_kg", 10...150, "H12", \.patientWeightMinimum))
        settings.append(.kilograms("limits.patient_weight_max_kg", 30...300, "H12", \.patientWeightMaximum))
        settings.append(.seconds("limits.max_session_duration_s", 60...7200, "H12", \.therapy.maximumSessionDuration))
        settings.append(.share("limits.approach_margin_fraction", 0...0.1, "H1", \.therapy.limitApproachFraction))
        settings.append(.newtons("limits.approach_margin_min_n", 0.5...20, "H1", \.therapy.limitApproachMinimum))
        settings.append(.share("limits.table_ceiling_margin_fraction", 0...0.1, "H1", \.therapy.tableCeilingMarginFraction))
        settings.append(.newtons("limits.table_ceiling_margin_min_n", 0...20, "H1", \.therapy.tableCeilingMarginMinimum))
        settings.append(.milliseconds("limits.self_test.duration_ms", 100...5000, "H4, H6", \.selfTest.duration))
        settings.append(.newtons("limits.self_test.largest_idle_force_n", 5...50, "H6", \.selfTest.largestIdleForce))
        settings.append(.newtons("limits.self_test.largest_channel_disagreement_n", 1...30, "H4",
            \.selfTest.largestSensorDisagreement))
        let sensor = "H4: sensor faults are detected within 100 ms"
        settings.append(.count("limits.safety.over_force_debounce_samples", "samples", 1...Double(Bound.overForceDebounceSamples),
            "H1", bound: "H1: the over-force reaction comes within 2 ticks", \.safety.overForceDebounceSamples))
        settings.append(.share("limits.safety.over_force_tolerance_fraction", 0...0.2, "H1",
            bound: "H1: consoles hold force to +/-10 %, the standard allows at most 20 %",
            \.safety.overForceToleranceFraction))
        settings.append(.newtons("limits.safety.over_force_tolerance_min_n", 0...50, "H1, H2",
            bound: "H1: the standard allows at most +/-50 N", \.safety.overForceToleranceMinimum))
        settings.append(.newtons("limits.safety.idle_force_limit_n", 10...100, "H1", \.safety.idleForceLimit))
        settings.append(.newtons("limits.safety.slack_force_n", 6...50, "H1, H7, H19", \.safety.slackForce))
        settings.append(.rate("limits.safety.max_force_rate_n_per_s", 1...Bound.forceRiseNewtonsPerSecond, "H3", bound: riseBound,
            \.safety.maximumForceRate))
        settings.append(.rate("limits.safety.measured_force_rate_limit_n_per_s", 1...120, "H3", \.safety.measuredForceRateLimit))
        settings.append(.milliseconds("limits.safety.force_rate_window_ms", 10...500, "H3", \.safety.forceRateWindow))
        settings.append(.plain("limits.safety.stale_telemetry_periods", "periods", 1...Bound.staleTelemetryPeriods, "H5",
            bound: "H5: warn after 2 periods without telemetry", \.safety.staleTelemetryPeriods))
        settings.append(.milliseconds("limits.safety.telemetry_loss_timeout_ms", 1...Bound.telemetryLossMilliseconds, "H5",
            bound: "H5: the host declares a lost link within 50 ms", \.safety.telemetryLossTimeout))
        settings.append(.milliseconds("limits.safety.command_lease_ms", 10...Bound.commandLeaseMilliseconds, "H5, H6",
            bound: "H5/H6: the table releases within 100 ms of the last valid command",
            \.safety.maximumCommandLease))
        settings.append(.newtons("limits.safety.load_cell_min_n", -500...(-1), "H4", \.safety.loadCellMinimum))
        settings.append(.newtons("limits.safety.load_cell_max_n", 100...5000, "H4", \.safety.loadCellMaximum))
        settings.append(.speed("limits.safety.stuck_motion_threshold_mm_per_s", 0.1...10, "H4", \.safety.stuckMotionThreshold))
        settings.append(.newtons("limits.safety.stuck_force_resolution_n", 0.001...2, "H4", \.safety.stuckForceResolution))
        settings.append(.milliseconds("limits.safety.stuck_detection_time_ms", 10...Bound.sensorDetectionMilliseconds, "H4",
            bound: sensor, \.safety.stuckDetectionTime))
        settings.append(.newtons("limits.safety.stuck_detection_min_force_n", 1...200, "H4", \.safety.stuckDetectionMinimumForce))
        settings.append(.share("limits.safety.plausibility_tolerance_fraction", 0.005...0.2, "H4",
            \.safety.plausibilityToleranceFraction))
        settings.append(.newtons("limits.safety.plausibility_tolerance_min_n", 0.5...50, "H4", \.safety.plausibilityToleranceMinimum))
        settings.append(.milliseconds("limits.safety.plausibility_detection_time_ms", 10...Bound.sensorDetectionMilliseconds, "H4",
            bound: sensor, \.safety.plausibilityDetectionTime))
        settings.append(.milliseconds("limits.safety.patient_switch_disagreement_ms", 1...Bound.switchDisagreementMilliseconds,
            "H7", bound: "H7: a faulty patient switch is found within 100 ms, as a sensor fault",
            \.safety.patientSwitchDisagreementTime))
        settings.append(.degrees("limits.safety.angle_drift_tolerance_deg", 0.1...5, "H9", \.safety.angleDriftTolerance))
        settings.append(.degrees("limits.safety.angle_following_error_deg", 0.5...10, "H9", \.safety.angleFollowingErrorLimit))
        settings.append(.milliseconds("limits.safety.angle_following_error_time_ms", 10...1000, "H9", \.safety.angleFollowingErrorTime))
        settings.append(.degrees("limits.safety.angle_range_margin_deg", 0...2, "H9", \.safety.angleRangeMargin))
        settings.append(.seconds("limits.safety.overrun_window_s", 0.1...10, "H11", \.safety.overrunWindow))
        settings.append(.count("limits.safety.overrun_budget", "misses", 0...1000, "H11", \.safety.overrunBudget))
        settings.append(.count("limits.safety.overrun_hard_budget", "misses", 1...1000, "H11", \.safety.overrunHardBudget))
        settings.append(.speed("limits.safety.max_traction_speed_mm_per_s", 1...100, "H3", \.safety.maximumTractionSpeed))
        return settings
    }

    /// A share of body weight of one region (H12), 0.01 to 1.
    private static func regionShare(_ key: String, _ region: LimitPath<TherapyLimits.Region>,
                                    _ field: WritableKeyPath<TherapyLimits.Region, Double> & Sendable) -> LimitSetting {
        LimitSetting(key: key, unit: "share", range: 0.01...1, hazard: "H12", safetyBound: nil, isInteger: false,
                     read: { $0[keyPath: region][keyPath: field] },
                     write: { $0[keyPath: region][keyPath: field] = $1 })
    }

    private static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// The setting at `key`, if the schema has one.
    public static func setting(_ key: String) -> LimitSetting? { byKey[key] }
}
