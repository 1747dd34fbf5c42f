import Testing
import TractionDevice
import TractionPlant
import TractionSafety
import TractionTherapy
@testable import TractionEngine

/// An engine driving the plant through a session, tick by tick.
struct EngineRig {
    var engine: Engine
    var plant: TablePlant
    var log = EngineEventLog()
    var now = MonotonicInstant.origin
    var events: [EngineEvent] = []
    var lastCommand = DriveCommand.disabled
    static let period = Seconds(0.004)

    init(seed: UInt64 = 2) {
        let plantConfiguration = PlantConfiguration(seed: seed, disturbances: .none)
        engine = Engine(configuration: EngineConfiguration().adapted(to: plantConfiguration.identity),
                        identity: plantConfiguration.identity)
        plant = TablePlant(configuration: plantConfiguration)
        _ = plant.tare(at: now)
        engine.linkConnected(at: now, into: &log)
        engine.handshakeDone(at: now, into: &log)
        collect()
    }

    mutating func collect() {
        events.append(contentsOf: log.events)
        log.removeAll()
    }

    mutating func tick(_ count: Int = 1) {
        for _ in 0..<count {
            plant.advance(to: now)
            lastCommand = engine.step(now: now, telemetry: plant.telemetry(at: now), into: &log)
            _ = plant.receive(lastCommand, at: now)
            collect()
            now = now + Self.period
        }
    }

    mutating func tickUntilReady() {
        var ticks = 0
        while engine.state != .ready && ticks < 1000 { tick(); ticks += 1 }
    }

    static func plan(holdForce: Double = 200, weight: Double = 80, firstSession: Bool = false,
                     limits: TherapyLimits? = nil) throws -> SessionPlan {
        let text = """
            name: engine-test
            description: intermittent program for the engine tests
            region: lumbar
            limits:
              body_weight_fraction: 60 %
              maximum_force: 500 N
            phases:
              - name: work
                mode: intermittent
                hold_force: \(holdForce) N
                rest_force: 50 %
                hold_time: 30 s
                rest_time: 10 s
                ramp_up: 15 N/s
                ramp_down: 15 N/s
                cycles: 2
            release: 20 N/s
            """
        let adapted = limits ?? EngineConfiguration().adapted(to: PlantConfiguration().identity).therapyLimits
        let program = try ProgramValidator.validate(text: text, file: "engine-test.yaml", limits: adapted).get()
        return try SessionPlan(program: program, patient: PatientParameters(
            weight: Kilograms(weight), region: .lumbar, firstSession: firstSession))
    }

    mutating func arm(_ plan: SessionPlan) -> OperatorOutcome {
        defer { collect() }
        return engine.arm(plan, patientReference: "P-0001", by: "clinician", at: now, into: &log)
    }

    mutating func start(confirmed: Bool = false) -> OperatorOutcome {
        defer { collect() }
        return engine.start(confirmed: confirmed, by: "clinician", at: now, into: &log)
    }
}

@Suite struct EngineSessionTests {
    @Test func theSelfTestPassesOnAHealthySlackTableAndTheTableBecomesReady() {
        var rig = EngineRig()
        #expect(rig.engine.state == .selfTest)
        rig.tickUntilReady()
        #expect(rig.engine.state == .ready)
        #expect(rig.events.contains { if case .selfTestFinished(true, nil, _, _) = $0 { true } else { false } })
        // Ready and idle: the drive is off.
        #expect(!rig.lastCommand.driveEnabled)
    }

    @Test func aSessionRunsArmedTreatingAndEndsCompletedAtZeroForce() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        let plan = try EngineRig.plan()
        #expect(rig.arm(plan) == .accepted)
        #expect(rig.engine.state == .armed)
        #expect(rig.start() == .accepted)
        #expect(rig.engine.state == .treating)
        rig.tick(Int((plan.totalDuration.value + 5) / EngineRig.period.value))
        #expect(rig.engine.state == .ready)
        #expect(rig.engine.lastSessionEnd == .completed)
        #expect(rig.plant.trueCableForce < 15)
        let started = rig.events.firstIndex { if case .sessionStarted = $0 { true } else { false } }
        let ended = rig.events.firstIndex { if case .sessionEnded(.completed, _) = $0 { true } else { false } }
        #expect(started != nil && ended != nil && started! < ended!)
    }

    @Test func aSessionIsRefusedWithTheHarnessOpenAndTheRefusalSaysWhy() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        rig.plant.inputs.harnessClosed = false
        rig.tick(3)
        let outcome = rig.arm(try EngineRig.plan())
        #expect(outcome == .refused(.conditionsPresent([.harnessOpen])))
        if case .refused(let refusal) = outcome {
            #expect(refusal.code == "CONDITION_PRESENT")
            #expect(refusal.description.contains("the harness is open"))
        }
        #expect(rig.engine.state == .ready)
        #expect(rig.engine.armedSession == nil)
    }

    @Test func openingTheHarnessOfAnArmedSessionCancelsItBeforeAnyTension() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        rig.plant.inputs.harnessClosed = false
        rig.tick(3)
        #expect(rig.engine.armedSession == nil)
        #expect(rig.engine.lastSessionEnd == .harnessOpened)
        #expect(rig.start() == .refused(.noSessionArmed))
        #expect(rig.plant.trueCableForce < 15)
    }

    @Test func aForceAboveTheConfirmationThresholdStartsOnlyWhenConfirmed() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        // 400 N for 80 kg is 51 % of body weight, above the 40 % threshold.
        let plan = try EngineRig.plan(holdForce: 400)
        #expect(plan.requiresConfirmation)
        #expect(rig.arm(plan) == .accepted)
        let refused = rig.start(confirmed: false)
        #expect(refused == .refused(.confirmationRequired(peak: plan.peakForce, threshold: plan.confirmationThreshold)))
        #expect(rig.engine.state == .armed)
        #expect(rig.start(confirmed: true) == .accepted)
        #expect(rig.engine.state == .treating)
    }

    @Test func aFirstSessionLoweredByItsCapStartsOnlyWhenConfirmed() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        // 60 kg first session: the cap (147 N) lowers the 200 N holds; the
        // peak stays under the 40 % threshold, yet the clinician confirms.
        let plan = try EngineRig.plan(holdForce: 200, weight: 60, firstSession: true)
        #expect(plan.peakForce < plan.confirmationThreshold)
        #expect(rig.arm(plan) == .accepted)
        let refused = rig.start(confirmed: false)
        #expect(refused == .refused(.firstSessionConfirmationRequired(programmed: 200, cap: plan.effectiveLimit.force)))
        if case .refused(let refusal) = refused { #expect(refusal.code == "CONFIRMATION_REQUIRED") }
        #expect(rig.engine.state == .armed)
        #expect(rig.start(confirmed: true) == .accepted)
        #expect(rig.engine.state == .treating)
    }

    @Test func acknowledgingOneAlarmByCodeAndRefusingAnInactiveOne() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        rig.plant.inputs.patientSwitch = .pressed
        rig.tick(5)
        rig.plant.inputs.patientSwitch = .released
        rig.tick(300)
        #expect(rig.engine.kernel.alarms[.patientRelease].active, "high alarms latch")
        let inactive = rig.engine.acknowledge(code: .driveFault, by: "clinician", at: rig.now, into: &rig.log)
        #expect(inactive == .refused(.alarmNotActive(.driveFault)))
        if case .refused(let refusal) = inactive { #expect(refusal.code == "ALARM_NOT_ACTIVE") }
        rig.collect()
        let accepted = rig.engine.acknowledge(code: .patientRelease, by: "clinician", at: rig.now, into: &rig.log)
        rig.collect()
        #expect(accepted == .accepted)
        #expect(!rig.engine.kernel.alarms[.patientRelease].active)
        #expect(rig.events.contains { event in
            if case .safety(.alarmAcknowledged(.patientRelease, "clinician", _)) = event { return true }
            return false
        })
    }

    @Test func pauseHoldsTheForceAndStopsTheTreatmentClockThenResumeContinues() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(Int(20 / EngineRig.period.value))
        let elapsedAtPause = try #require(rig.engine.plannerOutput?.treatmentElapsed)
        #expect(rig.engine.pause(by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        let forceAtPause = rig.plant.trueCableForce
        rig.tick(Int(10 / EngineRig.period.value))
        #expect(rig.engine.state == .paused)
        #expect(rig.engine.plannerOutput?.activity == .paused)
        #expect(abs((rig.engine.plannerOutput!.treatmentElapsed - elapsedAtPause).value) < 0.01)
        // Held: the kernel forbids any increase while paused, and the body's
        // creep lets the force sag only slowly.
        #expect(rig.plant.trueCableForce <= forceAtPause + 2)
        #expect(rig.plant.trueCableForce >= forceAtPause * 0.9)
        #expect(rig.engine.resume(by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        rig.tick(250)
        #expect(rig.engine.state == .treating)
        #expect(rig.engine.plannerOutput!.treatmentElapsed > elapsedAtPause)
    }

    @Test func stopReleasesAtTheNormalRateAndIsNeverRefused() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.engine.stop(by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(Int(20 / EngineRig.period.value))
        #expect(rig.engine.stop(by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        rig.tick()
        #expect(rig.engine.state == .releasing)
        #expect(rig.lastCommand.releaseProfile == .normal)
        #expect(rig.engine.lastSessionEnd == .stoppedByOperator)
        rig.tick(Int(30 / EngineRig.period.value))
        #expect(rig.engine.state == .ready)
        #expect(rig.plant.trueCableForce < 15)
    }

    @Test func adjustingTheHoldForceIsClampedToTheEffectiveLimitAndRecorded() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        let plan = try EngineRig.plan(holdForce: 200, weight: 60)
        #expect(rig.arm(plan) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(Int(20 / EngineRig.period.value))
        let limit = plan.effectiveLimit.force
        #expect(rig.engine.adjust(holdForce: limit + 100, by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        let adjusted = rig.events.compactMap { event -> (Newtons, Newtons)? in
            if case .holdForceAdjusted(let requested, let granted, _, _) = event { (requested, granted) } else { nil }
        }
        #expect(adjusted.count == 1)
        #expect(adjusted.first?.0 == limit + 100)
        // Granted just below the limit: the plan never targets the limit itself (H1).
        #expect(adjusted.first?.1 == plan.highestTarget)
        #expect(plan.highestTarget < limit)
        rig.tick(Int(40 / EngineRig.period.value))
        #expect(rig.plant.trueCableForce <= limit * 1.05)
        let nonsense = rig.engine.adjust(holdForce: Newtons(-5), by: "clinician", at: rig.now, into: &rig.log)
        #expect(nonsense == .refused(.invalidForce(Newtons(-5))))
    }

    @Test func aSecondSessionCannotBeArmedWhileOneIsPrepared() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.arm(try EngineRig.plan()) == .refused(.sessionInProgress))
    }

    @Test func anEmergencyIsLeftOnlyByAResetOnceTheConditionIsClear() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(Int(15 / EngineRig.period.value))
        rig.plant.inputs.emergencyStopPressed = true
        rig.tick(250)
        #expect(rig.engine.state == .emergency)
        // Still pressed: reset is refused and says why.
        let refused = rig.engine.reset(by: "clinician", at: rig.now, into: &rig.log)
        rig.collect()
        #expect(refused == .refused(.conditionsPresent([.emergencyStop])))
        rig.plant.inputs.emergencyStopPressed = false
        rig.tick(5)
        _ = rig.engine.acknowledge(by: "clinician", at: rig.now, into: &rig.log)
        #expect(rig.engine.reset(by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        rig.tickUntilReady()
        #expect(rig.engine.state == .ready)
    }
}
