import Testing
import TractionDevice
import TractionPlant
import TractionSafety
@testable import TractionEngine

/// The rest release (docs/safety.md, section 2 and H1): outside a session a
/// table holds its cable on the brake, so tension found above the slack force
/// is paid out by a normal release the engine asks for, and the drive goes
/// off again once the table has braked at its own slack.
@Suite struct RestReleaseTests {
    static func raisedAlarms(_ events: [EngineEvent]) -> [AlarmCode] {
        events.compactMap { if case .safety(.alarmRaised(let code, _)) = $0 { code } else { nil } }
    }

    /// The daemon restarts while the table still pays out by itself (its
    /// lease ran out 1 s before): the self-test's drive-off commands clear the
    /// table's latch and it brakes at about 20 N, which the self-test lets
    /// pass (below its largest idle force, 25 N); `ready` pays it out.
    @Test func tensionFoundAtRestartIsPaidOutToSlackOnceReady() throws {
        var rig = try StartWindowTests.tableLeftByAFrozenDaemon(releasingFor: 1)
        StartWindowTests.restart(&rig)
        rig.tickUntilReady()
        #expect(rig.engine.state == .ready)
        let slack = rig.engine.configuration.safety.slackForce
        let found = rig.plant.trueCableForce
        #expect(found > slack, "the premise: the restart finds tension above slack (\(found))")
        var drivenTicks = 0
        for _ in 0..<Int(20 / EngineRig.period.value) {
            rig.tick()
            if rig.lastCommand.driveEnabled {
                drivenTicks += 1
                // Only ever a release: nothing pulls at rest.
                #expect(rig.lastCommand.releaseProfile == .normal)
                #expect(rig.lastCommand.tractionVelocity <= .zero)
            }
        }
        #expect(rig.plant.trueCableForce <= slack)
        #expect(rig.engine.lastTelemetry.map { $0.measuredForce <= slack } == true)
        #expect(!rig.lastCommand.driveEnabled, "the drive is off again once the table braked at slack")
        #expect(rig.engine.state == .ready)
        #expect(Self.raisedAlarms(rig.events).isEmpty, "\(Self.raisedAlarms(rig.events))")
        #expect(drivenTicks > 0, "the found tension was paid out by a release")
    }

    /// Both force channels read 17 N with the table at home, where the
    /// cable is fully paid out: that is the load cell's zero, not tension.
    /// Nothing is released (there is nothing to pay out), nothing sounds,
    /// and the table stays ready for a technician to see the reading.
    @Test func aLoadCellReadingAboveSlackAtHomeIsNoTensionToRelease() throws {
        var rig = EngineRig(seed: 5)
        rig.plant.faults.sensors.loadCellOffsetError = 17
        rig.plant.faults.sensors.redundantOffsetError = 17
        rig.tickUntilReady()
        #expect(rig.engine.state == .ready)
        let sample = try #require(rig.engine.lastTelemetry)
        #expect(sample.measuredForce > rig.engine.configuration.safety.slackForce, "the premise: it reads above slack")
        #expect(sample.tractionPosition <= RestRelease.homeMargin, "the premise: the table is at home")
        var drivenTicks = 0
        for _ in 0..<Int(5 / EngineRig.period.value) {
            rig.tick()
            if rig.lastCommand.driveEnabled { drivenTicks += 1 }
        }
        #expect(drivenTicks == 0)
        #expect(rig.engine.state == .ready)
        // (The reading's jump at power-up may sound FORCE_RATE_HIGH, low
        // priority; no release was asked for, so none can stall.)
        #expect(!Self.raisedAlarms(rig.events).contains(.releaseNotProgressing))
    }

    /// Over the minutes after a session, whatever the weight, the patient's
    /// recoil never leaves more than the slack force on the harness for
    /// longer than one release takes, and the drive is not kept on at rest.
    @Test(arguments: [40.0, 80.0, 150.0])
    func afterASessionTheHarnessStaysSlackAtRest(weight: Double) throws {
        var rig = EngineRig(seed: 3)
        rig.tickUntilReady()
        let plan = try EngineRig.plan(holdForce: 200, weight: weight)
        #expect(rig.arm(plan) == .accepted)
        #expect(rig.start(confirmed: true) == .accepted)
        rig.tick(Int(30 / EngineRig.period.value))
        #expect(rig.engine.stop(by: "clinician", at: rig.now, into: &rig.log) == .accepted)
        rig.collect()
        var ticks = 0
        while rig.engine.state != .ready && ticks < 15_000 { rig.tick(); ticks += 1 }
        #expect(rig.engine.state == .ready)
        let slack = rig.engine.configuration.safety.slackForce
        var longestAboveSlack = 0.0, aboveSlack = 0.0, drivenTicks = 0
        let restTicks = Int(120 / EngineRig.period.value)
        for _ in 0..<restTicks {
            rig.tick()
            if rig.lastCommand.driveEnabled { drivenTicks += 1 }
            aboveSlack = rig.plant.trueCableForce > slack + 1 ? aboveSlack + EngineRig.period.value : 0
            longestAboveSlack = max(longestAboveSlack, aboveSlack)
        }
        #expect(longestAboveSlack < 1.5, "tension above slack at rest for \(longestAboveSlack) s")
        #expect(Double(drivenTicks) < 0.1 * Double(restTicks), "drive on for \(drivenTicks) of \(restTicks) ticks")
        #expect(rig.engine.state == .ready)
        #expect(Self.raisedAlarms(rig.events).filter { $0 != .forceRateHigh }.isEmpty,
                "\(Self.raisedAlarms(rig.events))")
    }

    /// A table that does not pay out when asked to at rest is not left
    /// silently holding the tension: RELEASE_NOT_PROGRESSING (H19).
    @Test func aTableThatDoesNotPayOutAtRestRaisesReleaseNotProgressing() throws {
        var rig = try StartWindowTests.tableLeftByAFrozenDaemon(releasingFor: 1)
        StartWindowTests.restart(&rig)
        rig.plant.faults.releaseStalled = true
        rig.tickUntilReady()
        let slack = rig.engine.configuration.safety.slackForce
        let found = rig.plant.trueCableForce
        rig.tick(Int(3 / EngineRig.period.value))
        if found > slack + 2 {
            #expect(Self.raisedAlarms(rig.events).contains(.releaseNotProgressing))
            // H19's reaction: the emergency release, the table's other way out.
            #expect(rig.engine.state == .emergency)
            #expect(rig.lastCommand.releaseProfile == .emergency)
        } else {
            Issue.record("the rig should leave tension above slack at restart (found \(found))")
        }
    }

    @Test func theRestReleaseStartsAboveSlackAndEndsOnlyOnceTheTableHolds() {
        var release = RestRelease()
        func sample(_ force: Double, _ velocity: Double, at position: Double = 50) -> Telemetry {
            Telemetry(deviceTime: 0, receivedAt: .origin, sequence: 0, loadCellForce: Newtons(force),
                      redundantForce: Newtons(force), tractionPosition: Millimetres(position),
                      tractionVelocity: MillimetresPerSecond(velocity))
        }
        let slack = Newtons(8)
        func step(_ state: InterlockState, _ force: Double, _ velocity: Double) -> Bool {
            release.update(state: state, sample: sample(force, velocity), slackForce: slack)
        }
        #expect(!step(.ready, 8, 0))
        #expect(step(.ready, 8.5, 0))
        // Below slack but still paying out: keep asking.
        #expect(step(.ready, 6, -3))
        #expect(!step(.ready, 5, 0))
        // Never in a session, offline or a release state of the kernel's own.
        for state in InterlockState.allCases where state != .ready && state != .armed {
            var other = RestRelease()
            let active = other.update(state: state, sample: sample(40, 0), slackForce: slack)
            #expect(!active, "\(state)")
        }
        #expect(step(.armed, 30, 0))
        #expect(!step(.armed, .nan, 0))
        // At home (within 2 mm) there is nothing to pay out: never started,
        // and one under way ends there.
        let atHome = release.update(state: .ready, sample: sample(30, 0, at: 1.5), slackForce: slack)
        #expect(!atHome)
        #expect(step(.ready, 30, 0))
        let reachedHome = release.update(state: .ready, sample: sample(30, -3, at: 2), slackForce: slack)
        #expect(!reachedHome)
    }
}
