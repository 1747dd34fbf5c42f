import Testing
import TractionDevice
import TractionPlant
import TractionSafety
import TractionTherapy
@testable import TractionEngine

/// H6, the start window: a `leaseExpired` latch the table reports when the
/// daemon starts is the trace of the previous daemon (it stopped commanding
/// with the drive on and the table released by itself), not a drive fault.
/// Any other drive fault at start, and a lease that expires once this engine
/// has enabled the drive, stay DRIVE_FAULT.
@Suite struct StartWindowTests {
    /// A session pulling on the plant, then the daemon freezes: no command
    /// reaches the table any more, its lease runs out, it latches
    /// `leaseExpired` and releases by itself for `seconds`.
    static func tableLeftByAFrozenDaemon(releasingFor seconds: Double) throws -> EngineRig {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        var ticks = 0
        while rig.plant.trueCableForce < 80 && ticks < 5000 { rig.tick(); ticks += 1 }
        #expect(rig.plant.trueCableForce >= 80, "the session pulls before the freeze")
        rig.now = rig.now + Seconds(seconds)
        rig.plant.advance(to: rig.now)
        #expect(rig.plant.telemetry(at: rig.now).driveFaults.contains(.leaseExpired))
        return rig
    }

    /// The restarted daemon: a new engine on the same table.
    static func restart(_ rig: inout EngineRig) {
        let identity = rig.engine.identity
        rig.engine = Engine(configuration: rig.engine.configuration, identity: identity)
        rig.events.removeAll()
        rig.engine.linkConnected(at: rig.now, into: &rig.log)
        rig.engine.handshakeDone(at: rig.now, into: &rig.log)
        rig.collect()
    }

    static func raised(_ code: AlarmCode, in events: [EngineEvent]) -> Bool {
        events.contains { if case .safety(.alarmRaised(code, _)) = $0 { true } else { false } }
    }

    static func leaseReported(in events: [EngineEvent]) -> Bool {
        events.contains { if case .tableLeaseExpiredAtStart = $0 { true } else { false } }
    }

    @Test func aLeaseLatchFoundAtStartIsAnInterruptedSessionNotADriveFault() throws {
        // Long enough for the table's own release to reach slack.
        var rig = try Self.tableLeftByAFrozenDaemon(releasingFor: 60)
        #expect(rig.plant.trueCableForce < 15)
        Self.restart(&rig)
        rig.tickUntilReady()
        #expect(rig.engine.state == .ready)
        #expect(rig.engine.tableLeaseExpiredAtStart)
        #expect(Self.leaseReported(in: rig.events))
        #expect(!Self.raised(.driveFault, in: rig.events))
        #expect(rig.events.contains { if case .selfTestFinished(true, nil, _, _) = $0 { true } else { false } })
        // The engine's drive-off commands cleared the table's latch.
        #expect(!rig.plant.telemetry(at: rig.now).driveFaults.contains(.leaseExpired))
        #expect(!rig.engine.startWindowOpen)
    }

    @Test func aLeaseLatchWithAnotherDriveFaultAtStartIsStillADriveFault() throws {
        var rig = try Self.tableLeftByAFrozenDaemon(releasingFor: 60)
        rig.plant.faults.driveFaults = [.overtemperature]
        Self.restart(&rig)
        rig.tick(200)
        #expect(rig.engine.state == .fault)
        #expect(Self.raised(.driveFault, in: rig.events))
        // The lease bit is still recorded as the previous daemon's trace.
        #expect(rig.engine.tableLeaseExpiredAtStart)
    }

    @Test func aRestartWhileTheTableStillReleasesFaultsOnTensionAndReleasesWithoutADriveFault() throws {
        // Restarted 0.3 s after the freeze: the table is still releasing by itself.
        var rig = try Self.tableLeftByAFrozenDaemon(releasingFor: 0.3)
        #expect(rig.plant.trueCableForce > 25)
        Self.restart(&rig)
        var ticks = 0
        while !(rig.engine.state == .fault && rig.plant.trueCableForce < 15) && ticks < 10_000 {
            rig.tick()
            ticks += 1
        }
        #expect(rig.engine.state == .fault, "tension at start is a fault with a controlled release, as before")
        #expect(rig.plant.trueCableForce < 15)
        #expect(rig.engine.tableLeaseExpiredAtStart)
        #expect(!Self.raised(.driveFault, in: rig.events))
        // Once slack the fault state turns the drive off, which clears the latch.
        rig.tick(50)
        #expect(!rig.lastCommand.driveEnabled)
        #expect(!rig.plant.telemetry(at: rig.now).driveFaults.contains(.leaseExpired))
    }

    @Test func aLeaseThatExpiresDuringThisDaemonsSessionIsADriveFault() throws {
        var rig = EngineRig()
        rig.tickUntilReady()
        #expect(rig.arm(try EngineRig.plan()) == .accepted)
        #expect(rig.start() == .accepted)
        rig.tick(500)
        #expect(rig.engine.state == .treating)
        #expect(!rig.engine.startWindowOpen)
        // Commands stop reaching the table (telemetry still arrives): its lease runs out.
        var ticks = 0
        while rig.engine.state == .treating && ticks < 200 {
            rig.plant.advance(to: rig.now)
            rig.lastCommand = rig.engine.step(now: rig.now, telemetry: rig.plant.telemetry(at: rig.now), into: &rig.log)
            rig.collect()
            rig.now = rig.now + EngineRig.period
            ticks += 1
        }
        #expect(rig.engine.state == .fault)
        #expect(Self.raised(.driveFault, in: rig.events))
        #expect(!rig.engine.tableLeaseExpiredAtStart)
        #expect(rig.engine.lastSessionEnd == .interrupted)
    }

    @Test func aTableThatKeepsItsLeaseLatchThroughTheSelfTestFailsIt() throws {
        var rig = EngineRig()
        var findings: [SelfTestFinding] = []
        for _ in 0..<300 {
            rig.plant.advance(to: rig.now)
            var sample = rig.plant.telemetry(at: rig.now)
            sample.driveFaults.insert(.leaseExpired)  // a table that ignores the drive-off re-arm
            rig.lastCommand = rig.engine.step(now: rig.now, telemetry: sample, into: &rig.log)
            _ = rig.plant.receive(rig.lastCommand, at: rig.now)
            for case .selfTestFinished(false, let finding?, _, _) in rig.log.events { findings.append(finding) }
            rig.collect()
            rig.now = rig.now + EngineRig.period
        }
        #expect(findings == [.driveFault])
        #expect(rig.engine.state == .fault)
        // The window closed with the self-test: the latch is now a drive fault.
        #expect(Self.raised(.driveFault, in: rig.events))
    }

    @Test func aReplacementEngineTreatsALeaseLatchAsADriveFault() {
        let plantConfiguration = PlantConfiguration(seed: 3, disturbances: .none)
        var engine = Engine(configuration: EngineConfiguration().adapted(to: plantConfiguration.identity),
                            identity: plantConfiguration.identity)
        engine.closeStartWindow()
        var log = EngineEventLog()
        var plant = TablePlant(configuration: plantConfiguration)
        engine.linkConnected(at: .origin, into: &log)
        engine.handshakeDone(at: .origin, into: &log)
        var sample = plant.telemetry(at: .origin)
        sample.driveFaults.insert(.leaseExpired)
        _ = engine.step(now: .origin, telemetry: sample, into: &log)
        #expect(engine.state == .fault)
        #expect(!engine.tableLeaseExpiredAtStart)
    }
}
