import TractionDevice

/// COMMAND (0x10), host -> table, 24 bytes: the drive demands until the next
/// command or until the lease runs out.
///
/// | offset | type | field                      | unit      |
/// |--------|------|----------------------------|-----------|
/// | 0      | u8   | flags (bit 0 drive enable) | -         |
/// | 1      | u8   | release profile 0/1/2      | -         |
/// | 2      | u16  | lease                      | ms        |
/// | 4      | i32  | traction velocity          | µm/s      |
/// | 8      | i32  | flexion velocity           | mdeg/s    |
/// | 12     | i32  | lateral tilt velocity      | mdeg/s    |
/// | 16     | i32  | rotation velocity          | mdeg/s    |
/// | 20     | i32  | force ceiling (>= 0)       | 0.01 N    |
public struct CommandMessage: Sendable, Hashable {
    public static let payloadLength = 24
    static let driveEnableBit: UInt8 = 1 << 0

    public var driveEnabled: Bool
    public var releaseProfile: ReleaseProfile
    /// 1...65535 ms. The table shortens it to its own maximum lease.
    public var leaseMilliseconds: UInt16
    public var tractionVelocityMicrometresPerSecond: Int32
    public var flexionVelocityMillidegreesPerSecond: Int32
    public var lateralTiltVelocityMillidegreesPerSecond: Int32
    public var rotationVelocityMillidegreesPerSecond: Int32
    /// The table stops pulling at this load-cell force; never negative.
    public var forceCeilingCentinewtons: Int32

    public init(driveEnabled: Bool, releaseProfile: ReleaseProfile, leaseMilliseconds: UInt16,
                tractionVelocityMicrometresPerSecond: Int32,
                flexionVelocityMillidegreesPerSecond: Int32 = 0,
                lateralTiltVelocityMillidegreesPerSecond: Int32 = 0,
                rotationVelocityMillidegreesPerSecond: Int32 = 0,
                forceCeilingCentinewtons: Int32) {
        self.driveEnabled = driveEnabled
        self.releaseProfile = releaseProfile
        self.leaseMilliseconds = leaseMilliseconds
        self.tractionVelocityMicrometresPerSecond = tractionVelocityMicrometresPerSecond
        self.flexionVelocityMillidegreesPerSecond = flexionVelocityMillidegreesPerSecond
        self.lateralTiltVelocityMillidegreesPerSecond = lateralTiltVelocityMillidegreesPerSecond
        self.rotationVelocityMillidegreesPerSecond = rotationVelocityMillidegreesPerSecond
        self.forceCeilingCentinewtons = forceCeilingCentinewtons
    }

    func validate() throws(PayloadError) {
        if leaseMilliseconds == 0 { throw .invalidValue(field: "lease_ms", value: 0) }
        if forceCeilingCentinewtons < 0 {
            throw .invalidValue(field: "force_ceiling_cN", value: Int64(forceCeilingCentinewtons))
        }
    }

    func encodePayload(into bytes: inout [UInt8]) {
        bytes.append(driveEnabled ? Self.driveEnableBit : 0)
        bytes.append(releaseProfile.rawValue)
        bytes.appendLittleEndian(leaseMilliseconds)
        bytes.appendLittleEndian(tractionVelocityMicrometresPerSecond)
        bytes.appendLittleEndian(flexionVelocityMillidegreesPerSecond)
        bytes.appendLittleEndian(lateralTiltVelocityMillidegreesPerSecond)
        bytes.appendLittleEndian(rotationVelocityMillidegreesPerSecond)
        bytes.appendLittleEndian(forceCeilingCentinewtons)
    }

    init(payload reader: inout PayloadReader) throws(PayloadError) {
        let flags = try reader.read(UInt8.self, field: "flags")
        if flags & ~Self.driveEnableBit != 0 {
            throw .reservedBitsSet(field: "flags", value: UInt32(flags))
        }
        let profileCode = try reader.read(UInt8.self, field: "release_profile")
        guard let profile = ReleaseProfile(rawValue: profileCode) else {
            throw .invalidValue(field: "release_profile", value: Int64(profileCode))
        }
        self.init(
            driveEnabled: flags & Self.driveEnableBit != 0,
            releaseProfile: profile,
            leaseMilliseconds: try reader.read(UInt16.self, field: "lease_ms"),
            tractionVelocityMicrometresPerSecond: try reader.read(Int32.self, field: "traction_velocity_um_s"),
            flexionVelocityMillidegreesPerSecond: try reader.read(Int32.self, field: "flexion_velocity_mdeg_s"),
            lateralTiltVelocityMillidegreesPerSecond: try reader.read(Int32.self, field: "lateral_tilt_velocity_mdeg_s"),
            rotationVelocityMillidegreesPerSecond: try reader.read(Int32.self, field: "rotation_velocity_mdeg_s"),
            forceCeilingCentinewtons: try reader.read(Int32.self, field: "force_ceiling_cN"))
        try validate()
    }
}

extension CommandMessage {
    /// The wire form of `command`. Throws rather than clamping when a value
    /// does not fit, when the lease rounds to 0 ms or exceeds 65535 ms, or
    /// when the force ceiling is negative.
    public init(_ command: DriveCommand) throws(WireEncodingError) {
        let ceiling = try WireUnits.int32(command.forceCeiling.value, scale: WireUnits.centinewtonsPerNewton,
                                          field: "force ceiling (N)")
        if ceiling < 0 {
            throw .outOfRange(field: "force ceiling (N)", value: command.forceCeiling.value,
                              representable: 0...Double(Int32.max) / WireUnits.centinewtonsPerNewton)
        }
        self.init(
            driveEnabled: command.driveEnabled,
            releaseProfile: command.releaseProfile,
            leaseMilliseconds: try WireUnits.uint16(command.lease.value, scale: WireUnits.millisecondsPerSecond,
                                                    field: "lease (s)", allowed: 1...UInt16.max),
            tractionVelocityMicrometresPerSecond: try WireUnits.int32(
                command.tractionVelocity.value, scale: WireUnits.micrometresPerMillimetre, field: "traction velocity (mm/s)"),
            flexionVelocityMillidegreesPerSecond: try WireUnits.int32(
                command.angleVelocities.flexion.value, scale: WireUnits.millidegreesPerDegree, field: "flexion velocity (°/s)"),
            lateralTiltVelocityMillidegreesPerSecond: try WireUnits.int32(
                command.angleVelocities.lateralTilt.value, scale: WireUnits.millidegreesPerDegree,
                field: "lateral tilt velocity (°/s)"),
            rotationVelocityMillidegreesPerSecond: try WireUnits.int32(
                command.angleVelocities.rotation.value, scale: WireUnits.millidegreesPerDegree, field: "rotation velocity (°/s)"),
            forceCeilingCentinewtons: ceiling)
    }
}

extension DriveCommand {
    /// The command a table received, in engineering units.
    public init(_ message: CommandMessage) {
        self.init(
            driveEnabled: message.driveEnabled,
            tractionVelocity: MillimetresPerSecond(
                Double(message.tractionVelocityMicrometresPerSecond) / WireUnits.micrometresPerMillimetre),
            angleVelocities: AngleRates(
                flexion: DegreesPerSecond(Double(message.flexionVelocityMillidegreesPerSecond) / WireUnits.millidegreesPerDegree),
                lateralTilt: DegreesPerSecond(
                    Double(message.lateralTiltVelocityMillidegreesPerSecond) / WireUnits.millidegreesPerDegree),
                rotation: DegreesPerSecond(Double(message.rotationVelocityMillidegreesPerSecond) / WireUnits.millidegreesPerDegree)),
            forceCeiling: Newtons(Double(message.forceCeilingCentinewtons) / WireUnits.centinewtonsPerNewton),
            releaseProfile: message.releaseProfile,
            lease: Seconds(Double(message.leaseMilliseconds) / WireUnits.millisecondsPerSecond))
    }
}
