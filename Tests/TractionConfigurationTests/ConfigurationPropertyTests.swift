import PropertyBased
import Testing
import TractionConfiguration
import TractionDevice
import TractionEngine
import TractionSafety

/// Random configurations, many of them invalid: whatever validates must map
/// to an engine configuration the kernel accepts, with hard caps between the
/// therapy caps and the device cap and release rates within their bounds.
@Suite struct ConfigurationPropertyTests {
    /// Reads genes (uniform 0...1) as values of a range stretched by a
    /// quarter on each side, so bounds and cross-field rules are crossed often.
    struct Genes {
        var genes: [Double]
        var index = 0
        mutating func value(_ range: ClosedRange<Double>, stretch: Double = 0.25) -> Double {
            let gene = index < genes.count ? genes[index] : 0.5
            index += 1
            let width = range.upperBound - range.lowerBound
            return range.lowerBound - width * stretch + gene * width * (1 + 2 * stretch)
        }
        mutating func integer(_ range: ClosedRange<Int>, stretch: Double = 0.25) -> Int {
            Int(value(Double(range.lowerBound)...Double(range.upperBound), stretch: stretch).rounded())
        }
    }

    /// A configuration whose every `limits` key (from `LimitSetting.all`)
    /// and loop rate, baud and simulated weight come from `genes`.
    static func configuration(_ genes: [Double], stretch: Double) -> DaemonConfiguration {
        var g = Genes(genes: genes)
        var c = DaemonConfiguration()
        c.loop.rateHertz = g.value(250...1000, stretch: stretch)
        c.device.baud = [460_800, 921_600, 115_200][min(2, Int(g.value(0...2.99, stretch: 0)))]
        c.simulation.patientWeightKilograms = g.value(80...120, stretch: stretch)
        for setting in LimitSetting.all {
            let value = g.value(setting.range, stretch: stretch)
            c.limits.set(setting.key, setting.isInteger ? value.rounded() : value)
        }
        return c
    }

    static let genome = Gen.double(in: 0...1).array(of: 80)

    @Test func anyConfigurationThatValidatesMapsToASafeEngineConfiguration() async {
        await propertyCheck(count: 400, input: Self.genome) { genes in
            let configuration = Self.configuration(genes, stretch: 0.25)
            guard configuration.problems().isEmpty else { return }
            let engine = configuration.engineConfiguration()
            let safety = engine.safety, therapy = engine.therapyLimits
            #expect(throws: Never.self) { try safety.validate() }
            #expect(safety.lumbarForceCap >= therapy.lumbar.forceCap)
            #expect(safety.cervicalForceCap >= therapy.cervical.forceCap)
            #expect(safety.lumbarForceCap <= safety.deviceForceCap)
            #expect(safety.cervicalForceCap <= safety.deviceForceCap)
            #expect(therapy.lumbar.forceCap <= therapy.deviceForceCap)
            #expect(therapy.defaultReleaseRate <= therapy.maximumReleaseRate)
            #expect(therapy.defaultReleaseRate > .zero)
            #expect(therapy.maximumReleaseRate <= 100)
            #expect(therapy.maximumRampRate <= safety.maximumForceRate)
            #expect(safety.telemetryLossTimeout <= SafetyConfiguration.RequiredBounds.linkLossBound)
            #expect(safety.maximumCommandLease <= SafetyConfiguration.RequiredBounds.leaseBound)
            #expect(engine.commandLease <= SafetyConfiguration.RequiredBounds.leaseBound)
            #expect(engine.rateHertz >= 250 && engine.rateHertz <= 1000)
        }
    }

    /// Guards the property above against passing vacuously: inside the
    /// stated ranges (no stretch) with the cross-field rules met by
    /// construction, configurations do validate.
    @Test func configurationsWithinTheDocumentedRangesValidate() async {
        await propertyCheck(count: 200, input: Self.genome) { genes in
            var configuration = Self.configuration(genes, stretch: 0)
            var limits = configuration.limits
            func value(_ key: String) -> Double { LimitSetting.setting(key)!.read(limits) }
            func lower(_ key: String, toAtMost ceiling: Double) { limits.set(key, min(value(key), ceiling)) }
            func raise(_ key: String, toAtLeast floor: Double) { limits.set(key, max(value(key), floor)) }
            raise("limits.safety.over_force_tolerance_min_n", toAtLeast: 1)
            lower("limits.safety.over_force_tolerance_min_n", toAtMost: 10)
            raise("limits.safety.over_force_tolerance_fraction", toAtLeast: 0.01)
            lower("limits.safety.plausibility_tolerance_min_n", toAtMost: value("limits.safety.over_force_tolerance_min_n") / 2)
            lower("limits.safety.plausibility_tolerance_fraction",
                  toAtMost: value("limits.safety.over_force_tolerance_fraction") / 2)
            raise("limits.lumbar.force_cap_n", toAtLeast: value("limits.safety.idle_force_limit_n") + 1)
            raise("limits.cervical.force_cap_n", toAtLeast: value("limits.safety.idle_force_limit_n") + 1)
            lower("limits.safety.overrun_budget", toAtMost: 999)
            raise("limits.safety.overrun_hard_budget", toAtLeast: value("limits.safety.overrun_budget") + 1)
            lower("limits.default_release_rate_n_per_s", toAtMost: value("limits.max_release_rate_n_per_s"))
            lower("limits.safety.max_force_rate_n_per_s", toAtMost: value("limits.safety.measured_force_rate_limit_n_per_s"))
            lower("limits.max_ramp_rate_n_per_s", toAtMost: value("limits.safety.max_force_rate_n_per_s"))
            lower("limits.default_ramp_rate_n_per_s",
                  toAtMost: min(value("limits.max_ramp_rate_n_per_s"), value("limits.max_release_rate_n_per_s")))
            lower("limits.non_therapeutic_force_n", toAtMost: value("limits.safety.idle_force_limit_n"))
            lower("limits.safety.slack_force_n", toAtMost: value("limits.non_therapeutic_force_n") - 1)
            lower("limits.self_test.largest_idle_force_n", toAtMost: value("limits.safety.idle_force_limit_n") - 1)
            lower("limits.table_ceiling_margin_fraction", toAtMost: value("limits.approach_margin_fraction"))
            lower("limits.table_ceiling_margin_min_n", toAtMost: value("limits.approach_margin_min_n") / 2)
            // Whole newtons of margin above both region caps, so rounding in
            // cap + tolerance can never cross the device cap (seen once:
            // a cap of 502.00000000000006 N against a bound of 502 N).
            let highestRegionCap = max(value("limits.lumbar.force_cap_n"), value("limits.cervical.force_cap_n"))
            raise("limits.device_force_cap_n",
                  toAtLeast: (highestRegionCap + value("limits.safety.over_force_tolerance_min_n")).rounded(.up) + 1)
            raise("limits.safety.load_cell_max_n", toAtLeast: value("limits.device_force_cap_n") + 1)
            for region in ["lumbar", "cervical"] {
                let maximum = value("limits.\(region).max_body_weight_fraction")
                lower("limits.\(region).first_session_body_weight_fraction", toAtMost: maximum)
                lower("limits.\(region).confirmation_body_weight_fraction", toAtMost: maximum)
            }
            raise("limits.patient_weight_max_kg", toAtLeast: value("limits.patient_weight_min_kg") + 1)
            raise("limits.safety.telemetry_loss_timeout_ms",
                  toAtLeast: value("limits.safety.stale_telemetry_periods") * 1000 / configuration.loop.rateHertz + 1)
            configuration.simulation.patientWeightKilograms = min(max(configuration.simulation.patientWeightKilograms,
                                                                      value("limits.patient_weight_min_kg")),
                                                                  value("limits.patient_weight_max_kg"))
            configuration.limits = limits
            configuration.device.baud = configuration.loop.rateHertz > 680 ? 921_600 : 460_800
            #expect(configuration.problems() == [])
        }
    }
}
