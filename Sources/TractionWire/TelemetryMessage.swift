import TractionDevice

/// The discrete inputs and drive state in a TELEMETRY payload (byte 36).
public struct TelemetryInputs: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let patientSwitchChannelAPressed = TelemetryInputs(rawValue: 1 << 0)
    public static let patientSwitchChannelBPressed = TelemetryInputs(rawValue: 1 << 1)
    public static let emergencyStopPressed = TelemetryInputs(rawValue: 1 << 2)
    public static let harnessClosed = TelemetryInputs(rawValue: 1 << 3)
    public static let driveEnabled = TelemetryInputs(rawValue: 1 << 4)
    /// A command lease is running: the table is following the host.
    public static let commandLeaseActive = TelemetryInputs(rawValue: 1 << 5)

    static let defined: TelemetryInputs = [
        .patientSwitchChannelAPressed, .patientSwitchChannelBPressed, .emergencyStopPressed,
        .harnessClosed, .driveEnabled, .commandLeaseActive,
    ]
}

/// TELEMETRY (0x11), table -> host, 42 bytes, one sample per telemetry period.
///
/// | offset | type | field                        | unit   |
/// |--------|------|------------------------------|--------|
/// | 0      | u64  | device time since table start| µs     |
/// | 8      | i32  | load-cell force              | 0.01 N |
/// | 12     | i32  | redundant force estimate     | 0.01 N |
/// | 16     | i32  | traction position            | µm     |
/// | 20     | i32  | traction velocity            | µm/s   |
/// | 24     | i32  | flexion angle                | mdeg   |
/// | 28     | i32  | lateral tilt angle           | mdeg   |
/// | 32     | i32  | rotation angle               | mdeg   |
/// | 36     | u8   | inputs (`TelemetryInputs`)   | -      |
/// | 37     | u8   | reserved, 0                  | -      |
/// | 38     | u16  | drive faults (`DriveFaults`) | -      |
/// | 40     | u16  | sequence of last accepted COMMAND | - |
public struct TelemetryMessage: Sendable, Hashable {
    public static let payloadLength = 42

    public var deviceTimeMicroseconds: UInt64
    public var loadCellForceCentinewtons: Int32
    public var redundantForceCentinewtons: Int32
    public var tractionPositionMicrometres: Int32
    public var tractionVelocityMicrometresPerSecond: Int32
    public var flexionMillidegrees: Int32
    public var lateralTiltMillidegrees: Int32
    public var rotationMillidegrees: Int32
    public var inputs: TelemetryInputs
    /// Raw `DriveFaults` bits. Bits this version does not define are kept:
    /// the host treats any set bit as a drive fault.
    public var driveFaults: UInt16
    public var lastCommandSequence: UInt16

    public init(deviceTimeMicroseconds: UInt64, loadCellForceCentinewtons: Int32, redundantForceCentinewtons: Int32,
                tractionPositionMicrometres: Int32, tractionVelocityMicrometresPerSecond: Int32,
                flexionMillidegrees: Int32 = 0, lateralTiltMillidegrees: Int32 = 0, rotationMillidegrees: Int32 = 0,
                inputs: TelemetryInputs, driveFaults: UInt16 = 0, lastCommandSequence: UInt16 = 0) {
        self.deviceTimeMicroseconds = deviceTimeMicroseconds
        self.loadCellForceCentinewtons = loadCellForceCentinewtons
        self.redundantForceCentinewtons = redundantForceCentinewtons
        self.tractionPositionMicrometres = tractionPositionMicrometres
        self.tractionVelocityMicrometresPerSecond = tractionVelocityMicrometresPerSecond
        self.flexionMillidegrees = flexionMillidegrees
        self.lateralTiltMillidegrees = lateralTiltMillidegrees
        self.rotationMillidegrees = rotationMillidegrees
        self.inputs = inputs
        self.driveFaults = driveFaults
        self.lastCommandSequence = lastCommandSequence
    }

    func validate() throws(PayloadError) {
        let undefinedInputs = inputs.rawValue & ~TelemetryInputs.defined.rawValue
        if undefinedInputs != 0 { throw .reservedBitsSet(field: "inputs", value: UInt32(inputs.rawValue)) }
    }

    func encodePayload(into bytes: inout [UInt8]) {
        bytes.appendLittleEndian(deviceTimeMicroseconds)
        bytes.appendLittleEndian(loadCellForceCentinewtons)
        bytes.appendLittleEndian(redundantForceCentinewtons)
        bytes.appendLittleEndian(tractionPositionMicrometres)
        bytes.appendLittleEndian(tractionVelocityMicrometresPerSecond)
        bytes.appendLittleEndian(flexionMillidegrees)
        bytes.appendLittleEndian(lateralTiltMillidegrees)
        bytes.appendLittleEndian(rotationMillidegrees)
        bytes.append(inputs.rawValue)
        bytes.append(0)
        bytes.appendLittleEndian(driveFaults)
        bytes.appendLittleEndian(lastCommandSequence)
    }

    init(payload reader: inout PayloadReader) throws(PayloadError) {
        deviceTimeMicroseconds = try reader.read(UInt64.self, field: "device_time_us")
        loadCellForceCentinewtons = try reader.read(Int32.self, field: "load_cell_force_cN")
        redundantForceCentinewtons = try reader.read(Int32.self, field: "redundant_force_cN")
        tractionPositionMicrometres = try reader.read(Int32.self, field: "traction_position_um")
        tractionVelocityMicrometresPerSecond = try reader.read(Int32.self, field: "traction_velocity_um_s")
        flexionMillidegrees = try reader.read(Int32.self, field: "flexion_mdeg")
        lateralTiltMillidegrees = try reader.read(Int32.self, field: "lateral_tilt_mdeg")
        rotationMillidegrees = try reader.read(Int32.self, field: "rotation_mdeg")
        inputs = TelemetryInputs(rawValue: try reader.read(UInt8.self, field: "inputs"))
        let reserved = try reader.read(UInt8.self, field: "reserved")
        if reserved != 0 { throw .reservedBitsSet(field: "reserved", value: UInt32(reserved)) }
        driveFaults = try reader.read(UInt16.self, field: "drive_faults")
        lastCommandSequence = try reader.read(UInt16.self, field: "last_command_sequence")
        try validate()
    }
}

extension TelemetryMessage {
    /// The sample in engineering units, stamped with the frame's sequence and
    /// the host instant of reception.
    public func telemetry(sequence: UInt16, receivedAt: MonotonicInstant) -> Telemetry {
        Telemetry(
            deviceTime: Seconds(Double(deviceTimeMicroseconds) / WireUnits.microsecondsPerSecond),
            receivedAt: receivedAt,
            sequence: sequence,
            loadCellForce: Newtons(Double(loadCellForceCentinewtons) / WireUnits.centinewtonsPerNewton),
            redundantForce: Newtons(Double(redundantForceCentinewtons) / WireUnits.centinewtonsPerNewton),
            tractionPosition: Millimetres(Double(tractionPositionMicrometres) / WireUnits.micrometresPerMillimetre),
            tractionVelocity: MillimetresPerSecond(
                Double(tractionVelocityMicrometresPerSecond) / WireUnits.micrometresPerMillimetre),
            angles: Angles(
                flexion: Degrees(Double(flexionMillidegrees) / WireUnits.millidegreesPerDegree),
                lateralTilt: Degrees(Double(lateralTiltMillidegrees) / WireUnits.millidegreesPerDegree),
                rotation: Degrees(Double(rotationMillidegrees) / WireUnits.millidegreesPerDegree)),
            patientSwitch: PatientSwitchChannels(
                channelAPressed: inputs.contains(.patientSwitchChannelAPressed),
                channelBPressed: inputs.contains(.patientSwitchChannelBPressed)),
            emergencyStopPressed: inputs.contains(.emergencyStopPressed),
            harnessClosed: inputs.contains(.harnessClosed),
            driveEnabled: inputs.contains(.driveEnabled),
            driveFaults: DriveFaults(rawValue: driveFaults))
    }

    /// The wire form of a sample (the emulator's side). `sequence` and
    /// `receivedAt` of `sample` are not carried: the frame header holds the
    /// sequence and the host stamps reception itself.
    public init(_ sample: Telemetry, commandLeaseActive: Bool,
                lastCommandSequence: UInt16) throws(WireEncodingError) {
        var inputs: TelemetryInputs = []
        if sample.patientSwitch.channelAPressed { inputs.insert(.patientSwitchChannelAPressed) }
        if sample.patientSwitch.channelBPressed { inputs.insert(.patientSwitchChannelBPressed) }
        if sample.emergencyStopPressed { inputs.insert(.emergencyStopPressed) }
        if sample.harnessClosed { inputs.insert(.harnessClosed) }
        if sample.driveEnabled { inputs.insert(.driveEnabled) }
        if commandLeaseActive { inputs.insert(.commandLeaseActive) }
        self.init(
            deviceTimeMicroseconds: try WireUnits.uint64(sample.deviceTime.value, scale: WireUnits.microsecondsPerSecond,
                                                         field: "device time (s)"),
            loadCellForceCentinewtons: try WireUnits.int32(sample.loadCellForce.value, scale: WireUnits.centinewtonsPerNewton,
                                                           field: "load-cell force (N)"),
            redundantForceCentinewtons: try WireUnits.int32(sample.redundantForce.value,
                                                            scale: WireUnits.centinewtonsPerNewton,
                                                            field: "redundant force (N)"),
            tractionPositionMicrometres: try WireUnits.int32(sample.tractionPosition.value,
                                                             scale: WireUnits.micrometresPerMillimetre,
                                                             field: "traction position (mm)"),
            tractionVelocityMicrometresPerSecond: try WireUnits.int32(sample.tractionVelocity.value,
                                                                      scale: WireUnits.micrometresPerMillimetre,
                                                                      field: "traction velocity (mm/s)"),
            flexionMillidegrees: try WireUnits.int32(sample.angles.flexion.value, scale: WireUnits.millidegreesPerDegree,
                                                     field: "flexion (°)"),
            lateralTiltMillidegrees: try WireUnits.int32(sample.angles.lateralTilt.value,
                                                         scale: WireUnits.millidegreesPerDegree, field: "lateral tilt (°)"),
            rotationMillidegrees: try WireUnits.int32(sample.angles.rotation.value, scale: WireUnits.millidegreesPerDegree,
                                                      field: "rotation (°)"),
            inputs: inputs,
            driveFaults: sample.driveFaults.rawValue,
            lastCommandSequence: lastCommandSequence)
    }
}
