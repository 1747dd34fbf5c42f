import Testing
import TractionDevice
import TractionSafety
import TractionTherapy
@testable import TractionEngine

/// What the engine answers an operator where docs/control-protocol.md
/// left it open (issue 13): a start while a session runs, an adjustment
/// during the final release, and how an opened harness ends a session.
@Suite struct OperatorAnswerTests {
    @Test func startWhileASessionRunsIsSessionInProgressNotNoSessionArmed() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(10)
        let second = rig.engine.start(confirmed: false, by: "another clinician", at: rig.now, into: &rig.log)
        #expect(second == .refused(.sessionInProgress))
        #expect(second.refusal?.code == "SESSION_IN_PROGRESS")
        #expect(rig.engine.state == .treating, "the running session goes on")
    }

    @Test func openingTheHarnessDuringTreatmentEndsTheSessionAsHarnessOpened() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(1000)
        #expect(rig.plant.trueCableForce > 20)
        rig.plant.inputs.harnessClosed = false
        rig.tick(3)
        #expect(rig.engine.lastSessionEnd == .harnessOpened)
        #expect(rig.engine.state == .releasing)
        #expect(SessionEndReason.harnessOpened.rawValue == "harness_opened")
        let endedByHarness = rig.events.contains { event in
            if case .safety(.transition(_, .releasing, .harnessOpen, let actions, _, _)) = event {
                return actions.contains(.endSession)
            }
            return false
        }
        #expect(endedByHarness, "the transition that ended it names harnessOpen as its cause")
    }

    @Test func adjustDuringTheProgramsFinalReleaseIsRefusedAsTheFinalRelease() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        let plan = try EngineRig.plan()
        #expect(rig.arm(plan) == .accepted)
        #expect(rig.start() == .accepted)
        let limit = Int((plan.totalDuration.value + 5) / EngineRig.period.value)
        var ticks = 0
        while rig.engine.plannerOutput?.activity != .release && ticks < limit {
            rig.tick()
            ticks += 1
        }
        #expect(rig.engine.plannerOutput?.activity == .release)
        #expect(rig.engine.state == .treating, "the program's own release plays in treating")
        let outcome = rig.engine.adjust(holdForce: 100, by: "clinician", at: rig.now, into: &rig.log)
        #expect(outcome == .refused(.finalReleaseUnderWay))
        #expect(outcome.refusal?.code == "NOT_ALLOWED_IN_STATE")
        #expect(outcome.refusal?.description == "not possible during the session's final release")
    }
}

extension OperatorOutcome {
    var refusal: OperatorRefusal? {
        if case .refused(let refusal) = self { return refusal }
        return nil
    }
}
