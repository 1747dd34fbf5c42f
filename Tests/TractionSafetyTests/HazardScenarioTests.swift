import Testing
import TractionDevice
@testable import TractionSafety

/// One scenario per hazard of SAFETY.md that the kernel owns: the reaction,
/// and the bound in ticks (at the default 2 ms tick) within which it comes.
@Suite
struct HazardScenarioTests {
    /// A treatment under way at `force`, with the redundant estimate agreeing.
    static func treating(at force: Newtons = 100, limit: Newtons = 300) -> KernelHarness {
        var harness = KernelHarness()
        harness.startTreatment(limit: limit)
        harness.setForce(force)
        harness.tick()
        return harness
    }

    // MARK: H1 over-force

    @Test func overForceOverTwoTicksLatchesAndReleases() {
        var harness = Self.treating(at: 250)
        harness.setForce(340) // limit 300 + tolerance 30
        harness.tick()
        #expect(harness.state == .treating, "one sample over the limit must not trip")
        harness.tick()
        #expect(harness.raised(.forceOverLimit))
        #expect(harness.state == .releasing)
        #expect(harness.lastCommand.releaseProfile == .normal)
        #expect(harness.lastCommand.tractionVelocity <= .zero)
        #expect(harness.kernel.alarms[.forceOverLimit].active)
        #expect(AlarmCode.forceOverLimit.latches)
    }

    @Test func singleOverForceSampleDoesNotTrip() {
        var harness = Self.treating(at: 250)
        harness.setForce(340)
        harness.tick()
        harness.setForce(250)
        harness.tick()
        harness.tick()
        #expect(harness.state == .treating)
        #expect(!harness.kernel.alarms[.forceOverLimit].active)
    }

    // MARK: H2 hard cap

    @Test func measuredForceAboveHardCapReleasesAtEmergencyRateWithinOneTick() {
        var harness = Self.treating(at: 250, limit: 880)
        harness.setForce(harness.configuration.lumbarForceCap + 1)
        harness.tick()
        #expect(harness.raised(.forceOverHardCap))
        #expect(harness.state == .emergency)
        #expect(harness.lastCommand.releaseProfile == .emergency)
        #expect(harness.lastCommand.driveEnabled, "the drive stays on to release until slack")
    }

    @Test func commandedForceAboveHardCapReleasesInTheSameTick() {
        var harness = Self.treating(at: 100)
        harness.demand.command.forceCeiling = harness.configuration.lumbarForceCap + 50
        let command = harness.tick()
        #expect(harness.raised(.forceOverHardCap))
        #expect(harness.state == .emergency)
        #expect(command.releaseProfile == .emergency)
        #expect(command.forceCeiling <= harness.configuration.lumbarForceCap)
    }

    @Test func cervicalHardCapAppliesToCervicalSessions() {
        var harness = KernelHarness()
        harness.startTreatment(limit: 150, region: .cervical)
        harness.setForce(harness.configuration.cervicalForceCap + 5)
        harness.tick()
        #expect(harness.state == .emergency)
        #expect(harness.raised(.forceOverHardCap))
    }

    @Test func driveIsDisabledOnceSlackAfterHardCap() {
        var harness = Self.treating(at: 250, limit: 880)
        harness.setForce(900)
        harness.tick()
        harness.setForce(400)
        harness.tick()
        #expect(harness.lastCommand.driveEnabled)
        harness.setForce(harness.configuration.slackForce - 1)
        harness.tick()
        #expect(harness.kernel.driveLatchedOff)
        #expect(!harness.lastCommand.driveEnabled)
        #expect(harness.state == .emergency)
    }

    // MARK: H3 force rate

    @Test func forceCeilingRisesNoFasterThanTheConfiguredRate() {
        var harness = Self.treating(at: 0)
        harness.demand.command.forceCeiling = 300
        harness.demand.command.tractionVelocity = 10
        let step = harness.configuration.maximumForceRate * harness.configuration.tickPeriod
        var previous = harness.lastCommand.forceCeiling
        for _ in 0..<100 {
            // The patient follows the ceiling, as a stiff plant would.
            harness.setForce(previous)
            let command = harness.tick()
            #expect(command.tractionVelocity == 10)
            #expect(command.forceCeiling - previous <= step + 1e-9)
            previous = command.forceCeiling
        }
        #expect(previous > 20 * step, "the ceiling must actually ramp")
    }

    @Test func measuredForceRisingTooFastRaisesAlarmAndHoldsTension() {
        var harness = Self.treating(at: 100)
        harness.demand.command.tractionVelocity = 5
        harness.demand.command.forceCeiling = 300
        let window = harness.configuration.forceRateWindow
        let bound = Int((2 * window / harness.period).rounded(.up)) + 1
        var force: Newtons = 100
        let ticks = harness.ticks(upTo: bound) { harness in harness.kernel.alarms[.forceRateHigh].active } setup: {
            force = force + 0.5 // 250 N/s
            $0.setForce(force)
        }
        #expect(ticks != nil)
        #expect(harness.state == .treating)
        #expect(AlarmCode.forceRateHigh.priority == .medium)
        #expect(harness.lastCommand.tractionVelocity <= .zero)
    }

    // MARK: H4 force sensor

    @Test func stuckForceSensorFaultsWithinOneHundredMilliseconds() {
        var harness = Self.treating(at: 100)
        harness.telemetry.tractionVelocity = 5
        let ticks = harness.ticks(upTo: 50) { $0.state == .fault }
        #expect(ticks != nil)
        #expect(Seconds(Double(ticks ?? 0)) * harness.period.value <= 0.100)
        #expect(harness.kernel.alarms[.forceSensorStuck].active)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    @Test func forceSensorBelowItsRangeFaultsWithinOneTick() {
        var harness = Self.treating(at: 100)
        harness.setForce(harness.configuration.loadCellMinimum - 10)
        harness.tick()
        #expect(harness.raised(.forceSensorOutOfRange))
        #expect(harness.state == .fault)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    @Test func loadCellDisagreeingWithRedundantEstimateFaultsWithinOneHundredMilliseconds() {
        var harness = Self.treating(at: 100)
        harness.telemetry.redundantForce = 100 + harness.configuration.plausibilityToleranceMinimum + 20
        let ticks = harness.ticks(upTo: 50) { $0.state == .fault }
        #expect(ticks != nil)
        #expect(harness.kernel.alarms[.forceSensorImplausible].active)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    @Test func aLoadCellReadingLowIsJudgedByTheLargerChannelForOverForce() {
        var harness = Self.treating(at: 250)
        // Channel A reads 60 N low; channel B sees the true 340 N.
        harness.telemetry.loadCellForce = 280
        harness.telemetry.redundantForce = 340
        harness.tick()
        harness.tick()
        #expect(harness.kernel.alarms[.forceOverLimit].active, "limit 300 + tolerance 30 passed on channel B")
        #expect(harness.state == .releasing || harness.state == .fault)
        #expect(harness.lastCommand.releaseProfile != .none)
    }

    @Test func forceChannelsDisagreeingByMoreThanTheToleranceFaultWithinThirtyMilliseconds() {
        var harness = Self.treating(at: 59)
        // 6 N apart at 59 N: above max(4 %, 5 N), below the 10 N H1 tolerance.
        harness.telemetry.loadCellForce = 53
        harness.telemetry.redundantForce = 59
        let ticks = harness.ticks(upTo: 50) { $0.state == .fault }
        let bound = Int((harness.configuration.plausibilityDetectionTime / harness.period).rounded(.up)) + 1
        #expect(ticks.map { $0 <= bound } == true, "faulted after \(ticks ?? -1) ticks, bound \(bound)")
        #expect(harness.kernel.alarms[.forceSensorImplausible].active)
        // Within the tolerance the channels are healthy.
        var healthy = Self.treating(at: 59)
        healthy.telemetry.loadCellForce = 55
        healthy.telemetry.redundantForce = 59
        #expect(healthy.ticks(upTo: 100) { $0.state != .treating } == nil)
    }

    @Test func aFrozenRedundantChannelIsStuckLikeAFrozenLoadCell() {
        var harness = Self.treating(at: 100)
        harness.telemetry.tractionVelocity = 5
        // Channel A lives (noise of ±0.3 N); channel B repeats 100 N exactly.
        var sign = 1.0
        let ticks = harness.ticks(upTo: 60, until: { $0.state == .fault }) { world in
            sign = -sign
            world.telemetry.loadCellForce = Newtons(100 + 0.3 * sign)
        }
        #expect(ticks.map { Double($0) * harness.period.value <= 0.100 } == true)
        #expect(harness.kernel.alarms[.forceSensorStuck].active)
    }

    // MARK: H19 release supervision

    @Test func aReleaseThatDoesNotBringTheForceDownBecomesAnEmergencyWithinTheWindow() {
        var harness = Self.treating(at: 200)
        harness.command(.stop)
        harness.tick()
        #expect(harness.state == .releasing)
        #expect(harness.lastCommand.releaseProfile == .normal && harness.lastCommand.driveEnabled)
        // The table brakes instead of paying out: the force stays at 200 N.
        let window = harness.configuration.releaseProgressWindow
        let bound = Int((window / harness.period).rounded(.up)) + 2
        let ticks = harness.ticks(upTo: bound + 50) { $0.kernel.alarms[.releaseNotProgressing].active }
        #expect(ticks.map { $0 <= bound } == true, "found after \(ticks ?? -1) ticks, bound \(bound)")
        #expect(harness.state == .emergency)
        #expect(harness.lastCommand.releaseProfile == .emergency)
        #expect(AlarmCode.releaseNotProgressing.latches)
    }

    @Test func aReleaseThatComesDownRaisesNothing() {
        var harness = Self.treating(at: 200)
        harness.command(.stop)
        // 10 N/s, the slowest release a table should have.
        let reached = harness.ticks(upTo: 20_000, until: { $0.state != .releasing }) { world in
            world.setForce(world.telemetry.loadCellForce - 10 * world.period.value)
        }
        #expect(reached != nil)
        #expect(harness.state == .ready)
        #expect(!harness.history.contains { if case .alarmRaised(.releaseNotProgressing, _) = $0 { true } else { false } })
    }

    @Test func aFaultReleaseThatStallsIsSupervisedToo() {
        var harness = Self.treating(at: 150)
        harness.telemetry.redundantForce = 150 + 40
        _ = harness.ticks(upTo: 100) { $0.state == .fault }
        harness.setForce(190)
        #expect(harness.state == .fault)
        let ticks = harness.ticks(upTo: 700) { $0.state == .emergency }
        #expect(ticks != nil)
        #expect(harness.kernel.alarms[.releaseNotProgressing].active)
    }

    // MARK: H5 link

    @Test func staleTelemetryWarnsAfterTwoPeriodsAndHoldsTension() {
        var harness = Self.treating(at: 100)
        harness.demand.command.tractionVelocity = 5
        harness.demand.command.forceCeiling = 300
        harness.telemetryArrives = false
        harness.tick()
        harness.tick()
        #expect(!harness.kernel.alarms[.telemetryStale].active, "two periods old is not yet stale")
        harness.tick()
        #expect(harness.raised(.telemetryStale))
        #expect(harness.state == .treating)
        #expect(harness.lastCommand.tractionVelocity <= .zero)
        harness.telemetryArrives = true
        harness.tick()
        #expect(!harness.kernel.alarms[.telemetryStale].active)
    }

    @Test func staleTelemetryHoldsTheCeilingAndStopsTheTableWithoutPayingOut() {
        var harness = Self.treating(at: 250)
        harness.rampCeiling(to: 300)
        let ceiling = harness.lastCommand.forceCeiling
        #expect(ceiling == 300)
        harness.demand.command.forceCeiling = 400
        harness.telemetryArrives = false
        // Whatever the controller asks while the readings are late: hold.
        for demand: MillimetresPerSecond in [5, -20, 0, -3, 8, -8] {
            harness.demand.command.tractionVelocity = demand
            harness.tick()
            guard harness.kernel.alarms[.telemetryStale].active else { continue }
            #expect(harness.lastCommand.tractionVelocity == .zero, "no pull and no blind pay-out")
            #expect(harness.lastCommand.forceCeiling == ceiling, "the ceiling neither rises nor drops")
            #expect(harness.lastCommand.releaseProfile == .none)
        }
        #expect(harness.kernel.alarms[.telemetryStale].active)
        harness.telemetryArrives = true
        harness.demand.command.tractionVelocity = 1
        harness.tick()
        #expect(!harness.kernel.alarms[.telemetryStale].active)
        #expect(harness.lastCommand.forceCeiling == ceiling)
    }

    @Test func aPauseRestoresTensionUpToTheForceItHeldAndNeverAbove() {
        var harness = Self.treating(at: 120)
        harness.rampCeiling(to: 300)
        harness.demand.command.tractionVelocity = 2
        harness.tick()
        harness.command(.pause)
        harness.tick()
        #expect(harness.state == .paused)
        let held = try! #require(harness.kernel.pausedHoldForce)
        #expect(held == 120)
        // The patient creeps: the force falls, and the table may take it up.
        harness.setForce(115)
        harness.tick()
        #expect(harness.lastCommand.tractionVelocity > .zero)
        #expect(harness.lastCommand.forceCeiling <= held)
        // Back at the held force: no further pull, the ceiling stays there.
        harness.setForce(120.5)
        harness.tick()
        #expect(harness.lastCommand.tractionVelocity <= .zero)
        #expect(harness.lastCommand.forceCeiling <= held)
        // An alarm that blocks tension blocks the restoring too.
        harness.setForce(110)
        harness.telemetry.loadCellForce = 110
        harness.telemetry.redundantForce = 110
        harness.context.deadlineMissed = true
        for _ in 0...harness.configuration.overrunBudget { harness.tick() }
        #expect(harness.kernel.alarms[.controlLoopOverrun].active)
        harness.tick()
        #expect(harness.lastCommand.tractionVelocity <= .zero)
        harness.context.deadlineMissed = false
        harness.command(.resume)
        #expect(harness.kernel.pausedHoldForce == nil || harness.state == .paused)
    }

    @Test func telemetrySilentForFiftyMillisecondsLatchesLinkFault() {
        var harness = Self.treating(at: 100)
        harness.telemetryArrives = false
        let bound = Int((harness.configuration.telemetryLossTimeout / harness.period).rounded(.down)) + 1
        let ticks = harness.ticks(upTo: bound) { $0.state == .fault }
        #expect(ticks == bound)
        #expect(harness.kernel.alarms[.linkLost].active)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    @Test func linkLostDuringTreatmentLatchesFaultAtOnce() {
        var harness = Self.treating(at: 100)
        harness.link(.lost)
        #expect(harness.state == .fault)
        #expect(harness.raised(.linkLost))
        let command = harness.tick()
        #expect(command.releaseProfile == .normal)
        #expect(command.tractionVelocity <= .zero)
        #expect(command.lease <= DriveCommand.defaultLease)
    }

    @Test func sampleFromBeforeReconnectionDoesNotCountAsFresh() {
        var harness = Self.treating(at: 100)
        harness.link(.lost)
        harness.telemetryArrives = false
        harness.tick()
        harness.link(.connected)
        harness.link(.handshakeDone)
        harness.tick()
        #expect(harness.kernel.alarms[.linkLost].conditionPresent, "only a new sample proves the link is back")
        harness.telemetryArrives = true
        harness.tick()
        #expect(!harness.kernel.alarms[.linkLost].conditionPresent)
        harness.command(.reset)
        #expect(harness.state == .selfTest)
    }

    // MARK: H7 patient switch

    @Test func patientSwitchReleasesAtEmergencyRateWithinOneTick() {
        var harness = Self.treating(at: 300, limit: 400)
        harness.telemetry.patientSwitch = .pressed
        harness.tick()
        #expect(harness.raised(.patientRelease))
        #expect(harness.state == .emergency)
        #expect(harness.lastCommand.releaseProfile == .emergency)
        #expect(harness.kernel.alarms[.patientRelease].priority == .high)
    }

    @Test func patientSwitchDisablesDriveAfterSlack() {
        var harness = Self.treating(at: 300, limit: 400)
        harness.telemetry.patientSwitch = .pressed
        harness.tick()
        #expect(harness.lastCommand.driveEnabled)
        harness.setForce(harness.configuration.slackForce)
        harness.tick()
        #expect(!harness.lastCommand.driveEnabled)
    }

    @Test func patientSwitchChannelDisagreementFaultsAndBlocksNewSession() {
        var harness = KernelHarness()
        harness.bringToReady()
        harness.telemetry.patientSwitch = PatientSwitchChannels(channelAPressed: true, channelBPressed: false)
        harness.tick()
        #expect(harness.state == .emergency, "a press on one channel counts as a press")
        let bound = Int((harness.configuration.patientSwitchDisagreementTime / harness.period).rounded(.up)) + 1
        #expect(harness.ticks(upTo: bound) { $0.kernel.alarms[.patientSwitchFault].active } != nil)
        harness.command(.reset)
        #expect(harness.refusal(of: .reset) == .conditionPresent)
        harness.command(.arm)
        #expect(harness.refusal(of: .arm) == .notAllowedInState)
        #expect(harness.state == .emergency)
    }

    // MARK: H8 emergency stop

    @Test func emergencyStopDisablesDriveWithinOneTick() {
        var harness = Self.treating(at: 300, limit: 400)
        harness.telemetry.emergencyStopPressed = true
        let command = harness.tick()
        #expect(harness.raised(.emergencyStop))
        #expect(harness.state == .emergency)
        #expect(!command.driveEnabled)
        #expect(command.tractionVelocity == .zero)
    }

    @Test func emergencyStopNeedsReleaseAndResetToLeaveEmergency() {
        var harness = Self.treating(at: 10)
        harness.telemetry.emergencyStopPressed = true
        harness.tick()
        harness.command(.reset)
        #expect(harness.refusal(of: .reset) == .conditionPresent)
        harness.telemetry.emergencyStopPressed = false
        harness.tick()
        #expect(harness.state == .emergency, "releasing the e-stop alone does not leave emergency")
        #expect(!harness.lastCommand.driveEnabled)
        harness.command(.reset)
        #expect(harness.state == .selfTest)
        harness.selfTest(passed: true)
        #expect(harness.state == .ready)
        #expect(harness.kernel.alarms[.emergencyStop].acknowledgedBy == KernelHarness.clinician)
    }

    // MARK: H9 angles

    @Test func angleMovesAreRefusedAboveNonTherapeuticForce() {
        var harness = Self.treating(at: 100)
        harness.demand.command.angleVelocities.flexion = 1
        #expect(harness.tick().angleVelocities.flexion == .zero)
        harness.setForce(harness.configuration.nonTherapeuticForce)
        #expect(harness.tick().angleVelocities.flexion == 1)
    }

    @Test func angleMovesUnderTensionAreAllowedWhenArticulationIsDeclared() {
        var harness = Self.treating(at: 100)
        harness.demand.command.angleVelocities.flexion = 1
        harness.context.articulationDeclared = true
        #expect(harness.tick().angleVelocities.flexion == 1)
        harness.telemetry.angles.flexion = 3
        harness.tick()
        #expect(harness.state == .treating, "a declared articulation is not a move under tension")
    }

    @Test func angleOutOfRangeReleasesWithinOneTick() {
        var harness = Self.treating(at: 100)
        harness.telemetry.angles.flexion = 31
        harness.tick()
        #expect(harness.raised(.angleOutOfRange))
        #expect(harness.state == .releasing)
        #expect(harness.lastCommand.angleVelocities == .zero)
    }

    @Test func angleMovedUnderTensionReleasesWithinOneTick() {
        var harness = Self.treating(at: 100)
        harness.telemetry.angles.lateralTilt = 1
        harness.tick()
        #expect(harness.raised(.angleMovedUnderTension))
        #expect(harness.state == .releasing)
    }

    @Test func angleFollowingErrorReleasesAfterTheConfiguredTime() {
        var harness = Self.treating(at: 30)
        harness.context.angleTargets = Angles(flexion: 10)
        let bound = Int((harness.configuration.angleFollowingErrorTime / harness.period).rounded(.up)) + 1
        let ticks = harness.ticks(upTo: bound) { $0.state == .releasing }
        #expect(ticks != nil)
        #expect((ticks ?? 0) >= bound - 1, "a lag shorter than the allowed time must not trip")
        #expect(harness.kernel.alarms[.angleFollowingError].active)
    }

    @Test func angleVelocityStopsAtTheEndOfItsRange() {
        var harness = Self.treating(at: 10)
        harness.telemetry.angles.flexion = 30
        harness.demand.command.angleVelocities.flexion = 1
        #expect(harness.tick().angleVelocities.flexion == .zero)
        harness.demand.command.angleVelocities.flexion = -50
        #expect(harness.tick().angleVelocities.flexion == -2, "limited to the axis's top speed")
    }

    // MARK: H10 harness

    @Test func openHarnessPreventsArming() {
        var harness = KernelHarness()
        harness.bringToReady()
        harness.telemetry.harnessClosed = false
        harness.tick()
        #expect(harness.raised(.harnessOpen))
        harness.command(.arm)
        #expect(harness.refusal(of: .arm) == .conditionPresent)
        #expect(harness.state == .ready)
    }

    @Test func harnessOpeningDuringSessionReleasesWithinOneTick() {
        var harness = Self.treating(at: 100)
        harness.telemetry.harnessClosed = false
        harness.tick()
        #expect(harness.state == .releasing)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    // MARK: H11 overruns

    @Test func overrunsPastBudgetRaiseMediumAlarmAndHoldTension() {
        var harness = Self.treating(at: 100)
        harness.demand.command.tractionVelocity = 5
        harness.demand.command.forceCeiling = 300
        harness.context.deadlineMissed = true
        let budget = harness.configuration.overrunBudget
        let ticks = harness.ticks(upTo: budget + 1) { $0.kernel.alarms[.controlLoopOverrun].active }
        #expect(ticks == budget + 1)
        #expect(harness.state == .treating)
        #expect(harness.lastCommand.tractionVelocity <= .zero)
    }

    @Test func overrunsPastHardBudgetFaultAndRelease() {
        var harness = Self.treating(at: 100)
        harness.context.deadlineMissed = true
        let hardBudget = harness.configuration.overrunHardBudget
        let ticks = harness.ticks(upTo: hardBudget + 1) { $0.state == .fault }
        #expect(ticks == hardBudget + 1)
        #expect(harness.kernel.alarms[.controlLoopFailure].active)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    // MARK: H17 drive

    @Test func driveFaultBitLatchesFaultAndReleasesWithinOneTick() {
        var harness = Self.treating(at: 100)
        harness.telemetry.driveFaults = .overcurrent
        harness.tick()
        #expect(harness.raised(.driveFault))
        #expect(harness.state == .fault)
        #expect(harness.lastCommand.releaseProfile == .normal)
    }

    @Test func faultDisablesDriveOnceSlack() {
        var harness = Self.treating(at: 100)
        harness.telemetry.driveFaults = .overtemperature
        harness.tick()
        #expect(harness.lastCommand.driveEnabled)
        harness.setForce(5)
        harness.tick()
        #expect(!harness.lastCommand.driveEnabled)
    }
}
