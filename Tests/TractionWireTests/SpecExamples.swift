import TractionDevice
@testable import TractionWire

/// The worked examples of docs/wire-protocol.md, as messages. The document's
/// hex blocks must be exactly the encoding of these (see SpecExampleTests).
enum SpecExamples {
    struct Example {
        var name: String
        var sequence: UInt16
        var message: WireMessage
    }

    static let all: [Example] = [
        Example(name: "identify-request", sequence: 0, message: .identifyRequest),
        Example(name: "identify-response", sequence: 0, message: .identifyResponse(IdentifyResponse(
            simulated: false, redundantForceChannel: true, telemetryRateHertz: 500, maximumLeaseMilliseconds: 100,
            maximumForceCentinewtons: 90_000, maximumTravelMicrometres: 300_000,
            axes: [
                WireAxisRange(axis: .flexion, minimumMillidegrees: -10_000, maximumMillidegrees: 35_000,
                              maximumRateMillidegreesPerSecond: 5_000),
                WireAxisRange(axis: .lateralTilt, minimumMillidegrees: -15_000, maximumMillidegrees: 15_000,
                              maximumRateMillidegreesPerSecond: 3_000),
            ],
            firmwareVersion: "TT-2.4.1", serialNumber: "AT-000417"))),
        Example(name: "command-pull", sequence: 1, message: .command(CommandMessage(
            driveEnabled: true, releaseProfile: .none, leaseMilliseconds: 100,
            tractionVelocityMicrometresPerSecond: 2_500, forceCeilingCentinewtons: 45_000))),
        Example(name: "command-emergency-release", sequence: 2, message: .command(CommandMessage(
            driveEnabled: true, releaseProfile: .emergency, leaseMilliseconds: 100,
            tractionVelocityMicrometresPerSecond: 0, forceCeilingCentinewtons: 0))),
        Example(name: "telemetry-treating", sequence: 1, message: .telemetry(TelemetryMessage(
            deviceTimeMicroseconds: 12_345_678, loadCellForceCentinewtons: 31_247, redundantForceCentinewtons: 30_990,
            tractionPositionMicrometres: 18_250, tractionVelocityMicrometresPerSecond: 2_480,
            flexionMillidegrees: 20_000, lateralTiltMillidegrees: -1_500, rotationMillidegrees: 0,
            inputs: [.harnessClosed, .driveEnabled, .commandLeaseActive], driveFaults: 0, lastCommandSequence: 1))),
        Example(name: "telemetry-patient-switch", sequence: 2, message: .telemetry(TelemetryMessage(
            deviceTimeMicroseconds: 12_347_678, loadCellForceCentinewtons: 31_020, redundantForceCentinewtons: 30_870,
            tractionPositionMicrometres: 18_245, tractionVelocityMicrometresPerSecond: -15_000,
            flexionMillidegrees: 20_000, lateralTiltMillidegrees: -1_500, rotationMillidegrees: 0,
            inputs: [.patientSwitchChannelAPressed, .harnessClosed, .driveEnabled, .commandLeaseActive],
            driveFaults: DriveFaults.patientSwitchRelease.rawValue, lastCommandSequence: 1))),
        Example(name: "fault-report-lease-expired", sequence: 3, message: .faultReport(FaultReport(
            deviceTimeMicroseconds: 15_000_000, activeFaults: DriveFaults.leaseExpired.rawValue,
            event: .leaseExpired, detail: 2, text: "lease expired"))),
        Example(name: "tare-request", sequence: 3, message: .tareRequest(TareRequest(targets: .loadCell))),
        Example(name: "tare-response", sequence: 4, message: .tareResponse(TareResponse(
            requestSequence: 3, targets: .loadCell, result: .done, loadCellOffsetCentinewtons: 137))),
    ]
}
