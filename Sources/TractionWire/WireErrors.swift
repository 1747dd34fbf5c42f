/// Why a payload that arrived intact (CRC good) is still not a valid message.
public enum PayloadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The payload length does not fit the message type.
    case wrongLength(expected: ClosedRange<Int>, actual: Int)
    /// A field ended before its last byte.
    case truncated(field: String)
    /// Bytes left after the last field.
    case trailingBytes(count: Int)
    /// A bit the specification reserves (must be 0) was set.
    case reservedBitsSet(field: String, value: UInt32)
    /// A field holds a value outside the range the specification allows.
    case invalidValue(field: String, value: Int64)
    /// A text field is longer than its maximum.
    case textTooLong(field: String, length: Int, maximum: Int)
    /// A text field is not valid UTF-8.
    case invalidText(field: String)

    public var description: String {
        switch self {
        case .wrongLength(let expected, let actual):
            expected.lowerBound == expected.upperBound
                ? "payload is \(actual) bytes, expected \(expected.lowerBound)"
                : "payload is \(actual) bytes, expected \(expected.lowerBound)...\(expected.upperBound)"
        case .truncated(let field): "payload ends inside field \(field)"
        case .trailingBytes(let count): "\(count) unexpected bytes after the last field"
        case .reservedBitsSet(let field, let value): "reserved bits set in \(field) (0x\(String(value, radix: 16)))"
        case .invalidValue(let field, let value): "field \(field) has invalid value \(value)"
        case .textTooLong(let field, let length, let maximum): "text \(field) is \(length) bytes, at most \(maximum) allowed"
        case .invalidText(let field): "text \(field) is not valid UTF-8"
        }
    }
}

/// Why the decoder rejected a run of bytes. Every rejection is also counted in
/// `DecoderStatistics`; the decoder has already resynchronised when it
/// reports one.
public enum FrameDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The CRC-32C over header and payload does not match the trailer.
    case crcMismatch(received: UInt32, computed: UInt32)
    /// The bytes between two delimiters are not valid COBS.
    case malformedEncoding(COBS.DecodingError)
    /// Fewer bytes than a header and a CRC.
    case frameTooShort(rawLength: Int)
    /// The header's length field disagrees with the bytes received.
    case lengthMismatch(declared: Int, actual: Int)
    /// More bytes than the longest legal frame arrived without a delimiter;
    /// they were discarded up to the next delimiter.
    case oversize(discardedBytes: Int)
    /// An intact frame of another protocol version. Carries the header so that
    /// a handshake can report the peer's version.
    case unsupportedVersion(FrameHeader)
    /// An intact frame of a type this version does not define.
    case unknownMessageType(FrameHeader)
    /// An intact frame whose payload is not a valid message of its type.
    case invalidPayload(FrameHeader, PayloadError)

    public var description: String {
        switch self {
        case .crcMismatch(let received, let computed):
            "CRC mismatch: frame says 0x\(String(received, radix: 16)), bytes give 0x\(String(computed, radix: 16))"
        case .malformedEncoding(let error): "malformed COBS encoding (\(error))"
        case .frameTooShort(let length): "frame of \(length) bytes is shorter than header + CRC"
        case .lengthMismatch(let declared, let actual): "header declares \(declared) payload bytes, frame has \(actual)"
        case .oversize(let discarded): "oversize frame: \(discarded) bytes discarded without delimiter"
        case .unsupportedVersion(let header):
            "frame of protocol version \(header.version); this host speaks \(WireFormat.protocolVersion)"
        case .unknownMessageType(let header): "unknown message type 0x\(String(header.messageTypeCode, radix: 16))"
        case .invalidPayload(let header, let reason):
            "invalid \(header.messageType.map { "\($0)" } ?? "?") payload (sequence \(header.sequence)): \(reason)"
        }
    }
}

/// Why a message cannot be put on the wire. The encoder never clamps or
/// wraps a value silently: a force that does not fit is an error.
public enum WireEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value is NaN or infinite.
    case notFinite(field: String)
    /// The value does not fit the field's fixed-point range.
    case outOfRange(field: String, value: Double, representable: ClosedRange<Double>)
    /// A text field is longer than its maximum.
    case textTooLong(field: String, length: Int, maximum: Int)
    /// The message breaks a rule its receiver checks (the same rule the
    /// decoder enforces), e.g. a zero lease or an axis listed twice.
    case invalidMessage(MessageType, PayloadError)
    /// The encoded payload exceeds `WireFormat.maximumPayloadLength`.
    case payloadTooLong(length: Int)

    public var description: String {
        switch self {
        case .notFinite(let field): "\(field) is not a finite number"
        case .outOfRange(let field, let value, let range):
            "\(field) = \(value) does not fit the wire range \(range.lowerBound)...\(range.upperBound)"
        case .textTooLong(let field, let length, let maximum): "\(field) is \(length) bytes, at most \(maximum) allowed"
        case .invalidMessage(let type, let reason): "invalid \(type): \(reason)"
        case .payloadTooLong(let length): "payload of \(length) bytes exceeds \(WireFormat.maximumPayloadLength)"
        }
    }
}
