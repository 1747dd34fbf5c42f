import Foundation
import Testing
import TractionDevice
import TractionPlant
import TractionTherapy
@testable import TractionSimulation

@Suite struct ScenarioTests {
    @Test func aSeedAlwaysGivesTheSameScenario() {
        for seed: UInt64 in [1, 2, 77, 123_456] {
            #expect(ScenarioGenerator.scenario(seed: seed) == ScenarioGenerator.scenario(seed: seed))
            #expect(ScenarioGenerator.scenario(seed: seed).summary == ScenarioGenerator.scenario(seed: seed).summary)
        }
        #expect(ScenarioGenerator.scenario(seed: 1).summary != ScenarioGenerator.scenario(seed: 2).summary)
    }

    @Test func theGeneratorCoversTheFaultSpace() {
        var kinds: Set<String> = []
        var rates: Set<Double> = []
        var literal = false
        for seed: UInt64 in 1...2000 {
            let scenario = ScenarioGenerator.scenario(seed: seed)
            rates.insert(scenario.link.telemetryRateHertz)
            literal = literal || !scenario.variant.releasesOnPatientSwitch
            #expect((40...150).contains(scenario.weight))
            #expect((50...800).contains(scenario.link.telemetryRateHertz))
            for event in scenario.events {
                kinds.insert(String(describing: event.kind).prefix { $0 != "(" }.description)
            }
        }
        let expected = ["arm", "start", "pause", "resume", "adjust", "stop", "acknowledgeAll", "reset", "reload",
                        "cough", "shift", "tensing", "patientSwitch", "sensorOffset", "sensorGain", "sensorStuck",
                        "driveFault", "powerLoss", "emergencyStop", "harnessOpen", "releaseStall", "frameDrops",
                        "frameCorruption", "frameDelay", "linkStall", "tickLateness", "overruns", "restart"]
        for kind in expected { #expect(kinds.contains(kind), "no \(kind) in 2000 seeds") }
        #expect(rates.count > 50)
        #expect(literal)
    }
}

@Suite struct SimulationRunTests {
    let directory = SimulationPaths.stateDirectory(worker: Int.random(in: 1000...100_000))

    @Test func aRunIsReproducible() {
        let first = Simulation.run(ScenarioGenerator.scenario(seed: 42), stateDirectory: directory)
        let second = Simulation.run(ScenarioGenerator.scenario(seed: 42), stateDirectory: directory)
        #expect(first.ticks == second.ticks)
        #expect(first.checks == second.checks)
        #expect(first.trace == second.trace)
        #expect(first.checks > 1000)
    }

    @Test func aCalmSessionRunsToItsEndAndBreaksNothing() {
        var scenario = ScenarioGenerator.scenario(seed: 3)
        scenario.events = scenario.events.filter(\.kind.isOperatorAction)
        let result = Simulation.run(scenario, stateDirectory: directory)
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.trace.contains { $0.contains("treating") })
    }

    /// The oracle can fail: a table whose release stalls while the patient
    /// presses the switch with no host to escalate is caught (the H7 bound
    /// is judged on the plant, not on what the daemon believes).
    @Test func theOracleCatchesAnOverForceTheDaemonCannotSee() {
        var scenario = ScenarioGenerator.scenario(seed: 3)
        scenario.events = scenario.events.filter(\.kind.isOperatorAction)
        // Both channels read 60 % low for the whole run: no cross-check can
        // see it, and the true force passes the limit with no release.
        let start = scenario.events.first?.at ?? 0
        scenario.events.append(ScenarioEvent(at: start, kind: .sensorGain(.loadCell, error: -0.6, duration: 1000)))
        scenario.events.append(ScenarioEvent(at: start, kind: .sensorGain(.redundant, error: -0.6, duration: 1000)))
        scenario.events.sort { $0.at < $1.at }
        let result = Simulation.run(scenario, stateDirectory: directory)
        #expect(result.violations.contains { $0.invariant == .overForce }, "\(result.violations)")
    }

    @Test func theShrinkerKeepsTheBreakAndDropsTheRest() throws {
        var scenario = ScenarioGenerator.scenario(seed: 3)
        scenario.events.append(ScenarioEvent(at: 0.5, kind: .sensorGain(.loadCell, error: -0.6, duration: 1000)))
        scenario.events.append(ScenarioEvent(at: 0.5, kind: .sensorGain(.redundant, error: -0.6, duration: 1000)))
        scenario.events.sort { $0.at < $1.at }
        let outcome = try #require(Shrinker.shrink(scenario, stateDirectory: directory, maximumRuns: 60))
        #expect(outcome.invariant == .overForce)
        let kept = outcome.keep.map { scenario.events[$0].kind }
        // Both channels must read low for the break; arm and start are needed too.
        #expect(kept.contains(.sensorGain(.loadCell, error: -0.6, duration: 1000)))
        #expect(kept.contains(.sensorGain(.redundant, error: -0.6, duration: 1000)))
        #expect(kept.count < scenario.events.count)
        #expect(outcome.duration <= scenario.duration)
    }

    @Test(arguments: RegressionSeeds.fixed)
    func aFixedRegressionSeedPasses(_ regression: RegressionSeeds.Seed) {
        let result = Simulation.run(regression.scenario, stateDirectory: directory)
        #expect(result.violations.isEmpty, "\(regression.name): \(result.violations)")
    }

    @Test(arguments: RegressionSeeds.knownFailing)
    func aKnownFailingSeedStillFails(_ regression: RegressionSeeds.Seed) {
        let result = Simulation.run(regression.scenario, stateDirectory: directory)
        #expect(!result.violations.isEmpty, "\(regression.name) passes now: move it to RegressionSeeds.fixed")
    }
}
