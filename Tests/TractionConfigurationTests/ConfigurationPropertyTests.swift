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

    static func configuration(_ genes: [Double], stretch: Double) -> DaemonConfiguration {
        var g = Genes(genes: genes)
        var c = DaemonConfiguration()
        c.loop.rateHertz = g.value(250...1000, stretch: stretch)
        c.device.baud = [460_800, 921_600, 115_200][min(2, Int(g.value(0...2.99, stretch: 0)))]
        c.limits.deviceForceCapNewtons = g.value(300...1000, stretch: stretch)
        c.limits.lumbar.forceCapNewtons = g.value(100...900, stretch: stretch)
        c.limits.cervical.forceCapNewtons = g.value(50...250, stretch: stretch)
        c.limits.lumbar.maxBodyWeightFraction = g.value(0.3...1, stretch: stretch)
        c.limits.lumbar.firstSessionBodyWeightFraction = g.value(0.01...0.5, stretch: stretch)
        c.limits.cervical.confirmationBodyWeightFraction = g.value(0.01...0.3, stretch: stretch)
        c.limits.nonTherapeuticForceNewtons = g.value(10...50, stretch: stretch)
        c.limits.defaultReleaseRateNewtonsPerSecond = g.value(1...50, stretch: stretch)
        c.limits.maxReleaseRateNewtonsPerSecond = g.value(20...100, stretch: stretch)
        c.limits.defaultRampRateNewtonsPerSecond = g.value(1...20, stretch: stretch)
        c.limits.maxRampRateNewtonsPerSecond = g.value(10...30, stretch: stretch)
        c.limits.patientWeightMinKilograms = g.value(10...80, stretch: stretch)
        c.limits.patientWeightMaxKilograms = g.value(120...300, stretch: stretch)
        c.simulation.patientWeightKilograms = g.value(80...120, stretch: stretch)
        c.limits.safety.overForceToleranceFraction = g.value(0...0.2, stretch: stretch)
        c.limits.safety.overForceToleranceMinNewtons = g.value(0...50, stretch: stretch)
        c.limits.safety.overForceDebounceSamples = g.integer(1...2, stretch: stretch)
        c.limits.safety.idleForceLimitNewtons = g.value(50...100, stretch: stretch)
        c.limits.safety.slackForceNewtons = g.value(1...20, stretch: stretch)
        c.limits.safety.maxForceRateNewtonsPerSecond = g.value(20...30, stretch: stretch)
        c.limits.safety.telemetryLossTimeoutMilliseconds = g.value(10...50, stretch: stretch)
        c.limits.safety.commandLeaseMilliseconds = g.value(10...100, stretch: stretch)
        c.limits.safety.stuckDetectionTimeMilliseconds = g.value(10...100, stretch: stretch)
        c.limits.safety.plausibilityDetectionTimeMilliseconds = g.value(10...100, stretch: stretch)
        c.limits.safety.staleTelemetryPeriods = g.value(1...2, stretch: stretch)
        c.limits.safety.overrunBudget = g.integer(0...30, stretch: stretch)
        c.limits.safety.overrunHardBudget = g.integer(10...60, stretch: stretch)
        return c
    }

    static let genome = Gen.double(in: 0...1).array(of: 40)

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
            limits.safety.overForceToleranceMinNewtons = max(1, min(limits.safety.overForceToleranceMinNewtons, 10))
            limits.safety.overForceToleranceFraction = max(limits.safety.overForceToleranceFraction, 0.01)
            limits.safety.plausibilityToleranceMinNewtons = min(limits.safety.plausibilityToleranceMinNewtons,
                                                                limits.safety.overForceToleranceMinNewtons / 2)
            limits.safety.plausibilityToleranceFraction = min(limits.safety.plausibilityToleranceFraction,
                                                              limits.safety.overForceToleranceFraction / 2)
            limits.lumbar.forceCapNewtons = max(limits.lumbar.forceCapNewtons, limits.safety.idleForceLimitNewtons + 1)
            limits.safety.overrunHardBudget = max(limits.safety.overrunHardBudget, limits.safety.overrunBudget + 1)
            limits.defaultReleaseRateNewtonsPerSecond = min(limits.defaultReleaseRateNewtonsPerSecond,
                                                            limits.maxReleaseRateNewtonsPerSecond)
            limits.defaultRampRateNewtonsPerSecond = min(limits.defaultRampRateNewtonsPerSecond,
                                                         limits.maxRampRateNewtonsPerSecond)
            limits.maxRampRateNewtonsPerSecond = min(limits.maxRampRateNewtonsPerSecond,
                                                     limits.safety.maxForceRateNewtonsPerSecond)
            limits.defaultRampRateNewtonsPerSecond = min(limits.defaultRampRateNewtonsPerSecond,
                                                         limits.maxRampRateNewtonsPerSecond)
            limits.nonTherapeuticForceNewtons = min(limits.nonTherapeuticForceNewtons, limits.safety.idleForceLimitNewtons)
            limits.safety.slackForceNewtons = min(limits.safety.slackForceNewtons, limits.nonTherapeuticForceNewtons - 1)
            limits.cervical.forceCapNewtons = max(limits.cervical.forceCapNewtons, limits.safety.idleForceLimitNewtons + 1)
            // Whole newtons of margin above both region caps, so rounding in
            // cap + tolerance can never cross the device cap (seen once:
            // a cap of 502.00000000000006 N against a bound of 502 N).
            let highestRegionCap = max(limits.lumbar.forceCapNewtons, limits.cervical.forceCapNewtons)
            limits.deviceForceCapNewtons = max(limits.deviceForceCapNewtons,
                                               (highestRegionCap + limits.safety.overForceToleranceMinNewtons).rounded(.up) + 1)
            limits.lumbar.firstSessionBodyWeightFraction = min(limits.lumbar.firstSessionBodyWeightFraction,
                                                               limits.lumbar.maxBodyWeightFraction)
            limits.lumbar.confirmationBodyWeightFraction = min(limits.lumbar.confirmationBodyWeightFraction,
                                                               limits.lumbar.maxBodyWeightFraction)
            limits.cervical.confirmationBodyWeightFraction = min(limits.cervical.confirmationBodyWeightFraction,
                                                                 limits.cervical.maxBodyWeightFraction)
            configuration.limits = limits
            configuration.device.baud = configuration.loop.rateHertz > 680 ? 921_600 : 460_800
            #expect(configuration.problems() == [])
        }
    }
}
