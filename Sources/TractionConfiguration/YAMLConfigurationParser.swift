import TractionTherapy
import Yams

/// Turns YAML text into a `ConfigurationNode` tree with line numbers.
enum YAMLConfigurationParser {
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> ConfigurationNode {
        // Before composing: aliases (which can multiply into a billion
        // nodes), keys that are not text, and a repeated key named at its
        // first repeat (Yams names one picked by hash order).
        if let found = YAMLStructureCheck.firstProblem(in: text) {
            let reason = switch found.problem {
            case .alias: "a YAML alias (*name): the configuration does not use anchors and aliases"
            case .keyNotPlainText: "a key must be plain text, not a list or a mapping"
            case .repeatedKey(let key): "a key appears twice in one mapping: \(key)"
            }
            throw ConfigurationError(file: file, problems: [
                ConfigurationProblem(keyPath: "", line: found.line, value: nil, reason: reason),
            ])
        }
        let root: Node?
        do {
            // UTF-8 given: Yams' default encoding reads the environment on
            // every parse (and prints when YAMS_DEFAULT_ENCODING is set).
            root = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch let error as YamlError {
            throw ConfigurationError(file: file, problems: [problem(for: error)])
        } catch {
            throw ConfigurationError(file: file, problems: [
                ConfigurationProblem(keyPath: "", line: nil, value: nil, reason: "cannot be read as YAML: \(error)"),
            ])
        }
        // An empty file is a valid configuration: every key takes its default.
        guard let root else { return ConfigurationNode(.table([]), line: 1) }
        return convert(root)
    }

    private static func convert(_ node: Node) -> ConfigurationNode {
        let line = node.mark?.line
        switch node {
        case .mapping(let mapping):
            let entries = mapping.map { pair in
                ConfigurationNode.Entry(key: pair.key.string ?? "\(pair.key)", node: convert(pair.value))
            }
            return ConfigurationNode(.table(entries), line: line)
        case .sequence(let sequence):
            return ConfigurationNode(.array(sequence.map(convert)), line: line)
        case .scalar(let scalar):
            return ConfigurationNode(scalarValue(scalar, node: node), line: line)
        case .alias:
            return ConfigurationNode(.string("\(node)"), line: line)
        }
    }

    /// YAML 1.1 core-schema resolution as Yams applies it: an unquoted `250`
    /// is an integer, `0.05` a number, `true` a boolean; anything quoted is a
    /// string.
    private static func scalarValue(_ scalar: Node.Scalar, node: Node) -> ConfigurationNode.Value {
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: return .null
        case .bool: return node.bool.map { .bool($0) } ?? .string(scalar.string)
        case .int: return integer(scalar.string).map { .integer($0) } ?? .string(scalar.string)
        case .float: return node.float.map { .float(Double($0)) } ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }

    /// A YAML 1.1 integer read without Yams' constructor, whose base-60 form
    /// ("1:30") multiplies with trapping arithmetic: an unquoted
    /// `1:0:0:0:0:0:0:0:0:0:0` overflows Int and would end the daemon at a
    /// reload. No key takes a base-60 number, so that form stays text (and
    /// is reported as the wrong type); decimal, 0x, 0o, 0b and YAML 1.1's
    /// leading-zero octal are read, nil when out of range.
    static func integer(_ text: String) -> Int? {
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        guard !digits.contains(":") else { return nil }
        var sign = ""
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            digits = digits.dropFirst()
        }
        var radix = 10
        for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            radix = base
            digits = digits.dropFirst(2)
        }
        if radix == 10, digits.count > 1, digits.hasPrefix("0") { radix = 8 }
        return Int(sign + digits, radix: radix)
    }

    private static func problem(for error: YamlError) -> ConfigurationProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let contextText = context.map { "\($0.text) (from line \($0.mark.line)): " } ?? ""
            return ConfigurationProblem(keyPath: "", line: mark.line, value: nil,
                                        reason: "YAML syntax: \(contextText)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationProblem(keyPath: "", line: context.mark.line, value: nil,
                                        reason: "a key appears twice in one mapping: \(duplicates.joined(separator: ", "))")
        case .reader(let problem, let offset, _, let yaml):
            // The reader's offset counts bytes of the UTF-8 text.
            let line = offset.map { ProgramSource.location(ofByte: $0, in: Array(yaml.utf8), file: "").line }
            return ConfigurationProblem(keyPath: "", line: line ?? 1, value: nil, reason: "not readable text: \(problem)")
        default:
            return ConfigurationProblem(keyPath: "", line: nil, value: nil, reason: "YAML error: \(error)")
        }
    }
}
