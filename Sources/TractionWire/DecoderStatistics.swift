/// Counters a decoder keeps for link statistics. They only grow (wrapping
/// after 2^64 events, which a 1 kHz link reaches in 584 million years).
public struct DecoderStatistics: Sendable, Hashable {
    /// Frames accepted and delivered as messages.
    public var framesDecoded: UInt64 = 0
    /// Frames whose CRC did not match.
    public var crcErrors: UInt64 = 0
    /// Byte runs that were not valid COBS, were shorter than header + CRC, or
    /// whose length field disagreed with their size (all after a good CRC
    /// check or before one could be made).
    public var malformedFrames: UInt64 = 0
    /// Runs longer than the longest legal frame, dropped up to the next delimiter.
    public var oversizeFrames: UInt64 = 0
    /// Intact frames of another protocol version.
    public var unsupportedVersionFrames: UInt64 = 0
    /// Intact frames of an undefined message type.
    public var unknownTypeFrames: UInt64 = 0
    /// Intact frames whose payload was not a valid message.
    public var invalidPayloadFrames: UInt64 = 0
    /// Times the decoder threw bytes away and restarted at the next
    /// delimiter: every CRC error, malformed or oversize run.
    public var resynchronisations: UInt64 = 0
    /// Bytes thrown away in those resynchronisations (delimiters excluded).
    public var discardedBytes: UInt64 = 0

    public init() {}

    /// Frames that arrived intact but were not delivered.
    public var rejectedIntactFrames: UInt64 {
        unsupportedVersionFrames &+ unknownTypeFrames &+ invalidPayloadFrames
    }
}
