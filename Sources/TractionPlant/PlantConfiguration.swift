import TractionDevice

/// Everything that defines one simulated table and patient. Two plants built
/// from equal configurations and fed the same commands at the same instants
/// produce identical telemetry.
public struct PlantConfiguration: Sendable, Hashable {
    /// Seeds every random stream (sensor offsets and noise, disturbances).
    public var seed: UInt64
    public var patient: SimulatedPatient
    public var harness: HarnessParameters
    public var drive: DriveParameters
    public var sensors: ForceSensorParameters
    public var disturbances: DisturbanceParameters
    /// How the table's firmware reads the wire protocol (docs/wire-protocol.md).
    public var variant: TableVariant
    /// The identity says the table measures its force twice (it always does;
    /// false plays a revision 1.0 table that does not say so).
    public var declaresRedundantForceChannel = true
    /// The angle axes fitted; nil for an absent axis.
    public var flexionAxis: AngleActuatorParameters?
    public var lateralTiltAxis: AngleActuatorParameters?
    public var rotationAxis: AngleActuatorParameters?
    /// The fixed integration step. Every control rate the engine allows
    /// (250 to 1000 Hz) advances the plant by whole sub-steps, so the physics never depends on
    /// the caller's period. 1 ms resolves the fastest mode of the model (the
    /// head against the cervical spine, about 30 Hz) with margin.
    public var subStepNanoseconds: Int64
    public var firmwareVersion: String
    public var serialNumber: String

    public init(seed: UInt64 = 1,
                patient: SimulatedPatient = SimulatedPatient(),
                harness: HarnessParameters = HarnessParameters(),
                drive: DriveParameters = DriveParameters(),
                sensors: ForceSensorParameters = ForceSensorParameters(),
                disturbances: DisturbanceParameters = DisturbanceParameters(),
                variant: TableVariant = .standard,
                flexionAxis: AngleActuatorParameters? = .flexion,
                lateralTiltAxis: AngleActuatorParameters? = .lateralTilt,
                rotationAxis: AngleActuatorParameters? = .rotation,
                subStepNanoseconds: Int64 = 1_000_000,
                firmwareVersion: String = "sim-1.0",
                serialNumber: String = "SIM-0001") {
        self.seed = seed
        self.patient = patient
        self.harness = harness
        self.drive = drive
        self.sensors = sensors
        self.disturbances = disturbances
        self.variant = variant
        self.flexionAxis = flexionAxis
        self.lateralTiltAxis = lateralTiltAxis
        self.rotationAxis = rotationAxis
        self.subStepNanoseconds = subStepNanoseconds
        self.firmwareVersion = firmwareVersion
        self.serialNumber = serialNumber
    }

    /// Sub-steps from 0.1 ms to 2 ms keep every mode of the model stable
    /// (ω·h about 0.5 at most, for the stiffest: the head against the cervical spine).
    public static let validSubStepNanoseconds: ClosedRange<Int64> = 100_000...2_000_000

    /// The wire protocol version the simulated table claims.
    public static let protocolVersion: UInt8 = 1

    /// What the simulated table says about itself; always `simulated: true` (H15).
    public var identity: TableIdentity {
        TableIdentity(
            protocolVersion: Self.protocolVersion,
            firmwareVersion: firmwareVersion,
            serialNumber: serialNumber,
            angleAxes: [flexionAxis, lateralTiltAxis, rotationAxis].compactMap { $0?.range },
            maximumForce: drive.maximumForce,
            maximumTravel: drive.maximumTravel,
            lease: DriveCommand.defaultLease,
            telemetryRateHertz: 1e9 / Double(subStepNanoseconds),
            simulated: true,
            redundantForceChannel: declaresRedundantForceChannel
        )
    }
}
