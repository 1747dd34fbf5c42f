import Testing
import TractionDevice
import TractionPlant
import TractionTherapy

@Suite struct InputsAndAngleTests {
    @Test func switchesAndInterlocksAreReportedInTelemetry() {
        let link = SimulatedTableLink(configuration: .still())
        var now = MonotonicInstant.origin
        #expect(link.latestTelemetry(at: now)?.patientSwitch == .released)
        link.plant.inputs.patientSwitch = PatientSwitchChannels(channelAPressed: true, channelBPressed: false)
        now = now + 0.004
        let oneChannel = link.latestTelemetry(at: now)!
        #expect(oneChannel.patientSwitch.eitherPressed && oneChannel.patientSwitch.channelsDisagree)
        link.plant.inputs.patientSwitch = .pressed
        link.plant.inputs.emergencyStopPressed = true
        link.plant.inputs.harnessClosed = false
        now = now + 0.004
        let all = link.latestTelemetry(at: now)!
        #expect(all.patientSwitch == .pressed)
        #expect(all.emergencyStopPressed)
        #expect(!all.harnessClosed)
        #expect(all.receivedAt == now)
    }

    @Test func angleAxesFollowAtNoMoreThanTheirRateAndStopAtTheirRange() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        var previous = rig.telemetry.angles
        var fastestFlexion = 0.0
        let command = DriveCommand(driveEnabled: true, angleVelocities: AngleRates(flexion: 10, lateralTilt: -10, rotation: 0.5),
                                   forceCeiling: 50)
        try rig.repeatCommand(command, for: 20) { telemetry, _ in
            fastestFlexion = max(fastestFlexion, (telemetry.angles.flexion - previous.flexion).value / 0.004)
            previous = telemetry.angles
        }
        let angles = rig.telemetry.angles
        #expect(fastestFlexion <= AngleActuatorParameters.flexion.range.maximumRate.value + 1e-9)
        #expect(angles.flexion.value > 30 - 1e-9 && angles.flexion.value <= 30)
        #expect(angles.lateralTilt.value >= -15 && angles.lateralTilt.value < -15 + 1e-9)
        #expect(abs(angles.rotation.value - 0.5 * 20) < 0.1)
    }

    @Test func angleAxesStandStillWithoutALiveCommand() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        let command = DriveCommand(driveEnabled: true, angleVelocities: AngleRates(flexion: 2), forceCeiling: 50)
        try rig.repeatCommand(command, for: 2)
        rig.stayQuiet(for: 0.5)
        let afterLease = rig.telemetry.angles.flexion
        rig.stayQuiet(for: 2)
        #expect(rig.telemetry.angles.flexion == afterLease)
    }

    @Test func anglePositionControlReachesItsTargetsOnThePlantWithinRates() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        let identity = try rig.link.identify()
        var controllers = AngleControllers(axes: identity.angleAxes)
        let targets = Angles(flexion: 12, lateralTilt: -4, rotation: 40)
        var fastest = AngleRates.zero
        for _ in 0..<(30 * 250) {
            let measured = rig.telemetry.angles
            let demand = controllers.update(targets: targets, measured: measured, period: rig.period)
            fastest.flexion = max(fastest.flexion, demand.flexion.magnitude)
            fastest.rotation = max(fastest.rotation, demand.rotation.magnitude)
            try rig.link.send(DriveCommand(driveEnabled: true, angleVelocities: demand, forceCeiling: 50), at: rig.now)
            rig.now = rig.now + rig.period
        }
        let final = rig.telemetry.angles
        #expect(abs(final.flexion.value - 12) < 0.1)
        #expect(abs(final.lateralTilt.value + 4) < 0.1)
        #expect(abs(final.rotation.value - 15) < 0.1, "a target beyond the range stops at the range")
        #expect(fastest.flexion <= identity.range(of: .flexion)!.maximumRate)
        #expect(fastest.rotation <= identity.range(of: .rotation)!.maximumRate)
    }
}
