import Testing
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy

/// The runtime's request, reply and telemetry paths against the simulated table.
@Suite(.serialized)
struct ControlLoopRuntimeTests {
    @Test func tareIsDoneInReadyWithASlackCable() throws {
        let rig = try RuntimeRig()
        #expect(rig.wait { $0.state == .ready })
        let reply = try #require(rig.send(.tare))
        #expect(reply.outcome == .accepted)
        #expect(reply.state == .ready)
    }

    @Test func tareIsRefusedWithTensionOnTheCable() throws {
        // Both force channels reading 17 N at rest: above the 15 N slack
        // force, yet within what the self-test accepts (they agree), so the
        // table becomes ready.
        let rig = try RuntimeRig {
            $0.faults.sensors.loadCellOffsetError = 17
            $0.faults.sensors.redundantOffsetError = 17
        }
        #expect(rig.wait { $0.state == .ready }, "state \(rig.runtime.snapshot.state), events \(rig.events.suffix(12))")
        let reply = try #require(rig.send(.tare))
        guard case .refused(.tensionPresent(let measured)) = reply.outcome else {
            Issue.record("expected TENSION_PRESENT, got \(reply.outcome)")
            return
        }
        #expect(measured > 15)
    }

    /// The table itself fails the tare (its load cell is stuck): the reply
    /// says so, and is not mistaken for tension on the cable.
    @Test func aTareTheTableFailsIsReportedWithTheTablesReason() throws {
        let rig = try RuntimeRig { $0.faults.sensors.loadCellStuck = true }
        #expect(rig.wait { $0.state == .ready }, "state \(rig.runtime.snapshot.state), events \(rig.events.suffix(12))")
        let reply = try #require(rig.send(.tare))
        #expect(reply.outcome == .refused(.tareFailed(.sensorFault)))
        #expect(reply.state == .ready)
    }

    @Test func tareIsRefusedOutsideReady() throws {
        let rig = try RuntimeRig()
        #expect(rig.wait { $0.state == .ready })
        let plan = try RuntimeRig.plan(limits: rig.configuration.therapyLimits)
        #expect(rig.send(.arm(plan, patientReference: "P-1"))?.outcome == .accepted)
        let reply = try #require(rig.send(.tare))
        #expect(reply.outcome == .refused(.notAllowedInState(.armed)))
    }

    @Test func repliesCarryTheStateTheGrantedForceAndWhetherAStopStoppedSomething() throws {
        let rig = try RuntimeRig()
        #expect(rig.wait { $0.state == .ready })
        let idleStop = try #require(rig.send(.stop))
        #expect(idleStop.outcome == .accepted)
        #expect(idleStop.detail == .stopped(wasRunning: false))
        let plan = try RuntimeRig.plan(holdForce: 120, limits: rig.configuration.therapyLimits)
        #expect(rig.send(.arm(plan, patientReference: "P-1"))?.state == .armed)
        let start = try #require(rig.send(.start(confirmed: false)))
        #expect(start.outcome == .accepted)
        #expect(start.state == .treating)
        let adjust = try #require(rig.send(.adjust(holdForce: 1000)))
        #expect(adjust.detail == .holdForce(requested: 1000, granted: plan.highestTarget))
        let stop = try #require(rig.send(.stop))
        #expect(stop.detail == .stopped(wasRunning: true))
        #expect(stop.state == .releasing)
    }

    /// A configuration reload swaps engines on the control thread, and the
    /// engine it replaced comes back to be freed by the caller, never there.
    @Test func aReplacedEngineComesBackInTheReplyAndARefusedOneToo() throws {
        let rig = try RuntimeRig()
        #expect(rig.wait { $0.state == .ready })
        let identity = rig.runtime.identity
        let offered = EngineHandOver(Engine(configuration: rig.configuration, identity: identity))
        #expect(offered.engine.startWindowOpen, "a fresh engine has not yet judged a sample")
        let reply = try #require(rig.send(.replaceEngine(offered)))
        #expect(reply.outcome == .accepted)
        #expect(reply.detail == .engineHandedBack(offered))
        // The box now holds the engine that ran until now: its start window
        // closed when its self-test ended.
        #expect(!offered.engine.startWindowOpen)
        #expect(offered.engine.state == .ready)
        #expect(rig.wait { $0.state == .ready }, "the new engine runs its self-test and is ready")

        let plan = try RuntimeRig.plan(limits: rig.configuration.therapyLimits)
        #expect(rig.send(.arm(plan, patientReference: "P-1"))?.outcome == .accepted)
        let refusedOffer = EngineHandOver(Engine(configuration: rig.configuration, identity: identity))
        let refused = try #require(rig.send(.replaceEngine(refusedOffer)))
        #expect(refused.outcome == .refused(.notAllowedInState(.armed)))
        #expect(refused.detail == .engineHandedBack(refusedOffer))
        #expect(refusedOffer.engine.startWindowOpen, "refused: the box still holds the engine offered")
        #expect(rig.runtime.snapshot.state == .armed)
    }

    @Test func everyTickPublishesASnapshotForTelemetry() throws {
        let rig = try RuntimeRig()
        #expect(rig.wait { $0.ticks >= 100 })
        rig.drain()
        #expect(rig.snapshotsSeen >= 90, "one snapshot per tick, drained at the service's pace")
        #expect(rig.runtime.telemetry.refused == 0)
    }

    @Test func aFullTelemetryQueueDropsAndCountsWithoutStoppingTheLoop() throws {
        let rig = try RuntimeRig()
        // Nobody drains the telemetry queue: it fills after `capacity` ticks.
        let capacity = rig.runtime.telemetry.capacity
        let deadline = ContinuousClock.now + .seconds(20)
        while rig.runtime.snapshot.ticks < UInt64(capacity + 50) && ContinuousClock.now < deadline {
            _ = rig.runtime.events.pop()
        }
        #expect(rig.runtime.telemetry.refused > 0)
        let ticks = rig.runtime.snapshot.ticks
        #expect(ticks > UInt64(capacity), "the loop kept ticking")
    }

    @Test func acknowledgeOneCodeRepliesWithWhatItAcknowledged() throws {
        let rig = try RuntimeRig()
        #expect(rig.wait { $0.state == .ready })
        let refused = try #require(rig.send(.acknowledgeAlarm(.harnessOpen)))
        #expect(refused.outcome == .refused(.alarmNotActive(.harnessOpen)))
        let all = try #require(rig.send(.acknowledge))
        #expect(all.outcome == .accepted)
        #expect(all.detail == .acknowledged(AlarmConditions()))
    }
}
