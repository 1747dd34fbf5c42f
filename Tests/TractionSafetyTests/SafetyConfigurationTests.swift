import Testing
import TractionDevice
@testable import TractionSafety

@Suite
struct SafetyConfigurationTests {
    @Test func defaultsAreValid() throws {
        try SafetyConfiguration().validate()
    }

    @Test func defaultsKeepTheBoundsOfSafetyRequirements() {
        let configuration = SafetyConfiguration()
        #expect(configuration.overForceDebounceSamples == 2)
        #expect(configuration.telemetryLossTimeout == 0.050)
        #expect(configuration.staleTelemetryPeriods == 2)
        #expect(configuration.stuckDetectionTime <= 0.100 && configuration.plausibilityDetectionTime <= 0.100)
        #expect(configuration.maximumCommandLease <= 0.100)
        #expect(configuration.hardCap(for: .lumbar) <= configuration.deviceForceCap)
        #expect(configuration.hardCap(for: .cervical) < configuration.hardCap(for: .lumbar))
    }

    @Test func configurationLooseningASafetyBoundIsRefusedWithItsField() {
        var configuration = SafetyConfiguration()
        configuration.telemetryLossTimeout = 0.2
        #expect(throws: SafetyConfigurationError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.field == "telemetryLossTimeout")
            #expect(error.value == "0.2 s")
            #expect(error.description.contains("H5"))
        }
    }

    @Test func everyBoundOfSafetyRequirementsIsEnforced() {
        let loosenings: [(String, (inout SafetyConfiguration) -> Void)] = [
            ("overForceDebounceSamples", { $0.overForceDebounceSamples = 3 }),
            ("stuckDetectionTime", { $0.stuckDetectionTime = 0.2 }),
            ("plausibilityDetectionTime", { $0.plausibilityDetectionTime = 0.15 }),
            ("maximumCommandLease", { $0.maximumCommandLease = 0.5 }),
            ("overrunHardBudget", { $0.overrunHardBudget = 2 }),
            ("slackForce", { $0.slackForce = 80 }),
            ("angleAxes.flexion", { $0.angleAxes[0] = AngleAxisRange(axis: .flexion, minimum: 10, maximum: 0, maximumRate: 2) }),
        ]
        for (field, loosen) in loosenings {
            var configuration = SafetyConfiguration()
            loosen(&configuration)
            #expect(throws: SafetyConfigurationError.self, "\(field)") { try configuration.validate() }
            do { try configuration.validate() } catch { #expect(error.field == field) }
        }
    }
}
