/// Little-endian reading and writing of message payloads. Every multi-byte
/// field on the wire is little-endian, two's complement for signed fields.

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian byte order.
    @inlinable
    mutating func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
        var remaining = value.littleEndian
        Swift.withUnsafeBytes(of: &remaining) { append(contentsOf: $0) }
    }
}

/// A forward-only reader over one payload. Bounds are checked on every read,
/// so a malformed payload yields a typed error, never a trap or an overread.
struct PayloadReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read<Value: FixedWidthInteger>(
        _: Value.Type, field: StaticString
    ) throws(PayloadError) -> Value {
        let size = MemoryLayout<Value>.size
        guard remaining >= size else { throw .truncated(field: "\(field)") }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: Value.self)
        offset += size
        return Value(littleEndian: value)
    }

    /// Reads a length-prefixed (u8) UTF-8 string of at most `maximumLength` bytes.
    mutating func readText(field: StaticString, maximumLength: Int) throws(PayloadError) -> String {
        let length = Int(try read(UInt8.self, field: field))
        guard length <= maximumLength else {
            throw .textTooLong(field: "\(field)", length: length, maximum: maximumLength)
        }
        guard remaining >= length else { throw .truncated(field: "\(field)") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        guard let text = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .invalidText(field: "\(field)")
        }
        return text
    }

    /// Confirms that the whole payload was consumed.
    func finish() throws(PayloadError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }
}

extension Array where Element == UInt8 {
    /// Appends a u8 length followed by the UTF-8 bytes of `text`.
    mutating func appendText(
        _ text: String, field: String, maximumLength: Int
    ) throws(WireEncodingError) {
        let utf8 = text.utf8
        guard utf8.count <= maximumLength else {
            throw .textTooLong(field: field, length: utf8.count, maximum: maximumLength)
        }
        append(UInt8(utf8.count))
        append(contentsOf: utf8)
    }
}
