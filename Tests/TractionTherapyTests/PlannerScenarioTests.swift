import Testing
import TractionDevice
@testable import TractionTherapy

/// Worked examples of the planner's semantics on `threeCycleProgram`, whose
/// timeline is: 0-20 s ramp 0→200 N, 20-30 hold, 30-35 down to 100 N, 35-40
/// rest, then two cycles of 10 s up, 10 s hold, 5 s down, 5 s rest (40-100),
/// and 100-105 s the release from 100 N at 20 N/s.
@Suite("Planner scenarios")
struct PlannerScenarioTests {
    let start = MonotonicInstant.seconds(1000)

    func plan(weight: Kilograms = 80, firstSession: Bool = false, yaml: String = threeCycleProgram,
              limits: TherapyLimits = .standard, operatorMaximum: Newtons? = nil) throws -> SessionPlan {
        try SessionPlan(program: try validProgram(yaml, limits: limits),
                        patient: PatientParameters(weight: weight, region: .lumbar, firstSession: firstSession,
                                                   operatorMaximum: operatorMaximum))
    }

    func at(_ seconds: Double) -> MonotonicInstant { start + Seconds(seconds) }

    @Test func totalSessionTimeIsKnownBeforeTheStart() throws {
        let plan = try plan()
        #expect(plan.totalDuration == 105)
        let timeline = plan.timeline
        #expect(timeline.last?.activity == .release)
        #expect(timeline.last.map { $0.start + $0.duration } == 105)
    }

    @Test func targetsFollowTheProgramWithoutEvents() throws {
        let plan = try plan()
        func output(_ seconds: Double) -> PlannerOutput { Planner.evaluate(plan, startedAt: start, events: [], at: at(seconds)) }
        #expect(output(10).targetForce == 100)
        #expect(output(10).activity == .rampUp)
        #expect(output(25).targetForce == 200)
        #expect(output(25).activity == .hold)
        #expect(output(32.5).targetForce == 150)
        #expect(output(32.5).activity == .rampDown)
        #expect(output(37).targetForce == 100)
        #expect(output(37).activity == .rest)
        #expect(output(37).timeLeft == 68)
        #expect(abs(output(104).targetForce.value - 20) < 1e-9)
        #expect(output(104).activity == .release)
        #expect(output(105).targetForce == 0)
        #expect(output(105).isFinished)
        #expect(output(200).activity == .finished)
    }

    @Test func pauseHoldsTheForceAndStopsTheTreatmentClock() throws {
        let plan = try plan()
        var state = PlannerState(plan: plan, startingAt: start)
        #expect(state.apply(OperatorEvent(at: at(10), .pause)) == .applied)
        let paused = state.advance(to: at(50))
        #expect(paused.targetForce == 100)
        #expect(paused.activity == .paused)
        #expect(paused.timeLeft == 95)
        #expect(paused.treatmentElapsed == 10)
        #expect(state.apply(OperatorEvent(at: at(60), .resume)) == .applied)
        #expect(state.advance(to: at(65)).targetForce == 150)
        while !state.isFinished { _ = state.advance(to: at(state.output.treatmentElapsed.value + 50 + 0.5)) }
        #expect(state.finishedAt == at(155))
    }

    @Test func adjustingDuringAHoldRampsToTheNewForceThenRestartsTheHoldTimer() throws {
        let plan = try plan()
        var state = PlannerState(plan: plan, startingAt: start)
        #expect(state.apply(OperatorEvent(at: at(25), .adjustHoldForce(250))) == .applied)
        let predictedEnd = at(25) + state.output.timeLeft
        #expect(state.advance(to: at(27.5)).targetForce == 225)
        #expect(state.advance(to: at(27.5)).activity == .rampUp)
        #expect(state.advance(to: at(30)).targetForce == 250)
        let hold = state.advance(to: at(39.9))
        #expect(hold.activity == .hold)
        #expect(hold.targetForce == 250)
        #expect(state.advance(to: at(40.5)).activity == .rampDown)
        // The rest (50 % of the hold) scales with the new hold.
        #expect(state.advance(to: at(47)).targetForce == 125)
        #expect(state.advance(to: at(47)).activity == .rest)
        while !state.isFinished { _ = state.advance(to: at(state.output.treatmentElapsed.value + 0.25)) }
        #expect(state.finishedAt.map { abs($0.nanoseconds - predictedEnd.nanoseconds) <= 1_000 } == true)
    }

    @Test func adjustingDuringARampHeadsForTheNewForceFromWhereTheRampIs() throws {
        let plan = try plan()
        var state = PlannerState(plan: plan, startingAt: start)
        // At 10 s the first ramp is at 100 N on its way to 200 N.
        #expect(state.apply(OperatorEvent(at: at(10), .adjustHoldForce(150))) == .applied)
        #expect(state.output.targetForce == 100)
        #expect(state.advance(to: at(15)).targetForce == 150)
        #expect(state.advance(to: at(15)).activity == .hold)
        #expect(state.advance(to: at(24.9)).activity == .hold)
        #expect(state.advance(to: at(25.1)).activity == .rampDown)
        // The rest is 50 % of the new hold.
        #expect(state.advance(to: at(30)).targetForce == 75)
    }

    @Test func pausingDuringAnAngleMoveFreezesTheAngles() throws {
        let file = TestFiles.shippedPrograms.appendingPathComponent("cervical-intermittent-flexion.yaml")
        let plan = try SessionPlan(program: try validProgram(TestFiles.text(of: file)),
                                   patient: PatientParameters(weight: 70, region: .cervical))
        var state = PlannerState(plan: plan, startingAt: start)
        state.apply(OperatorEvent(at: at(4), .pause))
        let paused = state.advance(to: at(30))
        #expect(paused.activity == .paused)
        #expect(paused.movingAngles)
        #expect(paused.targetAngles.flexion == 8)
        #expect(paused.targetForce == 0)
        state.apply(OperatorEvent(at: at(40), .resume))
        #expect(state.advance(to: at(43)).targetAngles.flexion == 14)
    }

    @Test func adjustingAboveTheEffectiveLimitIsClampedJustBelowIt() throws {
        let plan = try plan(weight: 60)
        let limit = plan.effectiveLimit.force
        #expect(plan.effectiveLimit.source == .bodyWeightFraction)
        var state = PlannerState(plan: plan, startingAt: start)
        #expect(state.apply(OperatorEvent(at: at(25), .adjustHoldForce(500))) == .clampedToLimit(plan.highestTarget))
        var peak = Newtons.zero
        for tenth in 250...1500 { peak = max(peak, state.advance(to: at(Double(tenth) / 10)).targetForce) }
        #expect(peak == plan.highestTarget)
        #expect(peak < limit)
    }

    @Test func stopStartsTheFinalReleaseAndNothingRaisesItAfterwards() throws {
        let plan = try plan()
        var state = PlannerState(plan: plan, startingAt: start)
        #expect(state.apply(OperatorEvent(at: at(25), .stop)) == .applied)
        #expect(state.output.activity == .release)
        #expect(state.output.timeLeft == 10)
        #expect(state.apply(OperatorEvent(at: at(26), .pause)) == .ignored(.releasing))
        #expect(state.apply(OperatorEvent(at: at(27), .adjustHoldForce(300))) == .ignored(.releasing))
        #expect(state.advance(to: at(30)).targetForce == 100)
        #expect(state.advance(to: at(35)).isFinished)
        #expect(state.finishedAt == at(35))
        #expect(state.apply(OperatorEvent(at: at(36), .stop)) == .ignored(.finished))
    }

    @Test func resumeWithoutPauseAndDoublePauseAreIgnored() throws {
        var state = PlannerState(plan: try plan(), startingAt: start)
        #expect(state.apply(OperatorEvent(at: at(1), .resume)) == .ignored(.notPaused))
        #expect(state.apply(OperatorEvent(at: at(2), .pause)) == .applied)
        #expect(state.apply(OperatorEvent(at: at(3), .pause)) == .ignored(.alreadyPaused))
        #expect(state.apply(OperatorEvent(at: at(4), .adjustHoldForce(-5))) == .ignored(.invalidForce))
    }

    @Test func theSmallestCapSetsTheLimitAndIsNamed() throws {
        #expect(try plan(weight: 100).effectiveLimit.source == .programMaximum)
        #expect(try plan(weight: 100).effectiveLimit.force == 400)
        #expect(try plan(weight: 60).effectiveLimit.source == .bodyWeightFraction)
        let first = try plan(weight: 80, firstSession: true).effectiveLimit
        #expect(first.source == .firstSession)
        #expect(abs(first.force.value - 80 * standardGravity * 0.25) < 1e-9)
        var smallTable = TherapyLimits.standard
        smallTable.deviceForceCap = 150
        #expect(try plan(limits: smallTable).effectiveLimit.source == .deviceCap)
    }

    @Test func theOperatorsMaximumJoinsTheCapsAndWinsWhenSmallest() throws {
        let capped = try plan(weight: 100, operatorMaximum: 150)
        #expect(capped.effectiveLimit.source == .operatorMaximum)
        #expect(capped.effectiveLimit.force == 150)
        #expect(capped.effectiveLimit.candidates.contains(LimitCandidate(source: .operatorMaximum, force: 150)))
        #expect(capped.peakForce == capped.highestTarget, "the 200 N holds are lowered below the operator's 150 N")
        #expect(capped.highestTarget == 150 - 150 * 0.025)
        // Above the other caps it changes nothing but is still listed.
        let loose = try plan(weight: 100, operatorMaximum: 800)
        #expect(loose.effectiveLimit.source == .programMaximum)
        #expect(loose.effectiveLimit.candidates.count == 5)
        #expect(LimitSource.operatorMaximum.rawValue == "operator_maximum")
    }

    @Test func anUnusableOperatorMaximumIsRefused() throws {
        #expect(throws: SessionPlanError.invalidOperatorMaximum(0)) { try plan(operatorMaximum: 0) }
        #expect(throws: SessionPlanError.invalidOperatorMaximum(-5)) { try plan(operatorMaximum: -5) }
        #expect(throws: SessionPlanError.self) { try plan(operatorMaximum: Newtons(.nan)) }
    }

    @Test func aFirstSessionCapThatLowersTheProgramNeedsConfirmation() throws {
        // 60 kg first session: 25 % is 147 N, below the programmed 200 N
        // holds and below the 40 % confirmation threshold (235 N).
        let lowered = try plan(weight: 60, firstSession: true)
        #expect(lowered.effectiveLimit.source == .firstSession)
        #expect(lowered.peakForce < lowered.confirmationThreshold)
        #expect(lowered.firstSessionCapReducedThePlan)
        #expect(lowered.requiresConfirmation)
        // 100 kg first session: the cap (245 N) is above every hold, nothing lowered.
        let untouched = try plan(weight: 100, firstSession: true)
        #expect(!untouched.firstSessionCapReducedThePlan)
        #expect(!untouched.requiresConfirmation)
        // The same 60 kg patient outside a first session needs no confirmation.
        #expect(try plan(weight: 60).requiresConfirmation == false)
    }

    @Test func holdsAboveTheLimitAreClampedAndRelativeRestsFollowTheClampedHold() throws {
        // 35 kg at 50 %: 171.6 N, below the programmed 200 N.
        let plan = try plan(weight: 35)
        let holds = plan.timeline.filter { $0.activity == .hold }
        let rests = plan.timeline.filter { $0.activity == .rest }
        // Clamped just below the limit, so the force approaches it from below.
        #expect(plan.highestTarget < plan.effectiveLimit.force)
        #expect(plan.highestTarget == plan.program.limits.highestTarget(underLimit: plan.effectiveLimit.force))
        #expect(holds.allSatisfy { $0.endForce == plan.highestTarget })
        #expect(rests.allSatisfy { abs($0.endForce.value - plan.highestTarget.value / 2) < 1e-9 })
    }

    @Test func planRefusesImplausibleWeightAndTheWrongRegion() throws {
        let program = try validProgram(threeCycleProgram)
        #expect(throws: SessionPlanError.self) {
            try SessionPlan(program: program, patient: PatientParameters(weight: 8, region: .lumbar))
        }
        #expect(throws: SessionPlanError.regionMismatch(program: .lumbar, patient: .cervical)) {
            try SessionPlan(program: program, patient: PatientParameters(weight: 80, region: .cervical))
        }
    }

    @Test func confirmationIsRequiredAboveTheConfiguredShareOfBodyWeight() throws {
        // 200 N is 40.8 % of 50 kg, above the 40 % lumbar confirmation share.
        #expect(try plan(weight: 50).requiresConfirmation)
        #expect(try plan(weight: 80).requiresConfirmation == false)
    }

    @Test func progressiveHoldsRiseInEqualSteps() throws {
        let file = TestFiles.shippedPrograms.appendingPathComponent("lumbar-progressive.yaml")
        let plan = try SessionPlan(program: try validProgram(TestFiles.text(of: file)),
                                   patient: PatientParameters(weight: 80, region: .lumbar))
        let holds = plan.timeline.filter { $0.activity == .hold }.map(\.endForce.value)
        #expect(holds == [160, 160, 160, 200, 200, 200, 240, 240, 240, 280, 280, 280])
    }

    @Test func anglesMoveBetweenPhasesBelowTheNonTherapeuticForce() throws {
        let file = TestFiles.shippedPrograms.appendingPathComponent("lumbar-sequence.yaml")
        let program = try validProgram(TestFiles.text(of: file))
        let plan = try SessionPlan(program: program, patient: PatientParameters(weight: 80, region: .lumbar))
        let moves = plan.timeline.filter { $0.startAngles != $0.endAngles }
        #expect(moves.count == 2)
        for move in moves {
            #expect(move.activity == .angleMove)
            #expect(move.startForce <= program.limits.nonTherapeuticForce)
            #expect(move.endForce == move.startForce)
        }
        let beforeFirstMove = try #require(plan.timeline.last { $0.start < moves[0].start })
        #expect(beforeFirstMove.activity == .rampDown)
        #expect(beforeFirstMove.endForce == program.limits.defaultAngleMoveForce)
    }

    @Test func cervicalProgramIsPositionedAtZeroForceBeforeAnyTension() throws {
        let file = TestFiles.shippedPrograms.appendingPathComponent("cervical-intermittent-flexion.yaml")
        let plan = try SessionPlan(program: try validProgram(TestFiles.text(of: file)),
                                   patient: PatientParameters(weight: 70, region: .cervical))
        let first = try #require(plan.timeline.first)
        #expect(first.activity == .positioning)
        #expect(first.startForce == 0 && first.endForce == 0)
        #expect(first.endAngles.flexion == 20)
        #expect(first.duration == 10, "20° at the default 2°/s")
    }

    @Test func articulationMovesAnglesUnderTheHeldTension() throws {
        let yaml = """
            name: articulating
            region: lumbar
            limits: {body_weight_fraction: 50 %, maximum_force: 400 N}
            phases:
              - {mode: static, hold_force: 200 N, hold_time: 30 s, ramp_up: 10 N/s}
              - {mode: static, hold_force: 200 N, hold_time: 30 s, articulation: true, angles: {rotation: 6 deg}}
            """
        let plan = try SessionPlan(program: try validProgram(yaml), patient: PatientParameters(weight: 80, region: .lumbar))
        let move = try #require(plan.timeline.first { $0.startAngles != $0.endAngles })
        #expect(move.activity == .articulation)
        #expect(move.startForce == 200)
        var state = PlannerState(plan: plan, startingAt: start)
        let during = state.advance(to: at(move.start.value + 1))
        #expect(during.articulating)
        #expect(during.targetForce == 200)
    }

    @Test func thePureEvaluationAgreesWithTheIncrementalState() throws {
        let plan = try plan()
        let events = [OperatorEvent(at: at(12), .pause), OperatorEvent(at: at(20), .resume),
                      OperatorEvent(at: at(33), .adjustHoldForce(180)), OperatorEvent(at: at(70), .stop)]
        var state = PlannerState(plan: plan, startingAt: start)
        var pending = events[...]
        for tenth in 0...1200 {
            let now = at(Double(tenth) / 10)
            while let next = pending.first, next.instant <= now { state.apply(next); pending.removeFirst() }
            #expect(state.advance(to: now) == Planner.evaluate(plan, startedAt: start, events: events, at: now))
        }
    }
}
