import TractionDevice

/// One angle axis as the table declares it: 13 bytes in IDENTIFY_RESPONSE.
public struct WireAxisRange: Sendable, Hashable {
    /// Wire codes of the axes.
    public static func code(of axis: AngleAxis) -> UInt8 {
        switch axis {
        case .flexion: 1
        case .lateralTilt: 2
        case .rotation: 3
        }
    }

    public static func axis(code: UInt8) -> AngleAxis? {
        switch code {
        case 1: .flexion
        case 2: .lateralTilt
        case 3: .rotation
        default: nil
        }
    }

    public var axis: AngleAxis
    public var minimumMillidegrees: Int32
    public var maximumMillidegrees: Int32
    /// Greater than zero.
    public var maximumRateMillidegreesPerSecond: Int32

    public init(axis: AngleAxis, minimumMillidegrees: Int32, maximumMillidegrees: Int32,
                maximumRateMillidegreesPerSecond: Int32) {
        self.axis = axis
        self.minimumMillidegrees = minimumMillidegrees
        self.maximumMillidegrees = maximumMillidegrees
        self.maximumRateMillidegreesPerSecond = maximumRateMillidegreesPerSecond
    }
}

/// IDENTIFY_RESPONSE (0x02), table -> host, 15 + 13·axes + 2 + text bytes.
///
/// | offset | type      | field                                  | unit   |
/// |--------|-----------|----------------------------------------|--------|
/// | 0      | u8        | flags (bit 0 simulated table, bit 1 redundant force channel) | - |
/// | 1      | u8        | reserved, 0                            | -      |
/// | 2      | u16       | telemetry rate (>= 1)                  | Hz     |
/// | 4      | u16       | maximum lease (>= 1)                   | ms     |
/// | 6      | i32       | maximum force (> 0)                    | 0.01 N |
/// | 10     | i32       | maximum traction travel (> 0)          | µm     |
/// | 14     | u8        | axis count n (0...3)                   | -      |
/// | 15     | 13·n      | axes: code u8, min i32, max i32, rate i32 | mdeg, mdeg/s |
/// | ...    | u8 + text | firmware version, UTF-8, <= 32 bytes   | -      |
/// | ...    | u8 + text | serial number, UTF-8, <= 32 bytes      | -      |
///
/// The protocol version is the frame header's version byte.
public struct IdentifyResponse: Sendable, Hashable {
    public static let fixedLength = 15
    public static let axisRecordLength = 13
    public static let maximumAxisCount = 3
    public static let maximumTextLength = 32
    public static let payloadLengths = (fixedLength + 2)...(fixedLength + maximumAxisCount * axisRecordLength
        + 2 + 2 * maximumTextLength)
    static let simulatedBit: UInt8 = 1 << 0
    static let redundantForceChannelBit: UInt8 = 1 << 1
    static let definedFlags = simulatedBit | redundantForceChannelBit

    public var simulated: Bool
    /// The table's `redundant_force_cN` is a second, independent force
    /// measurement (protocol revision 1.1, section 11.2.1), not an estimate.
    public var redundantForceChannel: Bool
    public var telemetryRateHertz: UInt16
    public var maximumLeaseMilliseconds: UInt16
    public var maximumForceCentinewtons: Int32
    public var maximumTravelMicrometres: Int32
    public var axes: [WireAxisRange]
    public var firmwareVersion: String
    public var serialNumber: String

    public init(simulated: Bool, redundantForceChannel: Bool = false, telemetryRateHertz: UInt16, maximumLeaseMilliseconds: UInt16,
                maximumForceCentinewtons: Int32, maximumTravelMicrometres: Int32, axes: [WireAxisRange],
                firmwareVersion: String, serialNumber: String) {
        self.simulated = simulated
        self.redundantForceChannel = redundantForceChannel
        self.telemetryRateHertz = telemetryRateHertz
        self.maximumLeaseMilliseconds = maximumLeaseMilliseconds
        self.maximumForceCentinewtons = maximumForceCentinewtons
        self.maximumTravelMicrometres = maximumTravelMicrometres
        self.axes = axes
        self.firmwareVersion = firmwareVersion
        self.serialNumber = serialNumber
    }

    func validate() throws(PayloadError) {
        if telemetryRateHertz == 0 { throw .invalidValue(field: "telemetry_rate_hz", value: 0) }
        if maximumLeaseMilliseconds == 0 { throw .invalidValue(field: "maximum_lease_ms", value: 0) }
        if maximumForceCentinewtons <= 0 {
            throw .invalidValue(field: "maximum_force_cN", value: Int64(maximumForceCentinewtons))
        }
        if maximumTravelMicrometres <= 0 {
            throw .invalidValue(field: "maximum_travel_um", value: Int64(maximumTravelMicrometres))
        }
        if axes.count > Self.maximumAxisCount { throw .invalidValue(field: "axis_count", value: Int64(axes.count)) }
        for (index, axis) in axes.enumerated() {
            if axes[..<index].contains(where: { $0.axis == axis.axis }) {
                throw .invalidValue(field: "axis_code", value: Int64(WireAxisRange.code(of: axis.axis)))
            }
            if axis.minimumMillidegrees > axis.maximumMillidegrees {
                throw .invalidValue(field: "axis_minimum_mdeg", value: Int64(axis.minimumMillidegrees))
            }
            if axis.maximumRateMillidegreesPerSecond <= 0 {
                throw .invalidValue(field: "axis_rate_mdeg_s", value: Int64(axis.maximumRateMillidegreesPerSecond))
            }
        }
    }

    func encodePayload(into bytes: inout [UInt8]) throws(WireEncodingError) {
        do { try validate() } catch { throw .invalidMessage(.identifyResponse, error) }
        bytes.append((simulated ? Self.simulatedBit : 0) | (redundantForceChannel ? Self.redundantForceChannelBit : 0))
        bytes.append(0)
        bytes.appendLittleEndian(telemetryRateHertz)
        bytes.appendLittleEndian(maximumLeaseMilliseconds)
        bytes.appendLittleEndian(maximumForceCentinewtons)
        bytes.appendLittleEndian(maximumTravelMicrometres)
        bytes.append(UInt8(axes.count))
        for axis in axes {
            bytes.append(WireAxisRange.code(of: axis.axis))
            bytes.appendLittleEndian(axis.minimumMillidegrees)
            bytes.appendLittleEndian(axis.maximumMillidegrees)
            bytes.appendLittleEndian(axis.maximumRateMillidegreesPerSecond)
        }
        try bytes.appendText(firmwareVersion, field: "firmware version", maximumLength: Self.maximumTextLength)
        try bytes.appendText(serialNumber, field: "serial number", maximumLength: Self.maximumTextLength)
    }

    init(payload reader: inout PayloadReader) throws(PayloadError) {
        let flags = try reader.read(UInt8.self, field: "flags")
        if flags & ~Self.definedFlags != 0 { throw .reservedBitsSet(field: "flags", value: UInt32(flags)) }
        let reserved = try reader.read(UInt8.self, field: "reserved")
        if reserved != 0 { throw .reservedBitsSet(field: "reserved", value: UInt32(reserved)) }
        simulated = flags & Self.simulatedBit != 0
        redundantForceChannel = flags & Self.redundantForceChannelBit != 0
        telemetryRateHertz = try reader.read(UInt16.self, field: "telemetry_rate_hz")
        maximumLeaseMilliseconds = try reader.read(UInt16.self, field: "maximum_lease_ms")
        maximumForceCentinewtons = try reader.read(Int32.self, field: "maximum_force_cN")
        maximumTravelMicrometres = try reader.read(Int32.self, field: "maximum_travel_um")
        let axisCount = Int(try reader.read(UInt8.self, field: "axis_count"))
        if axisCount > Self.maximumAxisCount { throw .invalidValue(field: "axis_count", value: Int64(axisCount)) }
        axes = []
        for _ in 0..<axisCount {
            let code = try reader.read(UInt8.self, field: "axis_code")
            guard let axis = WireAxisRange.axis(code: code) else {
                throw .invalidValue(field: "axis_code", value: Int64(code))
            }
            axes.append(WireAxisRange(
                axis: axis,
                minimumMillidegrees: try reader.read(Int32.self, field: "axis_minimum_mdeg"),
                maximumMillidegrees: try reader.read(Int32.self, field: "axis_maximum_mdeg"),
                maximumRateMillidegreesPerSecond: try reader.read(Int32.self, field: "axis_rate_mdeg_s")))
        }
        firmwareVersion = try reader.readText(field: "firmware_version", maximumLength: Self.maximumTextLength)
        serialNumber = try reader.readText(field: "serial_number", maximumLength: Self.maximumTextLength)
        try validate()
    }
}

extension IdentifyResponse {
    /// What the table says about itself, in engineering units.
    public var identity: TableIdentity {
        TableIdentity(
            protocolVersion: WireFormat.protocolVersion,
            firmwareVersion: firmwareVersion,
            serialNumber: serialNumber,
            angleAxes: axes.map { axis in
                AngleAxisRange(
                    axis: axis.axis,
                    minimum: Degrees(Double(axis.minimumMillidegrees) / WireUnits.millidegreesPerDegree),
                    maximum: Degrees(Double(axis.maximumMillidegrees) / WireUnits.millidegreesPerDegree),
                    maximumRate: DegreesPerSecond(
                        Double(axis.maximumRateMillidegreesPerSecond) / WireUnits.millidegreesPerDegree))
            },
            maximumForce: Newtons(Double(maximumForceCentinewtons) / WireUnits.centinewtonsPerNewton),
            maximumTravel: Millimetres(Double(maximumTravelMicrometres) / WireUnits.micrometresPerMillimetre),
            lease: Seconds(Double(maximumLeaseMilliseconds) / WireUnits.millisecondsPerSecond),
            telemetryRateHertz: Double(telemetryRateHertz),
            simulated: simulated,
            redundantForceChannel: redundantForceChannel)
    }

    /// The wire form of `identity` (the emulator's side).
    public init(_ identity: TableIdentity) throws(WireEncodingError) {
        var axes: [WireAxisRange] = []
        for range in identity.angleAxes {
            axes.append(WireAxisRange(
                axis: range.axis,
                minimumMillidegrees: try WireUnits.int32(range.minimum.value, scale: WireUnits.millidegreesPerDegree,
                                                         field: "\(range.axis) minimum (°)"),
                maximumMillidegrees: try WireUnits.int32(range.maximum.value, scale: WireUnits.millidegreesPerDegree,
                                                         field: "\(range.axis) maximum (°)"),
                maximumRateMillidegreesPerSecond: try WireUnits.int32(
                    range.maximumRate.value, scale: WireUnits.millidegreesPerDegree, field: "\(range.axis) rate (°/s)")))
        }
        self.init(
            simulated: identity.simulated,
            redundantForceChannel: identity.redundantForceChannel,
            telemetryRateHertz: try WireUnits.uint16(identity.telemetryRateHertz, scale: 1, field: "telemetry rate (Hz)",
                                                     allowed: 1...UInt16.max),
            maximumLeaseMilliseconds: try WireUnits.uint16(identity.lease.value, scale: WireUnits.millisecondsPerSecond,
                                                           field: "lease (s)", allowed: 1...UInt16.max),
            maximumForceCentinewtons: try WireUnits.int32(identity.maximumForce.value,
                                                          scale: WireUnits.centinewtonsPerNewton, field: "maximum force (N)"),
            maximumTravelMicrometres: try WireUnits.int32(identity.maximumTravel.value,
                                                          scale: WireUnits.micrometresPerMillimetre,
                                                          field: "maximum travel (mm)"),
            axes: axes,
            firmwareVersion: identity.firmwareVersion,
            serialNumber: identity.serialNumber)
    }
}
