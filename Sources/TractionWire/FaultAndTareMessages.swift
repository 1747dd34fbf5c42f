/// What a FAULT_REPORT announces (byte 10).
public enum FaultEvent: UInt8, Sendable, Hashable, CaseIterable {
    /// One or more drive fault bits became set; `detail` holds the new bits.
    case faultRaised = 1
    /// One or more drive fault bits cleared; `detail` holds the cleared bits.
    case faultCleared = 2
    /// No valid COMMAND within the lease: the table is releasing on its own.
    /// `detail` holds the sequence of the last accepted COMMAND.
    case leaseExpired = 3
    /// An intact frame was refused (bad payload length or field value).
    /// `detail` = refused frame's sequence | type << 16.
    case messageRejected = 4
    /// An intact frame of another protocol version arrived.
    /// `detail` = that frame's version | type << 8.
    case unsupportedVersion = 5
    /// An intact frame of an undefined type arrived. `detail` = its type code.
    case unknownMessageType = 6

    /// The event's name in docs/wire-protocol.md 11.3.
    public var specificationName: String {
        switch self {
        case .faultRaised: "fault_raised"
        case .faultCleared: "fault_cleared"
        case .leaseExpired: "lease_expired"
        case .messageRejected: "message_rejected"
        case .unsupportedVersion: "unsupported_version"
        case .unknownMessageType: "unknown_message_type"
        }
    }
}

/// FAULT_REPORT (0x20), table -> host, 17 + text bytes.
///
/// | offset | type      | field                               |
/// |--------|-----------|-------------------------------------|
/// | 0      | u64       | device time (µs)                    |
/// | 8      | u16       | active drive faults (`DriveFaults`) |
/// | 10     | u8        | event (`FaultEvent`)                |
/// | 11     | u8        | reserved, 0                         |
/// | 12     | u32       | detail (per event)                  |
/// | 16     | u8 + text | message for the log, UTF-8, <= 64   |
public struct FaultReport: Sendable, Hashable {
    public static let fixedLength = 16
    public static let maximumTextLength = 64
    public static let payloadLengths = (fixedLength + 1)...(fixedLength + 1 + maximumTextLength)

    public var deviceTimeMicroseconds: UInt64
    public var activeFaults: UInt16
    public var event: FaultEvent
    public var detail: UInt32
    public var text: String

    public init(deviceTimeMicroseconds: UInt64, activeFaults: UInt16, event: FaultEvent, detail: UInt32, text: String) {
        self.deviceTimeMicroseconds = deviceTimeMicroseconds
        self.activeFaults = activeFaults
        self.event = event
        self.detail = detail
        self.text = text
    }

    func encodePayload(into bytes: inout [UInt8]) throws(WireEncodingError) {
        bytes.appendLittleEndian(deviceTimeMicroseconds)
        bytes.appendLittleEndian(activeFaults)
        bytes.append(event.rawValue)
        bytes.append(0)
        bytes.appendLittleEndian(detail)
        try bytes.appendText(text, field: "fault text", maximumLength: Self.maximumTextLength)
    }

    init(payload reader: inout PayloadReader) throws(PayloadError) {
        deviceTimeMicroseconds = try reader.read(UInt64.self, field: "device_time_us")
        activeFaults = try reader.read(UInt16.self, field: "active_faults")
        let code = try reader.read(UInt8.self, field: "event")
        guard let event = FaultEvent(rawValue: code) else { throw .invalidValue(field: "event", value: Int64(code)) }
        self.event = event
        let reserved = try reader.read(UInt8.self, field: "reserved")
        if reserved != 0 { throw .reservedBitsSet(field: "reserved", value: UInt32(reserved)) }
        detail = try reader.read(UInt32.self, field: "detail")
        text = try reader.readText(field: "text", maximumLength: Self.maximumTextLength)
    }
}

/// What a tare request zeroes.
public struct TareTargets: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Take the present load-cell reading as 0 N.
    public static let loadCell = TareTargets(rawValue: 1 << 0)
    /// Take the present traction position as 0 mm.
    public static let tractionPosition = TareTargets(rawValue: 1 << 1)

    static let defined: TareTargets = [.loadCell, .tractionPosition]
}

/// TARE_REQUEST (0x30), host -> table, 1 byte: the targets (at least one bit).
public struct TareRequest: Sendable, Hashable {
    public static let payloadLength = 1
    public var targets: TareTargets

    public init(targets: TareTargets) { self.targets = targets }

    func validate() throws(PayloadError) {
        if targets.rawValue & ~TareTargets.defined.rawValue != 0 {
            throw .reservedBitsSet(field: "targets", value: UInt32(targets.rawValue))
        }
        if targets.isEmpty { throw .invalidValue(field: "targets", value: 0) }
    }

    func encodePayload(into bytes: inout [UInt8]) { bytes.append(targets.rawValue) }

    init(payload reader: inout PayloadReader) throws(PayloadError) {
        targets = TareTargets(rawValue: try reader.read(UInt8.self, field: "targets"))
        try validate()
    }
}

/// The outcome of a tare request (TARE_RESPONSE byte 3).
public enum TareResult: UInt8, Sendable, Hashable, CaseIterable {
    case done = 0
    /// The load cell reads more than the table's tare limit: tension present.
    case refusedTensionPresent = 1
    /// The drive is enabled; tare only with the drive off.
    case refusedDriveEnabled = 2
    /// The sensor reports a fault; nothing was changed.
    case failedSensorFault = 3
}

/// TARE_RESPONSE (0x31), table -> host, 8 bytes.
///
/// | offset | type | field                                        |
/// |--------|------|----------------------------------------------|
/// | 0      | u16  | sequence of the TARE_REQUEST answered        |
/// | 2      | u8   | targets zeroed (`TareTargets`; 0 unless done) |
/// | 3      | u8   | result (`TareResult`)                        |
/// | 4      | i32  | load-cell offset now subtracted (0.01 N)     |
public struct TareResponse: Sendable, Hashable {
    public static let payloadLength = 8

    public var requestSequence: UInt16
    public var targets: TareTargets
    public var result: TareResult
    public var loadCellOffsetCentinewtons: Int32

    public init(requestSequence: UInt16, targets: TareTargets, result: TareResult, loadCellOffsetCentinewtons: Int32) {
        self.requestSequence = requestSequence
        self.targets = targets
        self.result = result
        self.loadCellOffsetCentinewtons = loadCellOffsetCentinewtons
    }

    func encodePayload(into bytes: inout [UInt8]) {
        bytes.appendLittleEndian(requestSequence)
        bytes.append(targets.rawValue)
        bytes.append(result.rawValue)
        bytes.appendLittleEndian(loadCellOffsetCentinewtons)
    }

    init(payload reader: inout PayloadReader) throws(PayloadError) {
        requestSequence = try reader.read(UInt16.self, field: "request_sequence")
        targets = TareTargets(rawValue: try reader.read(UInt8.self, field: "targets"))
        if targets.rawValue & ~TareTargets.defined.rawValue != 0 {
            throw .reservedBitsSet(field: "targets", value: UInt32(targets.rawValue))
        }
        let code = try reader.read(UInt8.self, field: "result")
        guard let result = TareResult(rawValue: code) else { throw .invalidValue(field: "result", value: Int64(code)) }
        self.result = result
        loadCellOffsetCentinewtons = try reader.read(Int32.self, field: "load_cell_offset_cN")
    }
}
