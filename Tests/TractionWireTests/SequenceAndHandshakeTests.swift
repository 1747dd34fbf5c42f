import PropertyBased
import Testing
@testable import TractionWire

@Suite struct SequenceTrackerTests {
    @Test func consecutiveSequencesLoseNothing() {
        var tracker = SequenceTracker()
        for sequence: UInt16 in [10, 11, 12, 13] { #expect(tracker.observe(sequence) == 0) }
        #expect(tracker.lostFrames == 0 && tracker.gaps == 0)
    }

    @Test func aJumpCountsTheFramesInBetweenAcrossTheWrap() {
        var tracker = SequenceTracker()
        tracker.observe(65_533)
        #expect(tracker.observe(1) == 3)  // 65534, 65535 and 0 were lost
        #expect(tracker.lostFrames == 3 && tracker.gaps == 1)
    }

    @Test func afterAResetTheFirstFrameLosesNothing() {
        var tracker = SequenceTracker()
        tracker.observe(500)
        tracker.reset()
        #expect(tracker.observe(0) == 0)
        #expect(tracker.lostFrames == 0)
    }

    @Test func lostFramesEqualTheFramesRemovedFromAStream() async {
        await propertyCheck(input: Gen.bool.array(of: 1...3000), Gen.int(in: 0...65_535)) { kept, start in
            var tracker = SequenceTracker()
            var sequence = UInt16(start)
            tracker.observe(sequence)
            var removed: UInt64 = 0
            for keep in kept {
                sequence &+= 1
                if keep { tracker.observe(sequence) } else { removed += 1 }
            }
            sequence &+= 1
            tracker.observe(sequence)
            #expect(tracker.lostFrames == removed)
        }
    }
}

@Suite struct HandshakeReplyTests {
    @Test func aValidIdentifyResponseIdentifiesTheTable() throws {
        let example = try #require(SpecExamples.all.first { $0.name == "identify-response" })
        var decoder = FrameDecoder()
        let outcome = try #require(decoder.decode(try FrameEncoder.frame(example.message, sequence: 4)).first)
        guard case .identifyResponse(let response) = example.message else { Issue.record("not identify"); return }
        #expect(HandshakeReply(outcome) == .identified(response, sequence: 4))
    }

    @Test func anIdentifyResponseOfAnotherVersionIsAMismatchNamingBothVersions() throws {
        let frame = try FrameEncoder.frame(SpecExamples.all[1].message, sequence: 0, version: 2)
        var decoder = FrameDecoder()
        let outcome = try #require(decoder.decode(frame).first)
        #expect(HandshakeReply(outcome) == .versionMismatch(hostVersion: 1, tableVersion: 2))
    }

    @Test func telemetryAndCorruptFramesAreNoHandshakeReply() throws {
        var decoder = FrameDecoder()
        var corrupt = try FrameEncoder.frame(SpecExamples.all[1].message, sequence: 0)
        corrupt[10] = corrupt[10] == 0x55 ? 0x56 : 0x55  // stays non-zero: one run, bad CRC
        let outcomes = decoder.decode(try FrameEncoder.frame(SpecExamples.all[4].message, sequence: 1) + corrupt
            + FrameEncoder.frame(SpecExamples.all[4].message, sequence: 0, version: 3))
        #expect(outcomes.count == 3)
        #expect(outcomes.allSatisfy { HandshakeReply($0) == nil })
    }
}
