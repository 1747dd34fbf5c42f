/// The bytes of one program file before they are YAML: its size is checked
/// first (a file over `ProgramSchema.maximumFileBytes` is refused before any
/// parsing, and need not even be read whole), then its encoding (UTF-8,
/// with the line and column of the first byte that is not).
public struct ProgramSource: Sendable, Hashable {
    public var path: String
    /// The file's bytes; only its beginning when the file is over the limit.
    public var bytes: [UInt8]
    /// The whole file's size in bytes.
    public var byteCount: Int

    public init(path: String, bytes: [UInt8], byteCount: Int? = nil) {
        self.path = path
        self.bytes = bytes
        self.byteCount = byteCount ?? bytes.count
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The text, or the one diagnostic that stops the file before parsing:
    /// too large, or not UTF-8.
    public func text() -> Result<String, ProgramDiagnostic> {
        if let tooLarge = ProgramSource.sizeDiagnostic(byteCount: byteCount, file: path) { return .failure(tooLarge) }
        if let offset = Self.firstInvalidUTF8Offset(bytes) {
            let location = Self.location(ofByte: offset, in: bytes, file: path)
            let shown = bytes[offset..<min(bytes.count, offset + 4)].map { "\\x" + hexByte($0) }.joined()
            return .failure(ProgramDiagnostic(
                code: .invalidEncoding, location: location, field: "(file)", value: shown,
                allowed: "UTF-8 text", message: "the file is not UTF-8 text from here on"))
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// FILE_TOO_LARGE for a file over the limit, else nil.
    public static func sizeDiagnostic(byteCount: Int, file: String) -> ProgramDiagnostic? {
        guard byteCount > ProgramSchema.maximumFileBytes else { return nil }
        return ProgramDiagnostic(
            code: .fileTooLarge, location: SourceLocation(file: file, line: 1, column: 1), field: "(file)",
            value: "\(byteCount) bytes",
            allowed: "at most \(ProgramSchema.maximumFileBytes) bytes (256 KiB)",
            message: "the file is too large to be a program; nothing in it was read")
    }

    /// The offset of the first byte that does not belong to a well-formed
    /// UTF-8 sequence (overlong forms, surrogates and values above U+10FFFF
    /// included), or nil when every byte does.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowest = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; highest = 0x9F
            case 0xF0: length = 4; lowest = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; highest = 0x8F
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            let second = bytes[index + 1]
            guard second >= lowest && second <= highest else { return index }
            for continuation in bytes[(index + 2)..<(index + length)] where continuation & 0xC0 != 0x80 {
                return index
            }
            index += length
        }
        return nil
    }

    /// Line and column (both from 1) of the byte at `offset`, counted as the
    /// YAML parser counts them, so that every diagnostic of a file agrees:
    /// a line ends at LF, CR, CR LF (one end), NEL (U+0085), LS (U+2028) or
    /// PS (U+2029); the column counts characters (Unicode scalars).
    public static func location(ofByte offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        var index = 0
        while index < end {
            let byte = bytes[index]
            var breakLength = 0
            if byte == 0x0A {
                breakLength = 1
            } else if byte == 0x0D {
                breakLength = index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
            } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0x85 {
                breakLength = 2
            } else if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
                      bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
                breakLength = 3
            }
            if breakLength > 0 {
                line += 1
                column = 1
                index += breakLength
            } else {
                // A lead byte starts each scalar; continuation bytes add nothing.
                if byte & 0xC0 != 0x80 { column += 1 }
                index += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    /// The number of lines of `bytes` as the YAML parser counts them.
    public static func lineCount(of bytes: [UInt8]) -> Int {
        location(ofByte: bytes.count, in: bytes, file: "").line
    }
}

private func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
