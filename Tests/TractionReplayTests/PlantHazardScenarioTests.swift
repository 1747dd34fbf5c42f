import Testing
import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy
@testable import TractionReplay

/// Hazard scenarios on the plant, through the whole engine: each injects a
/// fault during a real session and asserts the reaction and its bound from
/// SAFETY.md, counted in ticks of the 250 Hz loop (4 ms).
@Suite struct PlantHazardScenarioTests {
    /// The demo program (hold 120 N, limit 150 N) on a calm 75 kg patient, so
    /// that no random cough muddles the reaction being measured.
    static func rig(seed: UInt64 = 3) throws -> ReplayRun {
        let plan = try ShippedPrograms.plan("demo.yaml", weight: 75)
        var run = ReplayRun(request: ReplayRequest(plan: plan, seed: seed, plant: PlantConfiguration(
            seed: seed, patient: SimulatedPatient(bodyMass: 75, region: .lumbar), disturbances: .none)))
        run.connect()
        while run.sessionStart == nil && run.ticks < 1000 { run.advance() }
        return run
    }

    /// Plays until `seconds` into the session.
    static func play(_ run: inout ReplayRun, until seconds: Double) {
        while run.sessionTime < seconds { run.advance() }
    }

    /// Ticks until `condition` holds; returns how many it took (nil if never within `limit`).
    static func ticks(_ run: inout ReplayRun, limit: Int, until condition: (ReplayRun) -> Bool) -> Int? {
        for tick in 1...limit {
            run.advance()
            if condition(run) { return tick }
        }
        return nil
    }

    @Test func patientSwitchStartsTheEmergencyReleaseWithinOneTickAndReachesTenPercentWithinOneSecond() throws {
        var run = try Self.rig()
        Self.play(&run, until: 20)
        #expect(run.engine.plannerOutput?.activity == .hold)
        let forceAtPress = run.plant.trueCableForce
        #expect(forceAtPress > 100)

        run.plant.inputs.patientSwitch = .pressed
        run.advance()
        #expect(run.engine.state == .emergency)
        #expect(run.engine.lastCommand.releaseProfile == .emergency)
        #expect(run.engine.kernel.alarms[.patientRelease].active)

        let ticksToTenPercent = Self.ticks(&run, limit: 250) { $0.plant.trueCableForce < forceAtPress * 0.1 }
        let withinOneSecond = try #require(ticksToTenPercent) + 1
        #expect(withinOneSecond <= 250, "below 10 % after \(withinOneSecond) ticks")

        // Once slack, the drive is cut and stays cut until an operator resets.
        _ = Self.ticks(&run, limit: 250) { !$0.engine.lastCommand.driveEnabled }
        #expect(!run.engine.lastCommand.driveEnabled)
        #expect(run.engine.kernel.driveLatchedOff)
        #expect(run.sessionEndReason == .interrupted)
    }

    @Test func emergencyStopCutsTheDriveWithinOneTick() throws {
        var run = try Self.rig()
        Self.play(&run, until: 20)
        let forceAtPress = run.plant.trueCableForce
        run.plant.inputs.emergencyStopPressed = true
        run.advance()
        #expect(run.engine.state == .emergency)
        #expect(!run.engine.lastCommand.driveEnabled)
        #expect(run.engine.kernel.alarms[.emergencyStop].active)
        // The unpowered winch is back-driven by the tension (docs/simulation.md).
        let ticksToTenPercent = Self.ticks(&run, limit: 250) { $0.plant.trueCableForce < forceAtPress * 0.1 }
        #expect(ticksToTenPercent != nil)
    }

    @Test func aForceReadingAboveTheLimitLatchesForceOverLimitAndReleasesWithinTwoTicks() throws {
        var run = try Self.rig()
        Self.play(&run, until: 20)
        let limit = run.request.plan.effectiveLimit.force
        let tolerance = max(limit * run.engine.configuration.safety.overForceToleranceFraction,
                            run.engine.configuration.safety.overForceToleranceMinimum)
        // The load cell now reads 60 N high: 180 N against a 150 N limit.
        // (No physiological disturbance of the model raises the cable force
        // that far: a cough's muscle force is mostly taken up by the body.)
        run.plant.faults.sensors.loadCellOffsetError = 60
        run.advance()
        let reading = try #require(run.engine.lastTelemetry?.loadCellForce)
        #expect(reading > limit + tolerance)
        // That sample is the first of the two debounce samples: the reaction
        // comes with the second, the next tick.
        let reaction = try #require(Self.ticks(&run, limit: 2) { $0.engine.kernel.alarms[.forceOverLimit].active })
        #expect(reaction <= 1)
        #expect(run.engine.state == .releasing || run.engine.state == .fault)
        #expect(run.engine.lastCommand.releaseProfile != .none)
        #expect(run.engine.lastCommand.tractionVelocity <= .zero)
        #expect(AlarmCode.forceOverLimit.latches)
    }

    @Test func aStuckLoadCellIsDetectedWithinAHundredMillisecondsWhileTheMotorMoves() throws {
        var run = try Self.rig()
        let safety = run.engine.configuration.safety
        // Wait for the ramp to pull at a clear speed, so "the motor moves".
        _ = try #require(Self.ticks(&run, limit: 5000) { run in
            guard let sample = run.engine.lastTelemetry else { return false }
            return run.engine.plannerOutput?.activity == .rampUp
                && sample.tractionVelocity >= safety.stuckMotionThreshold * 1.5
                && sample.loadCellForce >= safety.stuckDetectionMinimumForce
        })
        run.plant.faults.sensors.loadCellStuck = true
        let detected = try #require(Self.ticks(&run, limit: 50) { $0.engine.kernel.alarms[.forceSensorStuck].active })
        #expect(detected <= 25, "detected after \(detected) ticks (\(Double(detected) * 4) ms)")
        #expect(run.engine.state == .fault)
        #expect(run.engine.lastCommand.releaseProfile == .normal)
    }

    @Test func aStalledLinkIsAFaultWithinFiftyMillisecondsAndTheTableLeaseReleases() throws {
        var run = try Self.rig()
        Self.play(&run, until: 20)
        let forceAtStall = run.plant.trueCableForce
        run.link.stalled = true
        let lost = try #require(Self.ticks(&run, limit: 50) { $0.engine.kernel.alarms[.linkLost].active })
        #expect(lost <= 13, "link loss after \(lost) ticks")
        #expect(run.engine.state == .fault)
        // No command reaches the table any more: its own lease runs out and
        // it releases by itself (PLANT: 5 mm/s pay-out).
        let released = Self.ticks(&run, limit: 2500) { $0.plant.trueCableForce < forceAtStall * 0.1 }
        #expect(released != nil)
    }

    @Test func aRestartFindingTensionFailsTheSelfTestAndReleasesUnderControl() throws {
        var run = try Self.rig()
        Self.play(&run, until: 20)
        #expect(run.plant.trueCableForce > 100)
        // The daemon restarts: a new engine meets a table still under tension.
        var engine = Engine(configuration: run.engine.configuration, identity: run.request.plant.identity)
        var log = EngineEventLog()
        engine.linkConnected(at: run.now, into: &log)
        engine.handshakeDone(at: run.now, into: &log)
        var findings: [SelfTestFinding] = []
        var ticks = 0
        while ticks < 2500 && !(engine.state == .fault && engine.kernel.driveLatchedOff) {
            run.plant.advance(to: run.now)
            let command = engine.step(now: run.now, telemetry: run.plant.telemetry(at: run.now), into: &log)
            _ = run.plant.receive(command, at: run.now)
            for case .selfTestFinished(false, let finding?, _, _) in log.events { findings.append(finding) }
            log.removeAll()
            run.now = run.now + Seconds(0.004)
            ticks += 1
        }
        #expect(findings == [.tensionPresent])
        #expect(engine.state == .fault)
        #expect(run.plant.trueCableForce <= engine.configuration.safety.slackForce)

        // Slack now: the operator acknowledges and resets; the self-test passes.
        for _ in 0..<50 {
            run.plant.advance(to: run.now)
            let command = engine.step(now: run.now, telemetry: run.plant.telemetry(at: run.now), into: &log)
            _ = run.plant.receive(command, at: run.now)
            run.now = run.now + Seconds(0.004)
        }
        _ = engine.acknowledge(by: "tech", at: run.now, into: &log)
        #expect(engine.reset(by: "tech", at: run.now, into: &log) == .accepted)
        for _ in 0..<200 {
            run.plant.advance(to: run.now)
            let command = engine.step(now: run.now, telemetry: run.plant.telemetry(at: run.now), into: &log)
            _ = run.plant.receive(command, at: run.now)
            run.now = run.now + Seconds(0.004)
        }
        #expect(engine.state == .ready)
    }

    @Test func aPauseHoldsItsForceAndAResumeToAHigherHoldClimbsAtThePhasesRampRate() throws {
        var run = try Self.rig()
        Self.play(&run, until: 18)
        #expect(run.engine.plannerOutput?.activity == .hold)
        var log = EngineEventLog()
        #expect(run.engine.pause(by: "clinician", at: run.now, into: &log) == .accepted)
        let held = try #require(run.engine.kernel.pausedHoldForce)
        // A higher hold set during the pause waits for the resume.
        #expect(run.engine.adjust(holdForce: 140, by: "clinician", at: run.now, into: &log) == .accepted)
        var highest = Newtons.zero
        for _ in 0..<(30 * 250) {
            run.advance()
            highest = max(highest, run.plant.trueCableForce)
        }
        #expect(highest <= held + 1.5, "paused at \(held), rose to \(highest)")
        #expect((run.plant.trueCableForce - held).magnitude <= held * 0.02)

        #expect(run.engine.resume(by: "clinician", at: run.now, into: &log) == .accepted)
        let rate = try #require(run.engine.plannerOutput?.recoveryRate)
        #expect(rate == 15, "demo.yaml ramps up at 15 N/s")
        var forces: [Newtons] = []
        for _ in 0..<(5 * 250) {
            run.advance()
            forces.append(run.plant.trueCableForce)
        }
        // Every second climbs at most the ramp rate (3 N for the loop's lag and noise).
        for start in stride(from: 0, to: forces.count - 250, by: 25) {
            #expect(forces[start + 250] - forces[start] <= Newtons(rate.value + 3))
        }
        #expect(forces.last! > Newtons(135), "the new hold is reached")
    }

    @Test func aTelemetryGapDuringAPauseHoldsThePausedForce() throws {
        // Issue 12: a gap while paused once let the force fall to about 9 N.
        var run = try Self.rig()
        Self.play(&run, until: 18)
        var log = EngineEventLog()
        #expect(run.engine.pause(by: "clinician", at: run.now, into: &log) == .accepted)
        Self.play(&run, until: 20)
        let paused = run.plant.trueCableForce
        for gap in [0.008, 0.020, 0.040] {
            run.link.telemetryGap = true
            var lowest = paused
            let end = run.now + Seconds(gap)
            while run.now < end {
                run.advance()
                lowest = min(lowest, run.plant.trueCableForce)
            }
            run.link.telemetryGap = false
            for _ in 0..<250 {
                run.advance()
                lowest = min(lowest, run.plant.trueCableForce)
            }
            #expect(run.engine.state == .paused, "a \(gap * 1000) ms gap ends nothing")
            #expect(paused - lowest <= Newtons(2), "a \(gap * 1000) ms gap took the force from \(paused) to \(lowest)")
        }
    }
}
