/// Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): removes every
/// 0x00 from a frame so that 0x00 can delimit frames on the wire.
///
/// Each block starts with a code byte `n` (1...255) followed by `n - 1`
/// non-zero data bytes. A block with `n < 255` stands for its data followed by
/// one 0x00, except the last block of a frame, whose implied 0x00 is dropped.
/// A block with `n == 255` has no implied 0x00.
///
/// A receiver that loses track (noise, a byte dropped, a decoder started in
/// the middle of a frame) is back in step at the next 0x00.
public enum COBS {
    /// The longest encoding of `rawLength` bytes: one code byte per started
    /// run of 254 bytes, plus one.
    public static func maximumEncodedLength(rawLength: Int) -> Int {
        rawLength + rawLength / 254 + 1
    }

    /// Appends the COBS encoding of `raw` (no delimiter) to `output`.
    /// Allocates only if `output` lacks capacity.
    public static func encode(_ raw: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        var codeIndex = output.count
        output.append(0)
        var code: UInt8 = 1
        for (offset, byte) in raw.enumerated() {
            if byte == 0 {
                output[codeIndex] = code
                codeIndex = output.count
                output.append(0)
                code = 1
                continue
            }
            output.append(byte)
            code += 1
            if code == 0xFF, offset + 1 < raw.count {
                output[codeIndex] = code
                codeIndex = output.count
                output.append(0)
                code = 1
            }
        }
        output[codeIndex] = code
    }

    /// Why a run of bytes between delimiters is not valid COBS.
    public enum DecodingError: Error, Sendable, Hashable {
        /// A code byte announces more bytes than the frame holds.
        case blockOverrunsFrame(codeOffset: Int, code: UInt8)
        /// A 0x00 inside the encoded bytes (the caller should have split there).
        case zeroInsideFrame(offset: Int)
    }

    /// Decodes `buffer[0..<encodedLength]` in place and returns the decoded
    /// length. In-place decoding is safe because the write position never
    /// passes the read position.
    public static func decodeInPlace(
        _ buffer: UnsafeMutableRawBufferPointer, encodedLength: Int
    ) throws(DecodingError) -> Int {
        precondition(encodedLength <= buffer.count)
        var read = 0
        var write = 0
        while read < encodedLength {
            let code = buffer[read]
            if code == 0 { throw .zeroInsideFrame(offset: read) }
            let blockEnd = read + Int(code)
            if blockEnd > encodedLength { throw .blockOverrunsFrame(codeOffset: read, code: code) }
            read += 1
            while read < blockEnd {
                let byte = buffer[read]
                if byte == 0 { throw .zeroInsideFrame(offset: read) }
                buffer[write] = byte
                write += 1
                read += 1
            }
            if code != 0xFF, read < encodedLength {
                buffer[write] = 0
                write += 1
            }
        }
        return write
    }
}
