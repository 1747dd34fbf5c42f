/// A configuration file after parsing and before decoding: the same tree
/// whether the file was YAML or TOML, with the line of each value where the
/// parser gives it. Decoding and validation read only this tree, so both
/// formats get the same checks and the same messages.
public struct ConfigurationNode: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        /// A mapping (YAML) or table (TOML), in file order.
        case table([Entry])
        case array([ConfigurationNode])
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        /// YAML `~`, `null` or an empty value. TOML has no null.
        case null
    }

    public struct Entry: Sendable, Hashable {
        public var key: String
        public var node: ConfigurationNode
        public init(key: String, node: ConfigurationNode) {
            self.key = key
            self.node = node
        }
    }

    public var value: Value
    /// 1-based line of the value in its file, when known.
    public var line: Int?

    public init(_ value: Value, line: Int? = nil) {
        self.value = value
        self.line = line
    }

    /// The entry named `key` when this is a table.
    public func child(_ key: String) -> ConfigurationNode? {
        guard case .table(let entries) = value else { return nil }
        return entries.first { $0.key == key }?.node
    }

    /// The node at a dotted key path (`limits.lumbar.force_cap_n`).
    public func node(at keyPath: String) -> ConfigurationNode? {
        var node: ConfigurationNode? = self
        for key in keyPath.split(separator: ".") {
            node = node?.child(String(key))
        }
        return node
    }

    /// The value as a person wrote it, for error messages.
    public var display: String {
        switch value {
        case .table: "a table"
        case .array(let elements): "[" + elements.map(\.display).joined(separator: ", ") + "]"
        case .string(let text): "\"\(text)\""
        case .integer(let number): String(number)
        case .float(let number): NumberText.format(number)
        case .bool(let flag): String(flag)
        case .null: "null"
        }
    }

    /// What kind of value this is, in words ("a string", "a table").
    public var kind: String {
        switch value {
        case .table: "a table"
        case .array: "a list"
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// Number formatting shared by messages and documents: no trailing ".0" on
/// whole numbers, so `rate_hz = 2000` reads as written.
enum NumberText {
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
