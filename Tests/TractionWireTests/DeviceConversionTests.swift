import PropertyBased
import Testing
import TractionDevice
@testable import TractionWire

/// Conversions between the wire's fixed-point fields and TractionDevice's
/// engineering units.
@Suite struct DeviceConversionTests {
    @Test func aDriveCommandBecomesTheDocumentedFixedPointFields() throws {
        let command = DriveCommand(
            driveEnabled: true, tractionVelocity: 2.5,
            angleVelocities: AngleRates(flexion: -1.25, lateralTilt: 0.001, rotation: 0),
            forceCeiling: 450, releaseProfile: .normal, lease: 0.1)
        let message = try CommandMessage(command)
        #expect(message == CommandMessage(
            driveEnabled: true, releaseProfile: .normal, leaseMilliseconds: 100,
            tractionVelocityMicrometresPerSecond: 2_500, flexionVelocityMillidegreesPerSecond: -1_250,
            lateralTiltVelocityMillidegreesPerSecond: 1, rotationVelocityMillidegreesPerSecond: 0,
            forceCeilingCentinewtons: 45_000))
        #expect(DriveCommand(message) == command)
    }

    @Test func valuesRoundToTheNearestWireUnit() throws {
        #expect(try CommandMessage(DriveCommand(forceCeiling: 312.474)).forceCeilingCentinewtons == 31_247)
        #expect(try CommandMessage(DriveCommand(forceCeiling: 312.476)).forceCeilingCentinewtons == 31_248)
        #expect(try CommandMessage(DriveCommand(tractionVelocity: -0.0016)).tractionVelocityMicrometresPerSecond == -2)
    }

    @Test func theDefaultLeaseTravelsAs100Milliseconds() throws {
        #expect(try CommandMessage(DriveCommand.disabled).leaseMilliseconds == 100)
    }

    @Test func aCommandThatCannotBeRepresentedIsRefusedNotClamped() {
        #expect(throws: WireEncodingError.notFinite(field: "traction velocity (mm/s)")) {
            try CommandMessage(DriveCommand(tractionVelocity: MillimetresPerSecond(.nan)))
        }
        #expect(throws: WireEncodingError.self) { try CommandMessage(DriveCommand(forceCeiling: -0.01)) }
        #expect(throws: WireEncodingError.self) { try CommandMessage(DriveCommand(forceCeiling: 3e7)) }
        #expect(throws: WireEncodingError.self) { try CommandMessage(DriveCommand(lease: 0.0004)) }
        #expect(throws: WireEncodingError.self) { try CommandMessage(DriveCommand(lease: 66)) }
        #expect(throws: WireEncodingError.self) { try CommandMessage(DriveCommand(angleVelocities: AngleRates(rotation: .init(.infinity)))) }
    }

    @Test func telemetryAtWireResolutionSurvivesTheRoundTripThroughEngineeringUnits() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            var message = random.telemetryMessage()
            // Device time within 2^53 µs so that seconds as a Double stay exact enough.
            message.deviceTimeMicroseconds %= 1 << 50
            let sample = message.telemetry(sequence: 77, receivedAt: MonotonicInstant(nanoseconds: 5))
            #expect(sample.sequence == 77 && sample.receivedAt.nanoseconds == 5)
            let back = try TelemetryMessage(sample, commandLeaseActive: message.inputs.contains(.commandLeaseActive),
                                            lastCommandSequence: message.lastCommandSequence)
            #expect(back == message)
        }
    }

    @Test func telemetryThatCannotBeRepresentedIsRefused() {
        #expect(throws: WireEncodingError.self) {
            try TelemetryMessage(Telemetry(loadCellForce: 3e7), commandLeaseActive: false, lastCommandSequence: 0)
        }
        #expect(throws: WireEncodingError.self) {
            try TelemetryMessage(Telemetry(deviceTime: -1), commandLeaseActive: false, lastCommandSequence: 0)
        }
        #expect(throws: WireEncodingError.notFinite(field: "flexion (°)")) {
            try TelemetryMessage(Telemetry(angles: Angles(flexion: Degrees(.nan))), commandLeaseActive: false,
                                 lastCommandSequence: 0)
        }
    }

    @Test func theInputBitsMapToTheirTelemetryFields() {
        let message = TelemetryMessage(
            deviceTimeMicroseconds: 0, loadCellForceCentinewtons: 0, redundantForceCentinewtons: 0,
            tractionPositionMicrometres: 0, tractionVelocityMicrometresPerSecond: 0,
            inputs: [.patientSwitchChannelBPressed, .emergencyStopPressed], driveFaults: DriveFaults.overcurrent.rawValue)
        let sample = message.telemetry(sequence: 0, receivedAt: .origin)
        #expect(sample.patientSwitch == PatientSwitchChannels(channelAPressed: false, channelBPressed: true))
        #expect(sample.patientSwitch.channelsDisagree)
        #expect(sample.emergencyStopPressed && !sample.harnessClosed && !sample.driveEnabled)
        #expect(sample.driveFaults == .overcurrent)
    }

    @Test func aTableIdentitySurvivesTheRoundTrip() throws {
        let identity = TableIdentity(
            protocolVersion: 1, firmwareVersion: "emu-0.1", serialNumber: "SIM-1",
            angleAxes: [AngleAxisRange(axis: .rotation, minimum: -20, maximum: 20, maximumRate: 2.5)],
            maximumForce: 900, maximumTravel: 250, lease: 0.1, telemetryRateHertz: 500, simulated: true, redundantForceChannel: true)
        #expect(try IdentifyResponse(identity).identity == identity)
    }

    @Test func anIdentityWithAnAxisListedTwiceCannotBeEncoded() throws {
        let axis = AngleAxisRange(axis: .flexion, minimum: 0, maximum: 30, maximumRate: 5)
        let identity = TableIdentity(
            protocolVersion: 1, firmwareVersion: "x", serialNumber: "y", angleAxes: [axis, axis],
            maximumForce: 900, maximumTravel: 250, lease: 0.1, telemetryRateHertz: 500, simulated: true, redundantForceChannel: true)
        let message = try IdentifyResponse(identity)
        #expect(throws: WireEncodingError.invalidMessage(.identifyResponse, .invalidValue(field: "axis_code", value: 1))) {
            try FrameEncoder.frame(.identifyResponse(message), sequence: 0)
        }
    }
}
