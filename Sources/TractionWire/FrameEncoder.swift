/// Turns messages into frames ready for the wire, numbering them.
///
/// Each direction of a link has its own sequence: the sender increments it by
/// one per frame of any type and wraps modulo 2^16. Reusing one encoder (and
/// one output buffer with `removeAll(keepingCapacity:)`) keeps the steady path
/// free of allocation.
public struct FrameEncoder: Sendable {
    /// The sequence number the next frame will carry.
    public var nextSequence: UInt16
    private var rawFrame: [UInt8]

    public init(firstSequence: UInt16 = 0) {
        nextSequence = firstSequence
        rawFrame = []
        rawFrame.reserveCapacity(WireFormat.maximumRawFrameLength)
    }

    /// Appends the frame for `message`, delimiter included, to `output` and
    /// returns the sequence number it carries. On error nothing is appended
    /// and the sequence does not advance.
    @discardableResult
    public mutating func encode(_ message: WireMessage, appendingTo output: inout [UInt8]) throws(WireEncodingError) -> UInt16 {
        let sequence = nextSequence
        try Self.encode(message, sequence: sequence, version: WireFormat.protocolVersion,
                        scratch: &rawFrame, appendingTo: &output)
        nextSequence &+= 1
        return sequence
    }

    /// One frame with an explicit sequence and version; for tests, the
    /// emulator's fault injection and documentation examples.
    public static func frame(
        _ message: WireMessage, sequence: UInt16, version: UInt8 = WireFormat.protocolVersion
    ) throws(WireEncodingError) -> [UInt8] {
        var scratch: [UInt8] = []
        var output: [UInt8] = []
        try encode(message, sequence: sequence, version: version, scratch: &scratch, appendingTo: &output)
        return output
    }

    /// The raw frame (header, payload, CRC) before COBS, for documentation
    /// examples and tests.
    public static func rawFrame(
        _ message: WireMessage, sequence: UInt16, version: UInt8 = WireFormat.protocolVersion
    ) throws(WireEncodingError) -> [UInt8] {
        var raw: [UInt8] = []
        try buildRawFrame(message, sequence: sequence, version: version, into: &raw)
        return raw
    }

    private static func buildRawFrame(
        _ message: WireMessage, sequence: UInt16, version: UInt8, into raw: inout [UInt8]
    ) throws(WireEncodingError) {
        raw.removeAll(keepingCapacity: true)
        raw.append(version)
        raw.append(message.type.rawValue)
        raw.appendLittleEndian(sequence)
        raw.appendLittleEndian(UInt16(0))  // length, patched once the payload is known
        try message.encodePayload(into: &raw)
        let payloadLength = raw.count - WireFormat.headerLength
        guard payloadLength <= WireFormat.maximumPayloadLength else { throw .payloadTooLong(length: payloadLength) }
        raw[4] = UInt8(truncatingIfNeeded: payloadLength)
        raw[5] = UInt8(truncatingIfNeeded: payloadLength >> 8)
        let crc = raw.withUnsafeBytes { CRC32C.checksum($0) }
        raw.appendLittleEndian(crc)
    }

    private static func encode(
        _ message: WireMessage, sequence: UInt16, version: UInt8,
        scratch: inout [UInt8], appendingTo output: inout [UInt8]
    ) throws(WireEncodingError) {
        try buildRawFrame(message, sequence: sequence, version: version, into: &scratch)
        scratch.withUnsafeBytes { COBS.encode($0, appendingTo: &output) }
        output.append(WireFormat.frameDelimiter)
    }
}
