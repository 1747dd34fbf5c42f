/// Decodes a request's `params` (a `JSONValue` from `JSONParser`) into a
/// method's typed params, checking every number on the way in.
///
/// Not Foundation's JSONDecoder: decoding through it meant encoding the
/// tree again (which throws on a number beyond the double range) and its
/// errors name Swift types ("Expected to decode Int but found a string").
/// Here every failure is a `ParamsDecodingError` naming the member and
/// saying what was wrong in the protocol's words (docs/control-protocol.md,
/// section 8, INVALID_PARAMS), and no number reaches a typed field unless it
/// fits it: a double must be finite, an integer whole and within its type's
/// range (checked with `init(exactly:)`, never a trapping conversion).
struct ParamsDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw ParamsDecodingError.mismatch(codingPath, "an object", value) }
        return KeyedDecodingContainer(KeyedParams<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw ParamsDecodingError.mismatch(codingPath, "a list", value) }
        return UnkeyedParams(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleParam(value: value, codingPath: codingPath)
    }
}

/// A member of `params` that is not what its method takes.
public struct ParamsDecodingError: Error, Sendable, Hashable {
    /// The member as `data.field` names it (`patient.weight_kg`, `topics[1]`, `params`).
    public var field: String
    /// What is wrong, in words a client can show.
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    init(_ codingPath: [any CodingKey], _ reason: String) {
        self.init(field: Self.field(codingPath), reason: reason)
    }

    static func mismatch(_ codingPath: [any CodingKey], _ expected: String, _ found: JSONValue) -> Self {
        Self(codingPath, "expected \(expected), got \(found.typeName)")
    }

    /// `patient.weight_kg`, `topics[1]`; `params` for the params as a whole.
    static func field(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "params" : text
    }
}

/// The number checks every typed field goes through.
enum ParamNumber {
    static let outOfDoubleRange = "is out of range: a number must lie within ±1.7976931348623157e308"

    static func double(_ value: JSONValue, _ codingPath: [any CodingKey]) throws -> Double {
        guard case .number(let number) = value else { throw ParamsDecodingError.mismatch(codingPath, "a number", value) }
        guard number.isFinite else { throw ParamsDecodingError(codingPath, outOfDoubleRange) }
        return number
    }

    static func integer<Integer: FixedWidthInteger>(_ value: JSONValue, _ codingPath: [any CodingKey]) throws -> Integer {
        let number = try double(value, codingPath)
        guard number.rounded(.towardZero) == number else {
            throw ParamsDecodingError(codingPath, "expected a whole number, got \(number)")
        }
        guard let whole = Integer(exactly: number) else {
            throw ParamsDecodingError(codingPath, "is out of range: a whole number from \(Integer.min) to \(Integer.max)")
        }
        return whole
    }

    static func float(_ value: JSONValue, _ codingPath: [any CodingKey]) throws -> Float {
        let number = try double(value, codingPath)
        guard abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw ParamsDecodingError(codingPath, "is out of range: a number must lie within ±3.4028235e38")
        }
        return Float(number)
    }
}

private struct KeyedParams<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSONValue {
        guard let member = members[key.stringValue] else {
            throw ParamsDecodingError(codingPath + [key], "is required")
        }
        return member
    }

    func decodeNil(forKey key: Key) throws -> Bool { members[key.stringValue].map { $0 == .null } ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: ParamsDecoder(value: try member(key), codingPath: codingPath + [key]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                               forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ParamsDecoder(value: try member(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ParamsDecoder(value: try member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ParamsDecoder(value: .object(members), codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ParamsDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "[\(intValue ?? 0)]" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct UnkeyedParams: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> (JSONValue, [any CodingKey]) {
        let path = codingPath + [IndexKey(intValue: currentIndex)]
        guard !isAtEnd else { throw ParamsDecodingError(path, "is required") }
        defer { currentIndex += 1 }
        return (elements[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (element, path) = try next()
        return try T(from: ParamsDecoder(value: element, codingPath: path))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> {
        let (element, path) = try next()
        return try ParamsDecoder(value: element, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (element, path) = try next()
        return try ParamsDecoder(value: element, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (element, path) = try next()
        return ParamsDecoder(value: element, codingPath: path)
    }
}

private struct SingleParam: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw ParamsDecodingError.mismatch(codingPath, "true or false", value) }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw ParamsDecodingError.mismatch(codingPath, "a string", value) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double { try ParamNumber.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try ParamNumber.float(value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ParamNumber.integer(value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try ParamNumber.integer(value, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: ParamsDecoder(value: value, codingPath: codingPath))
    }
}
