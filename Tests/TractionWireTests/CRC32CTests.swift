import Testing
@testable import TractionWire

/// CRC-32C vectors: the catalogue's check value and the iSCSI vectors of
/// RFC 3720, appendix B.4 (also listed in docs/wire-protocol.md, section 4).
@Suite struct CRC32CTests {
    @Test func checkValueOfTheStandardStringIsE3069283() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checkValue == 0xE306_9283)
    }

    @Test func emptyInputGivesZero() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func iscsiVectorsMatch() {
        #expect(CRC32C.checksum([UInt8](repeating: 0x00, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func identifyRequestHeaderVectorMatchesTheSpecification() {
        #expect(CRC32C.checksum(bytes(hex: "01 01 00 00 00 00")) == 0x800B_783F)
    }

    @Test func tableAgreesWithTheBitwiseReferenceOnEveryByteValue() {
        for value in 0...255 {
            var register = CRC32C.initialValue ^ UInt32(value)
            for _ in 0..<8 {
                register = register & 1 != 0 ? (register >> 1) ^ CRC32C.reflectedPolynomial : register >> 1
            }
            #expect(CRC32C.checksum([UInt8(value)]) == register ^ CRC32C.finalXor)
        }
    }
}
