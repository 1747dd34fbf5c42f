/// CRC-32C (Castagnoli), the checksum of every frame.
///
/// Parameters in the Rocksoft/Williams model (catalogued as "CRC-32/ISCSI"):
/// width 32, polynomial 0x1EDC6F41 (reflected form 0x82F63B78), init
/// 0xFFFFFFFF, reflected input and output, xorout 0xFFFFFFFF, check value
/// 0xE3069283 for the ASCII bytes "123456789".
///
/// Chosen over CRC-16 because its Hamming distance stays at 6 for frames far
/// longer than ours (any 5 flipped bits are detected) and many MCUs compute it
/// in hardware (STM32 CRC unit with a programmable polynomial, SSE4.2 `crc32`).
public enum CRC32C {
    /// The reflected polynomial used by the bitwise and table algorithms.
    public static let reflectedPolynomial: UInt32 = 0x82F6_3B78
    public static let initialValue: UInt32 = 0xFFFF_FFFF
    public static let finalXor: UInt32 = 0xFFFF_FFFF
    /// CRC-32C of the ASCII string "123456789".
    public static let checkValue: UInt32 = 0xE306_9283

    /// One entry per byte value: the register update for that byte.
    static let table: [UInt32] = (0..<256).map { byteValue in
        var register = UInt32(byteValue)
        for _ in 0..<8 {
            register = (register & 1) != 0 ? (register >> 1) ^ reflectedPolynomial : register >> 1
        }
        return register
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var register = initialValue
            for byte in bytes {
                register = table[Int((register ^ UInt32(byte)) & 0xFF)] ^ (register >> 8)
            }
            return register ^ finalXor
        }
    }

    /// The CRC of a byte collection (convenience for tests and tools).
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBytes { checksum($0) }
    }
}
