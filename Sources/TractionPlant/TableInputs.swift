import TractionDevice

/// The table's discrete inputs, set by a test, the emulator or a replay's
/// fault script. The plant only reports them; reacting is the host's job
/// (except the e-stop, which cuts drive power in hardware).
public struct TableInputs: Sendable, Hashable {
    public var patientSwitch: PatientSwitchChannels
    /// The operator's emergency stop. Wired into the drive's power stage:
    /// while pressed the drive is unpowered whatever the host commands.
    public var emergencyStopPressed: Bool
    /// The harness interlock reports the patient secured.
    public var harnessClosed: Bool
    /// The split table's section latch. Latched, the section is solid and the
    /// body slides on it with full friction; released, it rides on rollers.
    public var splitSectionLatched: Bool

    public init(patientSwitch: PatientSwitchChannels = .released, emergencyStopPressed: Bool = false,
                harnessClosed: Bool = true, splitSectionLatched: Bool = false) {
        self.patientSwitch = patientSwitch
        self.emergencyStopPressed = emergencyStopPressed
        self.harnessClosed = harnessClosed
        self.splitSectionLatched = splitSectionLatched
    }
}

/// Faults injected into the table. All default to healthy.
public struct TableFaults: Sendable, Hashable {
    public var sensors: SensorFaults
    /// Drive fault bits the drive reports. Those that a real power stage trips
    /// on (`TableFaults.bitsThatCutDrivePower`) also unpower the drive.
    public var driveFaults: DriveFaults
    /// Mains lost at the table: the drive is unpowered and no telemetry is
    /// produced until power returns; then `DriveFaults.powerFail` stays set
    /// until the host re-arms the drive.
    public var powerLost: Bool
    /// The drive does not pay out on a release profile or its own release
    /// (a winch that brakes, a drive that ignores the profile): it holds
    /// where it is. The host's release supervision must find it (H19).
    public var releaseStalled: Bool

    public init(sensors: SensorFaults = SensorFaults(), driveFaults: DriveFaults = .none, powerLost: Bool = false,
                releaseStalled: Bool = false) {
        self.sensors = sensors
        self.driveFaults = driveFaults
        self.powerLost = powerLost
        self.releaseStalled = releaseStalled
    }

    /// Fault bits on which the power stage switches itself off.
    public static let bitsThatCutDrivePower: DriveFaults = [
        .overcurrent, .overtemperature, .undervoltage, .encoderFault, .motorStall, .powerFail,
    ]
}
