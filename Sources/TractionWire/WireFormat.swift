/// The constants of the host <-> table wire protocol (docs/wire-protocol.md).
///
/// A frame on the wire is `COBS(header ‖ payload ‖ crc) 0x00`:
///
/// | part    | bytes | contents                                             |
/// |---------|-------|------------------------------------------------------|
/// | header  | 6     | version u8, type u8, sequence u16 LE, length u16 LE  |
/// | payload | 0-240 | the message, layout per type                         |
/// | crc     | 4     | CRC-32C over header and payload, little-endian       |
public enum WireFormat {
    /// The protocol version this codec speaks. Peers of other versions are
    /// refused at the handshake (docs/wire-protocol.md, "Version mismatch").
    public static let protocolVersion: UInt8 = 1

    /// Bytes of the frame header: version, type, sequence (2), length (2).
    public static let headerLength = 6
    /// Bytes of the trailing CRC-32C.
    public static let crcLength = 4
    /// The largest payload any message may carry. Chosen so that a whole raw
    /// frame (250 bytes) fits in one COBS block: the encoded frame is then
    /// exactly one byte longer than the raw frame, and a table's receive
    /// buffer can be a fixed 252 bytes.
    public static let maximumPayloadLength = 240
    /// The shortest raw frame: a header and a CRC around an empty payload.
    public static let minimumRawFrameLength = headerLength + crcLength
    /// The longest raw frame (header + maximum payload + CRC).
    public static let maximumRawFrameLength = headerLength + maximumPayloadLength + crcLength
    /// The longest COBS-encoded frame, without its delimiter.
    public static let maximumEncodedFrameLength = COBS.maximumEncodedLength(rawLength: maximumRawFrameLength)
    /// The byte that ends every frame. COBS guarantees it appears nowhere else.
    public static let frameDelimiter: UInt8 = 0x00

    /// Default line rate, bits per second (8 data bits, no parity, 1 stop bit).
    public static let defaultBaudRate = 460_800
}

/// The message types. Codes never change meaning between protocol versions
/// for `identifyRequest` and `identifyResponse`, so that a peer can always learn
/// the other's version.
public enum MessageType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Host -> table: "who are you?" Empty payload.
    case identifyRequest = 0x01
    /// Table -> host: version, capabilities, axes and ranges.
    case identifyResponse = 0x02
    /// Host -> table: drive demands with a lease.
    case command = 0x10
    /// Table -> host: one sample at the telemetry rate.
    case telemetry = 0x11
    /// Table -> host: a fault or link event, sent when it happens.
    case faultReport = 0x20
    /// Host -> table: zero the load cell and/or the traction position.
    case tareRequest = 0x30
    /// Table -> host: the outcome of a tare request.
    case tareResponse = 0x31

    public var description: String {
        switch self {
        case .identifyRequest: "IDENTIFY_REQUEST"
        case .identifyResponse: "IDENTIFY_RESPONSE"
        case .command: "COMMAND"
        case .telemetry: "TELEMETRY"
        case .faultReport: "FAULT_REPORT"
        case .tareRequest: "TARE_REQUEST"
        case .tareResponse: "TARE_RESPONSE"
        }
    }
}

/// The six header bytes of every frame.
public struct FrameHeader: Sendable, Hashable {
    /// Protocol version of the sender.
    public var version: UInt8
    /// Message type code (see `MessageType`); kept raw so that frames of
    /// unknown types can be reported with their code.
    public var messageTypeCode: UInt8
    /// The sender's frame counter, +1 per frame sent, wrapping modulo 2^16.
    public var sequence: UInt16
    /// Payload length in bytes.
    public var payloadLength: UInt16

    public init(version: UInt8, messageTypeCode: UInt8, sequence: UInt16, payloadLength: UInt16) {
        self.version = version
        self.messageTypeCode = messageTypeCode
        self.sequence = sequence
        self.payloadLength = payloadLength
    }

    public var messageType: MessageType? { MessageType(rawValue: messageTypeCode) }
}
