import Testing
@testable import TractionWire

/// Frames built by hand (any version, type and payload) to probe the limits
/// of the decoder.
@Suite struct FrameLimitTests {
    static func rawFrame(version: UInt8 = 1, type: UInt8, sequence: UInt16, payload: [UInt8],
                         declaredLength: Int? = nil) -> [UInt8] {
        var raw: [UInt8] = [version, type]
        raw.appendLittleEndian(sequence)
        raw.appendLittleEndian(UInt16(declaredLength ?? payload.count))
        raw += payload
        raw.appendLittleEndian(CRC32C.checksum(raw))
        return raw
    }

    static func wire(_ raw: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        raw.withUnsafeBytes { COBS.encode($0, appendingTo: &output) }
        return output + [0]
    }

    static let nextFrame = try! FrameEncoder.frame(.identifyRequest, sequence: 42)

    @Test(arguments: [[UInt8](repeating: 0x00, count: 240), [UInt8](repeating: 0xA5, count: 240),
                      (0..<240).map { UInt8(truncatingIfNeeded: $0 * 7) }])
    func aFrameWithTheMaximumPayloadIsIntact(payload: [UInt8]) {
        let bytes = Self.wire(Self.rawFrame(type: 0x7E, sequence: 5, payload: payload))
        #expect(bytes.count == WireFormat.maximumEncodedFrameLength + 1)
        var decoder = FrameDecoder()
        let outcomes = decoder.decode(bytes + Self.nextFrame)
        guard case .unknownMessageType(let header) = outcomes.first?.error else {
            Issue.record("expected an intact frame of unknown type, got \(String(describing: outcomes.first))")
            return
        }
        #expect(header.payloadLength == 240 && header.sequence == 5)
        #expect(outcomes.last?.frame?.sequence == 42)
        #expect(decoder.statistics.resynchronisations == 0)
        #expect(decoder.statistics.unknownTypeFrames == 1)
    }

    @Test func oneByteMoreThanTheMaximumIsOversizeAndTheNextFrameDecodes() {
        let bytes = Self.wire(Self.rawFrame(type: 0x7E, sequence: 5, payload: [UInt8](repeating: 0xA5, count: 241)))
        var decoder = FrameDecoder()
        let outcomes = decoder.decode(bytes + Self.nextFrame)
        #expect(outcomes.first?.error == .oversize(discardedBytes: bytes.count - 1))
        #expect(outcomes.last?.frame?.sequence == 42)
        #expect(decoder.statistics.oversizeFrames == 1)
        #expect(decoder.statistics.discardedBytes == UInt64(bytes.count - 1))
    }

    @Test func endlessNoiseWithoutDelimiterIsDiscardedInBoundedMemory() {
        var decoder = FrameDecoder()
        let noise = [UInt8](repeating: 0x33, count: 100_000)
        #expect(decoder.decode(noise).isEmpty)
        #expect(decoder.decode([0] + Self.nextFrame).map(\.error) == [.oversize(discardedBytes: 100_000), nil])
    }

    @Test func aRunShorterThanHeaderAndCRCIsTooShort() {
        var decoder = FrameDecoder()
        let outcomes = decoder.decode(Self.wire([1, 1, 0, 0, 0, 0, 0xAA]))
        #expect(outcomes.map(\.error) == [.frameTooShort(rawLength: 7)])
        #expect(decoder.statistics.malformedFrames == 1)
    }

    @Test func aLengthFieldThatDisagreesWithTheFrameIsRejected() {
        var decoder = FrameDecoder()
        let bytes = Self.wire(Self.rawFrame(type: 0x01, sequence: 0, payload: [], declaredLength: 3))
        #expect(decoder.decode(bytes).map(\.error) == [.lengthMismatch(declared: 3, actual: 0)])
        #expect(decoder.statistics.malformedFrames == 1 && decoder.statistics.resynchronisations == 1)
    }

    @Test func aFrameOfAnotherVersionIsReportedWithItsHeader() {
        var decoder = FrameDecoder()
        let bytes = Self.wire(Self.rawFrame(version: 2, type: 0x02, sequence: 8, payload: [1, 2, 3]))
        let expectedHeader = FrameHeader(version: 2, messageTypeCode: 0x02, sequence: 8, payloadLength: 3)
        #expect(decoder.decode(bytes).map(\.error) == [.unsupportedVersion(expectedHeader)])
        #expect(decoder.statistics.unsupportedVersionFrames == 1 && decoder.statistics.resynchronisations == 0)
    }

    @Test func aCRCMismatchNamesBothValues() {
        var raw = Self.rawFrame(type: 0x01, sequence: 0, payload: [])
        raw[raw.count - 1] ^= 0x01
        var decoder = FrameDecoder()
        #expect(decoder.decode(Self.wire(raw)).map(\.error) == [.crcMismatch(received: 0x810B_783F, computed: 0x800B_783F)])
        #expect(decoder.statistics.crcErrors == 1)
    }
}
