import PropertyBased
import Testing
@testable import TractionWire

@Suite struct COBSTests {
    static let vectors: [(raw: String, encoded: String)] = [
        ("00", "01 01"),
        ("00 00", "01 01 01"),
        ("11 22 00 33", "03 11 22 02 33"),
        ("11 22 33 44", "05 11 22 33 44"),
        ("11 00 00 00", "02 11 01 01 01"),
    ]

    func encoded(_ raw: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        raw.withUnsafeBytes { COBS.encode($0, appendingTo: &output) }
        return output
    }

    func decoded(_ encoded: [UInt8]) throws -> [UInt8] {
        var buffer = encoded
        let length = try buffer.withUnsafeMutableBytes { raw in
            try COBS.decodeInPlace(raw, encodedLength: raw.count)
        }
        return Array(buffer[0..<length])
    }

    @Test func specificationVectorsEncodeAndDecode() throws {
        for vector in Self.vectors {
            #expect(encoded(bytes(hex: vector.raw)) == bytes(hex: vector.encoded))
            #expect(try decoded(bytes(hex: vector.encoded)) == bytes(hex: vector.raw))
        }
    }

    @Test func a254ByteRunWithoutZerosTakesOneFullBlock() throws {
        let raw = (1...254).map { UInt8($0) }
        #expect(encoded(raw) == [0xFF] + raw)
        #expect(try decoded([0xFF] + raw) == raw)
    }

    @Test func aRunLongerThan254BytesIsSplitWithoutAnImpliedZero() throws {
        let raw = [UInt8](repeating: 0x42, count: 300)
        let output = encoded(raw)
        #expect(output.count == COBS.maximumEncodedLength(rawLength: 300))
        #expect(output[0] == 0xFF && output[255] == 47)
        #expect(try decoded(output) == raw)
    }

    @Test func aCodeByteOverrunningTheFrameIsRejected() {
        #expect(throws: COBS.DecodingError.blockOverrunsFrame(codeOffset: 0, code: 5)) {
            try decoded([0x05, 0x11, 0x22])
        }
    }

    @Test func encodingNeverContainsZeroAndRoundTrips() async {
        await propertyCheck(input: Gen.int(in: 0...255).array(of: 0...600)) { values in
            let raw = values.map { UInt8($0) }
            let output = encoded(raw)
            #expect(!output.contains(0))
            #expect(output.count <= COBS.maximumEncodedLength(rawLength: raw.count))
            #expect((try? decoded(output)) == raw)
        }
    }

    @Test func everyFrameOfThisProtocolCostsExactlyOneByteOfOverhead() async {
        await propertyCheck(input: Gen.int(in: 0...255).array(of: WireFormat.minimumRawFrameLength...WireFormat.maximumRawFrameLength)) { values in
            #expect(encoded(values.map { UInt8($0) }).count == values.count + 1)
        }
    }
}
