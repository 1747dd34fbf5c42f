import Foundation

/// The two file formats; they carry the same schema.
public enum ConfigurationFileFormat: String, Sendable, CaseIterable {
    case yaml
    case toml

    /// `.yaml` and `.yml` are YAML, `.toml` is TOML; anything else is refused.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "yaml", "yml": self = .yaml
        case "toml": self = .toml
        default: return nil
        }
    }
}

extension DaemonConfiguration {
    /// Reads, decodes and validates the file at `path`; the format follows
    /// the extension. Throws every problem found (syntax, unknown keys, wrong
    /// types, ranges, SAFETY.md bounds, cross-field rules), each with its line
    /// where known. Returns only a configuration that validates.
    public static func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        guard let format = ConfigurationFileFormat(path: path) else {
            throw ConfigurationError(file: path, problems: [
                ConfigurationProblem(keyPath: "", line: nil, value: nil,
                                     reason: "unknown format: the name must end in .yaml, .yml or .toml"),
            ])
        }
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(file: path, problems: [
                    ConfigurationProblem(keyPath: "", line: nil, value: nil, reason: "is not UTF-8 text"),
                ])
            }
            text = decoded
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: path, problems: [
                ConfigurationProblem(keyPath: "", line: nil, value: nil,
                                     reason: "cannot be read: \((error as NSError).localizedDescription)"),
            ])
        }
        return try parse(text, format: format, file: path)
    }

    /// Decodes and validates configuration text; `file` names it in messages.
    public static func parse(_ text: String, format: ConfigurationFileFormat,
                             file: String = "(configuration)") throws(ConfigurationError) -> DaemonConfiguration {
        let tree = switch format {
        case .yaml: try YAMLConfigurationParser.parse(text, file: file)
        case .toml: try TOMLConfigurationParser.parse(text, file: file)
        }
        return try decode(tree, file: file)
    }

    /// Decodes and validates a parsed tree.
    static func decode(_ tree: ConfigurationNode, file: String) throws(ConfigurationError) -> DaemonConfiguration {
        let log = ConfigurationProblemLog()
        let decoder = ConfigurationTreeDecoder(node: tree, codingPath: [], log: log)
        let configuration = (try? DaemonConfiguration(from: decoder)) ?? DaemonConfiguration()
        var problems = log.problems
        // A key whose value could not be read took its default; checking that
        // default again would only repeat the problem in other words.
        let unreadable = Set(problems.map(\.keyPath))
        problems += configuration.problems().filter { !unreadable.contains($0.keyPath) }
        guard !problems.isEmpty else { return configuration }
        for index in problems.indices where problems[index].line == nil {
            problems[index].line = tree.line(of: problems[index].keyPath)
        }
        let ordered = problems.enumerated().sorted { a, b in
            (a.element.line ?? Int.max, a.offset) < (b.element.line ?? Int.max, b.offset)
        }.map(\.element)
        throw ConfigurationError(file: file, problems: ordered)
    }
}

extension ConfigurationNode {
    /// The line of the value at a key path such as `socket.roles.viewer[1]`
    /// (or of its list, for an index the list lacks); nil when the file does
    /// not have the key (a default broke a rule together with another key).
    func line(of keyPath: String) -> Int? {
        var node = self
        var best = line
        for part in keyPath.split(separator: ".") {
            var name = Substring(part)
            var index: Int?
            if let open = part.firstIndex(of: "["), part.hasSuffix("]") {
                name = part[..<open]
                index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)])
            }
            guard let child = node.child(String(name)) else { return nil }
            node = child
            best = child.line ?? best
            if let index, case .array(let elements) = child.value, elements.indices.contains(index) {
                node = elements[index]
                best = node.line ?? best
            }
        }
        return best
    }
}
