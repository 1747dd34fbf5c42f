/// Reads one JSON text (RFC 8259) from a client into a `JSONValue`, with the
/// limits docs/control-protocol.md (section 2, "Parser limits") promises.
///
/// The daemon parses lines from anyone in the socket's group, so the parser
/// is its own rather than Foundation's: Foundation refuses the valid numbers
/// 1e400 and 1e-400 as "not valid JSON", has no documented nesting limit and
/// says nothing about duplicate members. Here:
///
/// - nesting is bounded (`maximumDepth`), so recursion is bounded too;
/// - every number is read as an IEEE 754 double: beyond ±1.7976931348623157e308
///   it becomes ±infinity, which `JSONValue` carries so that the params check
///   can refuse it naming the member; below the smallest double it becomes 0;
/// - a member name repeated in one object is refused (two readers could take
///   different ones of a repeated `method`);
/// - strings must be UTF-8 with no raw control characters and no lone
///   surrogate escapes.
public enum JSONParser {
    /// Objects and arrays nested deeper than this are refused. A request
    /// needs three levels (the request, `params`, `patient`).
    public static let maximumDepth = 32

    public static func parse(_ bytes: some Collection<UInt8>) -> Result<JSONValue, JSONParseError> {
        let input = Array(bytes)
        var parser = Parser(bytes: input)
        do throws(JSONParseError) {
            parser.skipWhitespace()
            let value = try parser.value(depth: 1)
            parser.skipWhitespace()
            guard parser.offset == input.count else { throw parser.failure("text after the JSON value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

/// Why a text is not JSON, and the byte offset where that was found.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var offset: Int

    public var description: String { "\(reason) at byte \(offset + 1)" }
}

private struct Parser {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func failure(_ reason: String) -> JSONParseError { JSONParseError(reason: reason, offset: offset) }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = current else { throw failure("the text ends where a value should be") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - offset >= expected.count,
              zip(bytes[offset..<(offset + expected.count)], expected).allSatisfy({ $0 == $1 }) else {
            throw failure("unexpected word (only true, false and null are allowed)")
        }
        offset += expected.count
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else {
            throw failure("objects and arrays nested deeper than \(JSONParser.maximumDepth) levels")
        }
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("a member name must be a string") }
            let nameOffset = offset
            let name = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("a colon must follow a member name") }
            offset += 1
            skipWhitespace()
            let member = try value(depth: depth + 1)
            guard members.updateValue(member, forKey: name) == nil else {
                throw JSONParseError(reason: "the member \"\(name)\" appears twice", offset: nameOffset)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"): offset += 1; return .object(members)
            default: throw failure("a comma or a closing brace must follow a member")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else {
            throw failure("objects and arrays nested deeper than \(JSONParser.maximumDepth) levels")
        }
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"): offset += 1; return .array(elements)
            default: throw failure("a comma or a closing bracket must follow an element")
            }
        }
    }

    /// The number's text checked against RFC 8259's grammar, then read as a
    /// double (correctly rounded; overflow is ±infinity, underflow 0).
    mutating func number() throws(JSONParseError) -> Double {
        let start = offset
        func digits() -> Int {
            let first = offset
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { offset += 1 }
            return offset - first
        }
        if current == UInt8(ascii: "-") { offset += 1 }
        if current == UInt8(ascii: "0") {
            offset += 1
        } else if digits() == 0 {
            throw failure("a number needs digits")
        }
        if current == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { throw failure("a decimal point needs digits after it") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { throw failure("an exponent needs digits") }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard let number = Double(text) else {
            throw JSONParseError(reason: "unreadable number", offset: start)
        }
        return number
    }

    mutating func string() throws(JSONParseError) -> String {
        offset += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("a string is not closed") }
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw failure("a string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                offset += 1
                try escape(into: &utf8)
            case 0x00..<0x20:
                throw failure("a control character must be escaped in a string")
            default:
                utf8.append(byte)
                offset += 1
            }
        }
    }

    mutating func escape(into utf8: inout [UInt8]) throws(JSONParseError) {
        guard let byte = current else { throw failure("a string is not closed") }
        offset += 1
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""): 0x22
        case UInt8(ascii: "\\"): 0x5C
        case UInt8(ascii: "/"): 0x2F
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw failure("unknown escape in a string") }
        var scalar = UInt32(try hexQuad())
        if (0xD800...0xDBFF).contains(scalar) {
            guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                throw failure("a high surrogate escape without its low surrogate")
            }
            offset += 2
            let low = UInt32(try hexQuad())
            guard (0xDC00...0xDFFF).contains(low) else {
                throw failure("a high surrogate escape without its low surrogate")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw failure("a low surrogate escape without its high surrogate")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw failure("an escape that is not a character") }
        utf8.append(contentsOf: String(Character(unicode)).utf8)
    }

    mutating func hexQuad() throws(JSONParseError) -> UInt16 {
        guard bytes.count - offset >= 4 else { throw failure("\\u needs four hexadecimal digits") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hexadecimal digits")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }
}
