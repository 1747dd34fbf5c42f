import PropertyBased
import Testing
@testable import TractionWire

/// The decoder fed the way NIO's ByteToMessageDecoderVerifier feeds decoders:
/// all at once, byte by byte and in random chunks, with garbage, truncation,
/// corruption and frames at the size limit.
@Suite struct FrameDecoderTortureTests {
    struct Stream {
        var frames: [DecodedFrame]
        var bytes: [UInt8]
    }

    /// `count` random valid messages, framed by one encoder.
    static func stream(seed: UInt64, count: Int, firstSequence: UInt16 = 0) -> Stream {
        var random = SplitMix64(seed: seed)
        var encoder = FrameEncoder(firstSequence: firstSequence)
        var frames: [DecodedFrame] = []
        var bytes: [UInt8] = []
        for _ in 0..<count {
            let message = random.wireMessage()
            let before = bytes.count
            let sequence = try! encoder.encode(message, appendingTo: &bytes)
            let length = UInt16(bytes.count - before - 2 - WireFormat.headerLength - WireFormat.crcLength)
            frames.append(DecodedFrame(
                header: FrameHeader(version: 1, messageTypeCode: message.type.rawValue, sequence: sequence,
                                    payloadLength: length),
                message: message))
        }
        return Stream(frames: frames, bytes: bytes)
    }

    /// Decodes `bytes` cut at the given chunk lengths (the rest in one piece).
    static func decode(_ bytes: [UInt8], chunks: [Int], into decoder: inout FrameDecoder) -> [FrameDecoder.Outcome] {
        var outcomes: [FrameDecoder.Outcome] = []
        var start = 0
        for length in chunks where start < bytes.count {
            let end = min(bytes.count, start + length)
            bytes[start..<end].withUnsafeBytes { chunk in decoder.decode(chunk) { outcomes.append($0) } }
            start = end
        }
        if start < bytes.count {
            bytes[start...].withUnsafeBytes { chunk in decoder.decode(chunk) { outcomes.append($0) } }
        }
        return outcomes
    }

    static func randomChunks(seed: UInt64, total: Int) -> [Int] {
        var random = SplitMix64(seed: seed)
        var chunks: [Int] = []
        var covered = 0
        while covered < total {
            let length = Int.random(in: 0...97, using: &random)
            chunks.append(length)
            covered += length
        }
        return chunks
    }

    static let seeds = Gen.int(in: 0...Int.max).map { UInt64($0) }

    @Test func randomStreamsDecodeIdenticallyAllAtOnceByteByByteAndInRandomChunks() async {
        await propertyCheck(count: 60, input: Self.seeds) { seed in
            let stream = Self.stream(seed: seed, count: 40)
            let chunkings: [[Int]] = [
                [stream.bytes.count],
                Array(repeating: 1, count: stream.bytes.count),
                Self.randomChunks(seed: seed ^ 0xC0FFEE, total: stream.bytes.count),
            ]
            for chunks in chunkings {
                var decoder = FrameDecoder()
                let outcomes = Self.decode(stream.bytes, chunks: chunks, into: &decoder)
                #expect(outcomes.compactMap(\.frame) == stream.frames)
                #expect(outcomes.allSatisfy { $0.error == nil })
                #expect(decoder.bufferedByteCount == 0, "bytes left over after the last delimiter")
                #expect(decoder.statistics.framesDecoded == UInt64(stream.frames.count))
                #expect(decoder.statistics.resynchronisations == 0)
            }
        }
    }

    @Test func sequenceNumbersWrapFrom65535ToZero() throws {
        let stream = Self.stream(seed: 7, count: 3, firstSequence: 65_534)
        var decoder = FrameDecoder()
        #expect(decoder.decode(stream.bytes).compactMap(\.frame?.sequence) == [65_534, 65_535, 0])
    }

    @Test func garbageEndedByADelimiterNeverCostsTheNextFrame() async {
        await propertyCheck(count: 60, input: Self.seeds) { seed in
            var random = SplitMix64(seed: seed)
            let stream = Self.stream(seed: seed, count: 20)
            var bytes: [UInt8] = []
            var decoder = FrameDecoder()
            var expectedDiscarded = 0
            for frame in stream.frames {
                let garbage = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 1...255, using: &random) }
                bytes += garbage + [0]
                expectedDiscarded += garbage.count
                bytes += try FrameEncoder.frame(frame.message, sequence: frame.sequence)
            }
            let outcomes = Self.decode(bytes, chunks: Self.randomChunks(seed: seed, total: bytes.count), into: &decoder)
            #expect(outcomes.compactMap(\.frame) == stream.frames)
            #expect(decoder.statistics.discardedBytes == UInt64(expectedDiscarded))
            #expect(decoder.statistics.framesDecoded == UInt64(stream.frames.count))
        }
    }

    @Test func garbageGluedToAFrameNeverYieldsAWrongMessage() async {
        await propertyCheck(count: 60, input: Self.seeds) { seed in
            var random = SplitMix64(seed: seed)
            let stream = Self.stream(seed: seed, count: 20)
            var bytes: [UInt8] = []
            var spoiled: Set<UInt16> = []
            for frame in stream.frames {
                let garbage = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if !garbage.isEmpty, garbage.last != 0 { spoiled.insert(frame.sequence) }
                bytes += garbage + (try FrameEncoder.frame(frame.message, sequence: frame.sequence))
            }
            var decoder = FrameDecoder()
            let decoded = decoder.decode(bytes).compactMap(\.frame)
            #expect(decoded == stream.frames.filter { !spoiled.contains($0.sequence) })
        }
    }

    @Test func aTruncatedFrameIsRejectedAndTheNextFrameDecodes() async {
        await propertyCheck(count: 60, input: Self.seeds) { seed in
            var random = SplitMix64(seed: seed)
            let stream = Self.stream(seed: seed, count: 3)
            let first = try FrameEncoder.frame(stream.frames[0].message, sequence: stream.frames[0].sequence)
            let cut = Int.random(in: 1..<(first.count - 1), using: &random)
            // The sender restarted mid-frame: the stub ends at a delimiter.
            let bytes = Array(first[..<cut]) + [0] + stream.bytes[first.count...]
            var decoder = FrameDecoder()
            let outcomes = decoder.decode(bytes)
            #expect(outcomes.compactMap(\.frame) == Array(stream.frames[1...]))
            #expect(outcomes.first?.error != nil)
            #expect(decoder.statistics.resynchronisations == 1)
            #expect(decoder.statistics.discardedBytes == UInt64(cut))
        }
    }

    @Test func aTruncatedFrameWithoutDelimiterCostsOnlyItselfAndItsSuccessor() async {
        await propertyCheck(count: 60, input: Self.seeds) { seed in
            var random = SplitMix64(seed: seed)
            let stream = Self.stream(seed: seed, count: 4)
            let first = try FrameEncoder.frame(stream.frames[0].message, sequence: stream.frames[0].sequence)
            let cut = Int.random(in: 1..<(first.count - 1), using: &random)
            let bytes = Array(first[..<cut]) + stream.bytes[first.count...]
            var decoder = FrameDecoder()
            #expect(decoder.decode(bytes).compactMap(\.frame) == Array(stream.frames[2...]))
        }
    }

    @Test func corruptedBytesAreNeverAcceptedAndTheDecoderResynchronises() async {
        await propertyCheck(count: 200, input: Self.seeds) { seed in
            var random = SplitMix64(seed: seed)
            let stream = Self.stream(seed: seed, count: 8)
            var frames = try stream.frames.map { try FrameEncoder.frame($0.message, sequence: $0.sequence) }
            let victim = Int.random(in: 0..<frames.count, using: &random)
            // Corrupt 1 to 4 distinct bytes of the victim (its delimiter
            // excluded), possibly into 0x00, which splits it into several
            // runs. Distinct, so that two flips never cancel out.
            var corrupted = Set<Int>()
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<(frames[victim].count - 1), using: &random)
                guard corrupted.insert(position).inserted else { continue }
                frames[victim][position] ^= UInt8.random(in: 1...255, using: &random)
            }
            var decoder = FrameDecoder()
            let outcomes = Self.decode(frames.flatMap { $0 }, chunks: Self.randomChunks(seed: seed, total: 4096),
                                       into: &decoder)
            var expected = stream.frames
            expected.remove(at: victim)
            #expect(outcomes.compactMap(\.frame) == expected)
            #expect(decoder.statistics.resynchronisations + decoder.statistics.rejectedIntactFrames >= 1)
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test func aCorruptedDelimiterCostsTheTwoFramesItJoinedAndNoMore() throws {
        let stream = Self.stream(seed: 11, count: 4)
        var frames = try stream.frames.map { try FrameEncoder.frame($0.message, sequence: $0.sequence) }
        frames[1][frames[1].count - 1] = 0x5A
        var decoder = FrameDecoder()
        let outcomes = decoder.decode(frames.flatMap { $0 })
        #expect(outcomes.compactMap(\.frame) == [stream.frames[0], stream.frames[3]])
        #expect(outcomes.count == 3)
    }

    @Test func idleDelimitersAreIgnoredWithoutCountingAnything() throws {
        let frame = try FrameEncoder.frame(.identifyRequest, sequence: 9)
        var decoder = FrameDecoder()
        let outcomes = decoder.decode([0, 0, 0] + frame + [0, 0])
        #expect(outcomes.count == 1 && outcomes[0].frame?.sequence == 9)
        #expect(decoder.statistics == { var expected = DecoderStatistics(); expected.framesDecoded = 1; return expected }())
    }

    @Test func resetDropsAPartialFrameAndCountsItAsDiscarded() throws {
        let frame = try FrameEncoder.frame(.identifyRequest, sequence: 1)
        var decoder = FrameDecoder()
        #expect(decoder.decode(frame.prefix(5)).isEmpty)
        #expect(decoder.bufferedByteCount == 5)
        #expect(decoder.reset() == 5)
        #expect(decoder.statistics.discardedBytes == 5)
        #expect(decoder.decode(frame).compactMap(\.frame?.sequence) == [1])
    }
}
