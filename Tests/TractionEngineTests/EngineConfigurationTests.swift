import Testing
import TractionDevice
import TractionPlant
@testable import TractionEngine

/// The loop rates the engine accepts: 250 to 1000 Hz, because the safety
/// kernel counts its H1 debounce in ticks of at most 4 ms.
@Suite struct EngineConfigurationTests {
    @Test func rateBelow250HzIsRefusedAndTheMessageNamesRateValueAndRange() {
        let configuration = EngineConfiguration(rateHertz: 249)
        #expect(throws: EngineConfigurationError.rate(249)) { try configuration.validate() }
        let text = EngineConfigurationError.rate(249).description
        #expect(text == "engine configuration: rateHertz = 249 Hz: must be from 250 to 1000 Hz "
                + "(the safety kernel needs a tick of at most 4 ms)")
    }

    @Test(arguments: [250.0, 312.5, 500, 1000])
    func ratesFrom250To1000HzAreAccepted(_ rate: Double) throws {
        try EngineConfiguration(rateHertz: rate).validate()
    }

    @Test(arguments: [0.0, 100, 249.9, 1000.5, .infinity, .nan])
    func ratesOutsideTheRangeAreRefused(_ rate: Double) {
        #expect(throws: EngineConfigurationError.self) { try EngineConfiguration(rateHertz: rate).validate() }
    }

    @Test func theBoundsAreTheDocumentedOnes() {
        #expect(EngineConfiguration.allowedRates == 250...1000)
        #expect(EngineConfiguration.rateText(312.5) == "312.5")
    }

    /// Wire protocol section 9.4: staleness counts the table's declared
    /// periods (never shorter than the loop's), and a slow table's loss
    /// timeout survives one lost frame without passing the H5 bound.
    @Test(arguments: [50.0, 100, 125, 250, 500, 800])
    func theKernelJudgesTheTableByTheRateItDeclared(rate: Double) throws {
        var identity = PlantConfiguration().identity
        identity.telemetryRateHertz = rate
        for configuredLoss in [Seconds(0.010), Seconds(0.050)] {
            var configuration = EngineConfiguration(rateHertz: 250)
            configuration.safety.telemetryLossTimeout = configuredLoss
            let adapted = configuration.adapted(to: identity).safety
            let tablePeriod = Seconds(1 / rate)
            #expect(adapted.telemetryPeriod == max(Seconds(0.004), tablePeriod))
            #expect(adapted.telemetryLossTimeout <= Seconds(0.050))
            #expect(adapted.telemetryLossTimeout >= configuredLoss)
            #expect(adapted.telemetryLossTimeout >= tablePeriod * 2.2, "one lost frame and its jitter survive")
            #expect(adapted.telemetryLossTimeout > adapted.telemetryPeriod * adapted.staleTelemetryPeriods,
                    "the link goes stale before it is lost")
            try adapted.validate()
        }
    }
}
