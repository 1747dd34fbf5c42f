/// A `Decoder` over a `ConfigurationNode` tree that collects problems instead
/// of stopping at the first. Hand-written because neither Yams' nor TOMLKit's
/// decoder reports unknown keys, keeps going after a wrong type, or knows the
/// line of a value.
///
/// Contract with the schema types: a keyed container whose `CodingKeys` are
/// `CaseIterable` reports every key of the file not among them; a value of
/// the wrong type is recorded and surfaces as `RecordedProblem`, which
/// `KeyedDecodingContainer.setting(_:default:)` turns into the default so
/// that decoding goes on and every mistake is reported.
final class ConfigurationProblemLog {
    var problems: [ConfigurationProblem] = []

    func record(_ path: [any CodingKey], _ node: ConfigurationNode?, value: String?, _ reason: String) {
        problems.append(ConfigurationProblem(keyPath: Self.keyPath(path), line: node?.line, value: value, reason: reason))
    }

    static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
}

/// Thrown by the tree decoder after it recorded a problem.
struct RecordedProblem: Error {}

struct ConfigurationTreeDecoder: Decoder {
    let node: ConfigurationNode
    let codingPath: [any CodingKey]
    let log: ConfigurationProblemLog
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .table(let entries) = node.value else {
            log.record(codingPath, node, value: node.display, "must be a table of keys, found \(node.kind)")
            throw RecordedProblem()
        }
        if let known = Key.self as? any (CodingKey & CaseIterable).Type {
            let names = Self.names(of: known)
            for entry in entries where !names.contains(entry.key) {
                let reason = Self.closest(to: entry.key, among: names).map { "unknown key (did you mean \($0)?)" }
                    ?? "unknown key; the keys here are \(names.joined(separator: ", "))"
                log.record(codingPath + [ConfigurationKey(entry.key)], entry.node, value: nil, reason)
            }
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(entries: entries, codingPath: codingPath, log: log))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = node.value else {
            log.record(codingPath, node, value: node.display, "must be a list, found \(node.kind)")
            throw RecordedProblem()
        }
        return UnkeyedContainer(elements: elements, codingPath: codingPath, log: log)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValue(node: node, codingPath: codingPath, log: log)
    }

    private static func names<K: CodingKey & CaseIterable>(of type: K.Type) -> [String] {
        K.allCases.map(\.stringValue)
    }

    /// The known key a misspelling most likely meant: edit distance <= 3.
    static func closest(to key: String, among names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(Array(key), Array($0))) }.filter { $0.1 <= 3 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A coding key made from a string in the file (for unknown keys) or a list index.
struct ConfigurationKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = "[\(intValue)]"
        self.intValue = intValue
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [ConfigurationNode.Entry]
    let codingPath: [any CodingKey]
    let log: ConfigurationProblemLog

    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { entries.contains { $0.key == key.stringValue } }

    private func child(_ key: Key) throws -> ConfigurationTreeDecoder {
        guard let entry = entries.first(where: { $0.key == key.stringValue }) else {
            log.record(codingPath + [key], nil, value: nil, "is required")
            throw RecordedProblem()
        }
        return ConfigurationTreeDecoder(node: entry.node, codingPath: codingPath + [key], log: log)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try child(key).node.value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: child(key)) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Bool(from: child(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try String(from: child(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Double(from: child(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try Float(from: child(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Int(from: child(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Int8(from: child(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Int16(from: child(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Int32(from: child(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Int64(from: child(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try UInt(from: child(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try UInt8(from: child(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try UInt16(from: child(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try UInt32(from: child(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try UInt64(from: child(key)) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key)
        throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ConfigurationTreeDecoder(node: ConfigurationNode(.table(entries)), codingPath: codingPath, log: log)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [ConfigurationNode]
    let codingPath: [any CodingKey]
    let log: ConfigurationProblemLog
    var currentIndex = 0

    init(elements: [ConfigurationNode], codingPath: [any CodingKey], log: ConfigurationProblemLog) {
        self.elements = elements
        self.codingPath = codingPath
        self.log = log
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ConfigurationTreeDecoder {
        guard !isAtEnd else {
            log.record(codingPath, nil, value: nil, "has fewer elements than needed")
            throw RecordedProblem()
        }
        defer { currentIndex += 1 }
        return ConfigurationTreeDecoder(node: elements[currentIndex],
                                        codingPath: codingPath + [ConfigurationKey(intValue: currentIndex)!], log: log)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = elements[currentIndex].value else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type)
        throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleValue: SingleValueDecodingContainer {
    let node: ConfigurationNode
    let codingPath: [any CodingKey]
    let log: ConfigurationProblemLog

    private func mismatch(_ expected: String) -> RecordedProblem {
        log.record(codingPath, node, value: node.display, "must be \(expected), found \(node.kind)")
        return RecordedProblem()
    }

    func decodeNil() -> Bool {
        if case .null = node.value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = node.value else { throw mismatch("true or false") }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = node.value else { throw mismatch("a string") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch node.value {
        case .integer(let number): return Double(number)
        case .float(let number): return number
        default: throw mismatch("a number")
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    /// Integers accept a whole number written with a fraction (`250.0`).
    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let value: I?
        switch node.value {
        case .integer(let number): value = I(exactly: number)
        case .float(let number): value = number == number.rounded() ? I(exactly: number) : nil
        default: throw mismatch("an integer")
        }
        guard let value else {
            log.record(codingPath, node, value: node.display,
                       "must be a whole number from \(I.min) to \(I.max)")
            throw RecordedProblem()
        }
        return value
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: ConfigurationTreeDecoder(node: node, codingPath: codingPath, log: log))
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when the key is absent or null.
    /// A problem the tree decoder recorded (wrong type, unknown key below)
    /// also yields the default, so decoding continues and reports the rest;
    /// the load still fails because the problem is in the log.
    func setting<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        do {
            return try decodeIfPresent(T.self, forKey: key) ?? defaultValue
        } catch is RecordedProblem {
            return defaultValue
        }
    }
}
