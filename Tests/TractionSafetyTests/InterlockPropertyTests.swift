import PropertyBased
import Testing
import TractionDevice
@testable import TractionSafety

/// The invariants of SAFETY.md, checked after every step of long random
/// sequences of operator commands, link events and ticks with disturbed
/// telemetry and hostile controller demands.
///
/// Shrinking is off: shrinking a sequence of 500 steps takes many minutes,
/// which would stall `make test` on a failure. A failure prints the seed;
/// add `.fixedSeed("...")` and `.shrinking` to the test to reproduce and
/// shrink it locally.
@Suite(.shrinking(false))
struct InterlockPropertyTests {
    static let stepsPerSequence = 500
    static let sequences = 80
    static let steps = Gen.int(in: 0...Int(Int32.max)).array(of: stepsPerSequence)

    /// Guards the other properties against passing vacuously: the random
    /// world must visit every state and see tension actually rise.
    @Test func randomSequencesVisitEveryStateAndPull() async {
        var visited: Set<InterlockState> = []
        var pulled = false
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes {
                let command = world.perform(code)
                visited.insert(world.harness.state)
                if let command, command.tractionVelocity > .zero { pulled = true }
            }
        }
        #expect(visited == Set(InterlockState.allCases), "never visited \(Set(InterlockState.allCases).subtracting(visited))")
        #expect(pulled)
    }

    @Test func tensionRisesOnlyInTreatingOrBackToThePausedForceAndWithinTheEnvelope() async {
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes {
                let before = world.harness.lastCommand
                guard let command = world.perform(code) else { continue }
                let harness = world.harness
                let limit = min(harness.context.sessionForceLimit ?? harness.configuration.idleForceLimit,
                                harness.configuration.hardCap(for: harness.context.region))
                #expect(command.forceCeiling <= limit)
                let step = harness.configuration.maximumForceRate * harness.configuration.tickPeriod
                #expect(command.forceCeiling - before.forceCeiling <= step + 1e-9)
                if command.tractionVelocity > .zero || command.forceCeiling > before.forceCeiling {
                    #expect(harness.state == .treating || harness.state == .paused)
                    #expect(!harness.kernel.alarmsBlockTensionIncrease)
                    #expect(command.releaseProfile == .none && command.driveEnabled)
                }
                if harness.state == .paused {
                    // A pause restores what creep takes, never more than it held.
                    let held = try #require(harness.kernel.pausedHoldForce)
                    #expect(command.forceCeiling <= held)
                    if command.tractionVelocity > .zero { #expect(harness.telemetry.measuredForce < held) }
                }
                if command.tractionVelocity > .zero {
                    #expect(harness.telemetry.measuredForce < limit)
                }
            }
        }
    }

    @Test func patientSwitchEmergencyStopOverForceAndLinkLossReleaseOrDisableInTheSameTick() async {
        let urgent: Set<InterlockEvent> = [.patientSwitchPressed, .emergencyStop, .overForceLimit, .overForceHardCap,
                                           .telemetryLost]
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes {
                let command = world.perform(code)
                let harness = world.harness
                let causes = harness.events.events.compactMap(\.cause)
                if world.lastStepWasLinkLoss {
                    #expect([.offline, .fault, .emergency].contains(harness.state))
                }
                guard let command else { continue }
                if causes.contains(where: urgent.contains) {
                    #expect(command.releaseProfile != .none || !command.driveEnabled, "after \(causes)")
                    #expect(command.tractionVelocity <= .zero)
                }
                if harness.telemetry.emergencyStopPressed && world.sampleWasFresh {
                    #expect(!command.driveEnabled, "e-stop must cut the drive in the same tick")
                }
                if harness.telemetry.patientSwitch.eitherPressed && world.sampleWasFresh {
                    #expect(command.releaseProfile == .emergency || !command.driveEnabled)
                }
            }
        }
    }

    @Test func latchedAlarmBlocksTensionIncreaseUntilAcknowledgedAndClear() async {
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes {
                guard let command = world.perform(code) else { continue }
                let alarms = world.harness.kernel.alarms
                if !alarms.activeLatched.isEmpty || !alarms.presentConditions.isEmpty {
                    #expect(command.tractionVelocity <= .zero)
                    #expect(command.angleVelocities == .zero)
                }
                for record in alarms.activeAlarms where record.code.latches && !record.conditionPresent {
                    #expect(!record.isAcknowledged, "an acknowledged, clear latched alarm must have ended")
                }
            }
        }
    }

    @Test func readyIsReachableFromEveryStateOnceConditionsClear() async {
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes { world.perform(code) }
            let reachedFrom = world.harness.state
            world.recover()
            #expect(world.harness.state == .ready, "no way back to ready from \(reachedFrom)")
        }
    }

    @Test func noEventIsIgnoredSilently() async {
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes {
                let command = world.perform(code)
                let events = world.harness.events.events
                if let sent = world.lastExternalEvent {
                    #expect(events.filter { $0.cause == sent }.count == 1, "\(sent) left no single record")
                }
                guard command != nil else { continue }
                for case .alarmRaised(let alarm, _) in events {
                    #expect(events.contains { $0.cause == alarm.risingEdgeEvent }, "\(alarm) raised without an event")
                }
            }
        }
    }

    @Test func latchedStatesAreLeftOnlyByReset() async {
        await propertyCheck(count: Self.sequences, input: Self.steps) { codes in
            var world = RandomWorld()
            for code in codes {
                let before = world.harness.state
                world.perform(code)
                let after = world.harness.state
                guard before.isLatched, after != before else { continue }
                let escalation = before == .fault && after == .emergency
                #expect(escalation || (after == .selfTest && world.lastExternalEvent == .reset))
            }
        }
    }
}

extension SafetyEvent {
    /// The interlock event a transition or refusal records, if any.
    var cause: InterlockEvent? {
        switch self {
        case .transition(_, _, let cause, _, _, _): cause
        case .refused(let event, _, _, _, _): event
        default: nil
        }
    }
}

/// A random world around the kernel: each step code picks an operator
/// command, a link event, a self-test result or a tick after some
/// disturbance of the telemetry, the context or the controller's demand.
struct RandomWorld {
    var harness = KernelHarness()
    private(set) var lastExternalEvent: InterlockEvent?
    private(set) var lastStepWasLinkLoss = false
    private(set) var sampleWasFresh = false
    /// Added to the measured force before every tick.
    private var forceDriftPerTick: Newtons = 0
    /// Extra time the next tick takes (a host stall).
    private var pendingGap: Seconds?

    static let forces: [Newtons] = [0, 10, 40, 100, 250, 320, 345, 600, 895, 2000, -80]
    static let commands: [OperatorCommand] = [.arm, .start, .start, .arm, .pause, .resume, .adjust, .stop,
                                              .acknowledge, .reset, .acknowledge, .resume, .pause, .pause, .reset, .start]

    init() {
        harness.bringToReady()
        harness.context.sessionForceLimit = 300
        harness.demand = DriveDemand(command: DriveCommand(driveEnabled: true, tractionVelocity: 5, forceCeiling: 300),
                                     targetForce: 250)
    }

    /// Performs one step; returns the command when the step was a tick.
    @discardableResult
    mutating func perform(_ code: Int) -> DriveCommand? {
        lastExternalEvent = nil
        lastStepWasLinkLoss = false
        let selector = code % 100
        let detail = code / 100
        switch selector {
        case 0..<8:
            let command = Self.commands[detail % Self.commands.count]
            lastExternalEvent = command.event
            harness.command(command, by: "operator:\(detail % 3)")
        case 8..<10:
            let event = LinkEvent.allCases[detail % 3]
            lastExternalEvent = [.linkConnected, .handshakeDone, .linkLost][detail % 3]
            lastStepWasLinkLoss = event == .lost
            if event == .lost { harness.telemetryArrives = false }
            if event == .handshakeDone { harness.telemetryArrives = true }
            harness.link(event)
        case 10..<12:
            lastExternalEvent = detail % 4 == 0 ? .selfTestFailed : .selfTestPassed
            harness.selfTest(passed: detail % 4 != 0)
        case 12:
            lastExternalEvent = .sessionComplete
            harness.sessionComplete()
        case 13..<19:
            disturb(detail)
            return tick()
        case 19..<27:
            advanceTowardsTreatment()
        default:
            return tick()
        }
        return nil
    }

    private mutating func tick() -> DriveCommand {
        sampleWasFresh = harness.telemetryArrives && harness.kernel.linkUp
        if forceDriftPerTick != .zero { harness.setForce(harness.telemetry.loadCellForce + forceDriftPerTick) }
        defer { pendingGap = nil }
        return harness.tick(advancingBy: pendingGap)
    }

    private mutating func disturb(_ detail: Int) {
        let choice = detail % 23
        let value = detail / 23
        switch choice {
        case 0: harness.setForce(Self.forces[value % Self.forces.count])
        // The patient's force drifts each tick: steady, slowly rising, or too fast (250 N/s).
        case 16, 17, 18: forceDriftPerTick = [0, 0.05, 0.5][value % 3]
        case 1: harness.setForce(harness.telemetry.loadCellForce + Newtons(Double(value % 5) - 2))
        case 2: harness.telemetry.patientSwitch = [.released, .pressed, PatientSwitchChannels(channelAPressed: true),
                                                   .released][value % 4]
        case 3: harness.telemetry.emergencyStopPressed = value % 3 == 0
        case 4: harness.telemetry.harnessClosed = value % 3 != 0
        case 5: harness.telemetry.driveFaults = value % 3 == 0 ? .overcurrent : .none
        case 6: harness.telemetry.redundantForce = harness.telemetry.loadCellForce + Newtons(Double(value % 3) * 60)
        case 7: harness.telemetry.angles = [.zero, Angles(flexion: 5), Angles(flexion: 35), Angles(lateralTilt: 1)][value % 4]
        case 8: harness.telemetryArrives = value % 4 != 0
        case 9: pendingGap = 0.060 // a stall longer than the link-loss timeout
        case 10: harness.context.deadlineMissed = value % 3 == 0
        case 11: harness.telemetry.tractionVelocity = [0, 5, -5][value % 3]
        case 12: harness.context.sessionForceLimit = [nil, 300, 120][value % 3]
        case 13: harness.context.articulationDeclared = value % 2 == 0
        case 14: harness.context.angleTargets = [nil, Angles(flexion: 5), Angles(flexion: 20)][value % 3]
        case 15:
            harness.demand.command = DriveCommand(
                driveEnabled: value % 5 != 0,
                tractionVelocity: [10, 0, -10, 1000, 3][value % 5],
                angleVelocities: AngleRates(flexion: [0, 1, -30][value % 3]),
                forceCeiling: [300, 0, 1000, 120, 880][(value / 5) % 5],
                releaseProfile: ReleaseProfile.allCases[(value / 25) % 3],
                lease: [0.05, 10, 0][value % 3])
            harness.demand.targetForce = [100, 300, 950][(value / 3) % 3]
        default:
            // The world heals: nominal readings, so sequences also spend time treating.
            harness.telemetry = Telemetry(receivedAt: harness.telemetry.receivedAt, sequence: harness.telemetry.sequence,
                                          harnessClosed: true, driveEnabled: true)
            harness.telemetryArrives = true
            harness.context.deadlineMissed = false
            forceDriftPerTick = value % 2 == 0 ? 0.05 : 0
        }
    }

    /// A purposeful operator: the next step of the way back to `ready`
    /// (`InterlockTable.recoveryStep`), then arm, start and resume; so that
    /// random sequences spend much of their time treating.
    private mutating func advanceTowardsTreatment() {
        let event: InterlockEvent? = switch harness.state {
        case .ready: .arm
        case .armed: .start
        case .paused: .resume
        case .treating: nil
        default: InterlockTable.recoveryStep[harness.state]
        }
        guard let event else { return }
        lastExternalEvent = event
        switch event {
        case .arm: harness.command(.arm)
        case .start: harness.command(.start)
        case .resume: harness.command(.resume)
        case .stop: harness.command(.stop)
        case .reset: harness.command(.reset)
        case .linkConnected: harness.link(.connected)
        case .handshakeDone:
            harness.telemetryArrives = true
            harness.link(.handshakeDone)
        case .selfTestPassed: harness.selfTest(passed: true)
        default: lastExternalEvent = nil // slackReached comes from a tick
        }
    }

    /// Clears every condition, then follows the operator's recovery
    /// procedure (`InterlockTable.recoveryStep`) until `ready`.
    mutating func recover() {
        harness.telemetry = Telemetry(harnessClosed: true, driveEnabled: true)
        harness.telemetryArrives = true
        harness.context = TickContext(sessionForceLimit: nil)
        harness.demand = DriveDemand(command: DriveCommand(driveEnabled: true))
        if !harness.kernel.linkUp {
            // The link layer reconnects on its own once the cable is back.
            harness.link(.connected)
            harness.link(.handshakeDone)
        }
        // Long enough for every windowed condition (overruns: one window) to clear.
        let windowTicks = Int((harness.configuration.overrunWindow / harness.period).rounded(.up)) + 2
        for _ in 0..<windowTicks { harness.tick() }
        for _ in 0..<(2 * InterlockState.allCases.count) where harness.state != .ready {
            switch InterlockTable.recoveryStep[harness.state] {
            case .stop?: harness.command(.stop)
            case .acknowledge?: harness.command(.acknowledge)
            case .reset?: harness.command(.reset)
            case .linkConnected?: harness.link(.connected)
            case .handshakeDone?: harness.link(.handshakeDone)
            case .selfTestPassed?: harness.selfTest(passed: true)
            default: break // slackReached: the next tick reports it
            }
            harness.tick()
        }
    }
}
