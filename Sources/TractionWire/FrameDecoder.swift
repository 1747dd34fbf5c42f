/// A streaming frame decoder: bytes in, typed messages or typed rejections out.
///
/// Feed it whatever the transport delivers, in any chunking; it keeps the
/// bytes of an unfinished frame until the next call. Every run of bytes
/// between two delimiters is judged exactly once: delivered as a
/// `DecodedFrame` or reported as a `FrameDecodingError`, and counted in
/// `statistics`. A corrupted, truncated or oversize run never yields a
/// message, and the decoder is back in step at the next 0x00 (COBS).
///
/// The steady path allocates nothing: the receive buffer is allocated once
/// and frames are decoded in place. Only IDENTIFY_RESPONSE and FAULT_REPORT,
/// which carry text and arrays, allocate when delivered.
public struct FrameDecoder: Sendable {
    public typealias Outcome = Result<DecodedFrame, FrameDecodingError>

    public private(set) var statistics = DecoderStatistics()
    /// Bytes of an unfinished frame held for the next call.
    public private(set) var bufferedByteCount = 0
    private var receiveBuffer: [UInt8]
    /// True between an oversize run's overflow and the delimiter that ends it.
    private var discardingOversizeRun = false
    private var oversizeRunLength = 0

    public init() {
        receiveBuffer = [UInt8](repeating: 0, count: WireFormat.maximumEncodedFrameLength)
    }

    /// Decodes `bytes`, calling `handle` once per finished run, in order.
    public mutating func decode(
        _ bytes: UnsafeRawBufferPointer, _ handle: (Outcome) throws -> Void
    ) rethrows {
        // Move the buffer out so that scanning it does not overlap with
        // updates to `self`; moving an array does not copy or allocate.
        var storage: [UInt8] = []
        swap(&storage, &receiveBuffer)
        defer { swap(&storage, &receiveBuffer) }
        try storage.withUnsafeMutableBytes { buffer in
            try scan(bytes, buffer: buffer, handle)
        }
    }

    /// Decodes a byte collection and returns every outcome (tests and tools;
    /// allocates).
    public mutating func decode(_ bytes: some Sequence<UInt8>) -> [Outcome] {
        var outcomes: [Outcome] = []
        Array(bytes).withUnsafeBytes { raw in decode(raw) { outcomes.append($0) } }
        return outcomes
    }

    /// Drops an unfinished frame, e.g. after the port was reopened. Returns
    /// how many bytes were dropped; they count as discarded.
    @discardableResult
    public mutating func reset() -> Int {
        let dropped = discardingOversizeRun ? oversizeRunLength : bufferedByteCount
        if dropped > 0 {
            statistics.resynchronisations &+= 1
            statistics.discardedBytes &+= UInt64(dropped)
        }
        bufferedByteCount = 0
        discardingOversizeRun = false
        oversizeRunLength = 0
        return dropped
    }

    private mutating func scan(
        _ bytes: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer, _ handle: (Outcome) throws -> Void
    ) rethrows {
        let capacity = buffer.count
        for byte in bytes {
            if byte == WireFormat.frameDelimiter {
                if discardingOversizeRun {
                    discardingOversizeRun = false
                    statistics.oversizeFrames &+= 1
                    statistics.resynchronisations &+= 1
                    statistics.discardedBytes &+= UInt64(oversizeRunLength)
                    try handle(.failure(.oversize(discardedBytes: oversizeRunLength)))
                } else if bufferedByteCount > 0 {
                    let encodedLength = bufferedByteCount
                    bufferedByteCount = 0
                    let outcome = Self.parse(buffer, encodedLength: encodedLength)
                    count(outcome, encodedLength: encodedLength)
                    try handle(outcome)
                }
                // Two delimiters in a row are idle fill: not an error.
            } else if discardingOversizeRun {
                oversizeRunLength += 1
            } else if bufferedByteCount == capacity {
                discardingOversizeRun = true
                oversizeRunLength = bufferedByteCount + 1
                bufferedByteCount = 0
            } else {
                buffer[bufferedByteCount] = byte
                bufferedByteCount += 1
            }
        }
    }

    private mutating func count(_ outcome: Outcome, encodedLength: Int) {
        switch outcome {
        case .success:
            statistics.framesDecoded &+= 1
        case .failure(let error):
            switch error {
            case .crcMismatch:
                statistics.crcErrors &+= 1
            case .malformedEncoding, .frameTooShort, .lengthMismatch:
                statistics.malformedFrames &+= 1
            case .oversize:
                statistics.oversizeFrames &+= 1
            case .unsupportedVersion:
                statistics.unsupportedVersionFrames &+= 1
                return
            case .unknownMessageType:
                statistics.unknownTypeFrames &+= 1
                return
            case .invalidPayload:
                statistics.invalidPayloadFrames &+= 1
                return
            }
            statistics.resynchronisations &+= 1
            statistics.discardedBytes &+= UInt64(encodedLength)
        }
    }

    /// Judges one run of encoded bytes (no delimiter).
    static func parse(_ buffer: UnsafeMutableRawBufferPointer, encodedLength: Int) -> Outcome {
        let rawLength: Int
        do {
            rawLength = try COBS.decodeInPlace(buffer, encodedLength: encodedLength)
        } catch {
            return .failure(.malformedEncoding(error))
        }
        guard rawLength >= WireFormat.minimumRawFrameLength else {
            return .failure(.frameTooShort(rawLength: rawLength))
        }
        let checkedLength = rawLength - WireFormat.crcLength
        let received = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: checkedLength, as: UInt32.self))
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<checkedLength]))
        guard received == computed else { return .failure(.crcMismatch(received: received, computed: computed)) }

        let header = FrameHeader(
            version: buffer[0],
            messageTypeCode: buffer[1],
            sequence: UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: 2, as: UInt16.self)),
            payloadLength: UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
        let actualPayloadLength = checkedLength - WireFormat.headerLength
        guard Int(header.payloadLength) == actualPayloadLength else {
            return .failure(.lengthMismatch(declared: Int(header.payloadLength), actual: actualPayloadLength))
        }
        guard header.version == WireFormat.protocolVersion else { return .failure(.unsupportedVersion(header)) }
        guard let type = header.messageType else { return .failure(.unknownMessageType(header)) }
        let payload = UnsafeRawBufferPointer(rebasing: buffer[WireFormat.headerLength..<checkedLength])
        do {
            return .success(DecodedFrame(header: header, message: try WireMessage.decode(type: type, payload: payload)))
        } catch {
            return .failure(.invalidPayload(header, error))
        }
    }
}
