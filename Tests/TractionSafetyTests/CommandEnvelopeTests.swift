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
