import Foundation
import Testing
import TractionDevice
@testable import TractionWire

/// The worked examples of docs/wire-protocol.md are test vectors. The hex is
/// read from the document itself, so the specification and the codec cannot
/// drift apart.
@Suite struct SpecExampleTests {
    struct HexBlock: Hashable {
        var example: String
        var part: String
    }

    /// Every fenced block opened with "```hex example=NAME part=PART".
    static let documentBlocks: [HexBlock: [UInt8]] = {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = repositoryRoot.appendingPathComponent("docs/wire-protocol.md")
        guard let text = try? String(contentsOf: document, encoding: .utf8) else { return [:] }
        var blocks: [HexBlock: [UInt8]] = [:]
        var current: HexBlock?
        var hex = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let block = current {
                if line.hasPrefix("```") {
                    blocks[block] = bytes(hex: hex)
                    current = nil
                    hex = ""
                } else {
                    hex += line + " "
                }
            } else if line.hasPrefix("```hex ") {
                var fields: [String: String] = [:]
                for pair in line.dropFirst(7).split(separator: " ") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
                }
                current = HexBlock(example: fields["example"] ?? "?", part: fields["part"] ?? "?")
            }
        }
        return blocks
    }()

    @Test func theDocumentHasARawAndAWireBlockForEveryExampleAndNoOthers() {
        let expected = Set(SpecExamples.all.flatMap {
            [HexBlock(example: $0.name, part: "raw"), HexBlock(example: $0.name, part: "wire")]
        })
        #expect(Set(Self.documentBlocks.keys) == expected)
    }

    @Test func everyMessageTypeHasAWorkedExample() {
        #expect(Set(SpecExamples.all.map(\.message.type)) == Set(MessageType.allCases))
    }

    @Test(arguments: SpecExamples.all.map(\.name))
    func encoderProducesTheDocumentedBytes(name: String) throws {
        let example = try #require(SpecExamples.all.first { $0.name == name })
        let raw = try #require(Self.documentBlocks[HexBlock(example: name, part: "raw")])
        let wire = try #require(Self.documentBlocks[HexBlock(example: name, part: "wire")])
        #expect(try FrameEncoder.rawFrame(example.message, sequence: example.sequence) == raw)
        #expect(try FrameEncoder.frame(example.message, sequence: example.sequence) == wire)
    }

    @Test(arguments: SpecExamples.all.map(\.name))
    func decoderReadsTheDocumentedBytesAsTheExampleMessage(name: String) throws {
        let example = try #require(SpecExamples.all.first { $0.name == name })
        let wire = try #require(Self.documentBlocks[HexBlock(example: name, part: "wire")])
        var decoder = FrameDecoder()
        let outcomes = decoder.decode(wire)
        #expect(outcomes.count == 1)
        let frame = try #require(outcomes.first?.frame)
        #expect(frame.message == example.message)
        #expect(frame.sequence == example.sequence)
        #expect(frame.header.version == 1)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func treatingTelemetryExampleCarriesTheStatedEngineeringValues() throws {
        let example = try #require(SpecExamples.all.first { $0.name == "telemetry-treating" })
        guard case .telemetry(let message) = example.message else { Issue.record("not telemetry"); return }
        let sample = message.telemetry(sequence: 1, receivedAt: .origin)
        #expect(sample.deviceTime == 12.345678)
        #expect(sample.loadCellForce == 312.47)
        #expect(sample.redundantForce == 309.90)
        #expect(sample.tractionPosition == 18.25)
        #expect(sample.tractionVelocity == 2.48)
        #expect(sample.angles == Angles(flexion: 20, lateralTilt: -1.5, rotation: 0))
        #expect(sample.harnessClosed && sample.driveEnabled)
        #expect(!sample.patientSwitch.eitherPressed && !sample.emergencyStopPressed)
    }

    @Test func identifyExampleCarriesTheStatedTable() throws {
        let example = try #require(SpecExamples.all.first { $0.name == "identify-response" })
        guard case .identifyResponse(let message) = example.message else { Issue.record("not identify"); return }
        let identity = message.identity
        #expect(identity.maximumForce == 900)
        #expect(identity.maximumTravel == 300)
        #expect(identity.lease == 0.1)
        #expect(identity.telemetryRateHertz == 500)
        #expect(identity.range(of: .flexion) == AngleAxisRange(axis: .flexion, minimum: -10, maximum: 35, maximumRate: 5))
        #expect(identity.range(of: .lateralTilt) == AngleAxisRange(axis: .lateralTilt, minimum: -15, maximum: 15, maximumRate: 3))
        #expect(!identity.has(.rotation))
        #expect(identity.firmwareVersion == "TT-2.4.1" && identity.serialNumber == "AT-000417")
        #expect(!identity.simulated)
    }
}
