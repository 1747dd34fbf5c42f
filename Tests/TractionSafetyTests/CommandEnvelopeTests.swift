import Testing
import TractionDevice
@testable import TractionSafety

/// The envelope clamps whatever the controller asks, state by state.
@Suite
struct CommandEnvelopeTests {
    /// A demand that tries everything at once.
    static let greedy = DriveDemand(command: DriveCommand(
        driveEnabled: true, tractionVelocity: 1000, angleVelocities: AngleRates(flexion: 50, lateralTilt: -50, rotation: 50),
        forceCeiling: 880, releaseProfile: .none, lease: 10))

    static func inputs(_ state: InterlockState, force: Newtons = 10, blocks: Bool = false,
                       previousCeiling: Newtons = 10) -> EnvelopeInputs {
        EnvelopeInputs(policy: state.policy, driveLatchedOff: false, alarmBlocks: blocks,
                       sample: Telemetry(loadCellForce: force, redundantForce: force), forceMaximum: 300,
                       previousCeiling: previousCeiling, pausedHoldForce: nil, articulationDeclared: false)
    }

    @Test func noPullOutsideTreating() {
        for state in InterlockState.allCases where state != .treating {
            let command = CommandEnvelope.clamp(Self.greedy.command, Self.inputs(state), configuration: .init()).command
            #expect(command.tractionVelocity <= .zero, "\(state)")
            #expect(command.forceCeiling <= 10, "\(state): the ceiling may not rise")
        }
    }

    @Test func pullInTreatingIsBoundedBySpeedCeilingAndLease() {
        let configuration = SafetyConfiguration()
        let command = CommandEnvelope.clamp(Self.greedy.command, Self.inputs(.treating), configuration: configuration).command
        #expect(command.tractionVelocity == configuration.maximumTractionSpeed)
        #expect(command.forceCeiling <= 10 + configuration.maximumForceRate * configuration.tickPeriod)
        #expect(command.lease == configuration.maximumCommandLease)
    }

    @Test func noPullAtOrAboveTheEnvelopeMaximum() {
        let command = CommandEnvelope.clamp(Self.greedy.command, Self.inputs(.treating, force: 300, previousCeiling: 300),
                                            configuration: .init()).command
        #expect(command.tractionVelocity <= .zero)
        #expect(command.forceCeiling <= 300)
    }

    /// A blocked hold keeps its ceiling through the force's noise: it is
    /// not pulled down to every low reading (the ratchet the whole-daemon
    /// simulation found, seed 9399), follows a force that has really fallen
    /// by more than the margin, and never rises above the ceiling in force.
    @Test(arguments: [95.0, 300.0])
    func aBlockedHoldKeepsItsCeilingThroughNoiseAndNeverRaisesIt(ceiling: Double) {
        let held = Newtons(ceiling)
        let margin = CommandEnvelope.holdMargin(held)
        func ceilingFor(force: Newtons) -> Newtons {
            CommandEnvelope.clamp(Self.greedy.command,
                                  Self.inputs(.treating, force: force, blocks: true, previousCeiling: held),
                                  configuration: .init()).command.forceCeiling
        }
        // Noise below the ceiling, within the margin: the ceiling stays.
        for dip in stride(from: 0.0, through: margin.value * 0.95, by: margin.value / 8) {
            #expect(ceilingFor(force: held - Newtons(dip)) == held, "a \(dip) N dip moved the ceiling")
        }
        // A force that has really fallen: the ceiling sits the margin above it.
        let fallen = held * 0.7
        #expect(ceilingFor(force: fallen) == fallen + CommandEnvelope.holdMargin(fallen))
        // Above the ceiling (a cough): the ceiling stays, never rises.
        #expect(ceilingFor(force: held + 40) == held)
        #expect(CommandEnvelope.holdMargin(held) <= max(held * 0.10, Newtons(10)), "inside the H1 tolerance")
    }

    @Test func noPullWhileAnAlarmBlocks() {
        let command = CommandEnvelope.clamp(Self.greedy.command, Self.inputs(.treating, blocks: true), configuration: .init()).command
        #expect(command.tractionVelocity <= .zero)
        #expect(command.angleVelocities == .zero)
    }

    @Test func noPullWithoutFreshTelemetry() {
        var inputs = Self.inputs(.treating)
        inputs.sample = nil
        let command = CommandEnvelope.clamp(Self.greedy.command, inputs, configuration: .init()).command
        #expect(command.tractionVelocity <= .zero)
        #expect(command.angleVelocities == .zero)
    }

    @Test func releaseStatesForceTheReleaseProfileWhateverTheControllerAsks() {
        let expected: [InterlockState: ReleaseProfile] = [.releasing: .normal, .fault: .normal, .emergency: .emergency]
        for (state, profile) in expected {
            var demand = Self.greedy.command
            demand.driveEnabled = false
            let command = CommandEnvelope.clamp(demand, Self.inputs(state), configuration: .init()).command
            #expect(command.releaseProfile == profile, "\(state)")
            #expect(command.tractionVelocity == .zero, "\(state)")
            // Drive off would mean "brakes applied" to a table read to the
            // letter (docs/wire-protocol.md section 10.2): kept on to release.
            #expect(command.driveEnabled, "\(state): drive kept on to release")
        }
    }

    @Test func latchedDriveStaysDisabledInEveryState() {
        for state in InterlockState.allCases {
            var inputs = Self.inputs(state)
            inputs.driveLatchedOff = true
            let command = CommandEnvelope.clamp(Self.greedy.command, inputs, configuration: .init()).command
            #expect(!command.driveEnabled, "\(state)")
            #expect(command.tractionVelocity == .zero && command.angleVelocities == .zero, "\(state)")
        }
    }

    @Test func nonFiniteDemandsNeverPassThrough() {
        let demand = DriveCommand(driveEnabled: true, tractionVelocity: MillimetresPerSecond(.nan),
                                  angleVelocities: AngleRates(flexion: DegreesPerSecond(.infinity)),
                                  forceCeiling: Newtons(.nan), lease: Seconds(.infinity))
        let command = CommandEnvelope.clamp(demand, Self.inputs(.treating), configuration: .init()).command
        #expect(command.tractionVelocity == .zero)
        #expect(command.angleVelocities.flexion == .zero)
        #expect(command.forceCeiling == .zero)
        #expect(command.lease == DriveCommand.defaultLease)
    }

    @Test func controllerMayAlwaysAskToRelease() {
        var demand = Self.greedy.command
        demand.releaseProfile = .emergency
        let command = CommandEnvelope.clamp(demand, Self.inputs(.paused), configuration: .init()).command
        #expect(command.releaseProfile == .emergency)
        #expect(command.tractionVelocity == .zero)
    }
}
