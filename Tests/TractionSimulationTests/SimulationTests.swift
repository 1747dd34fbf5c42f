import Testing
import TractionDevice
@testable import TractionSimulation

@Suite struct ScenarioTests {
    @Test func aSeedAlwaysGivesTheSameScenario() {
        for seed: UInt64 in [1, 2, 77, 123_456] {
            #expect(ScenarioGenerator.scenario(seed: seed) == ScenarioGenerator.scenario(seed: seed))
            #expect(ScenarioGenerator.scenario(seed: seed).summary == ScenarioGenerator.scenario(seed: seed).summary)
        }
        #expect(ScenarioGenerator.scenario(seed: 1).summary != ScenarioGenerator.scenario(seed: 2).summary)
    }
}
