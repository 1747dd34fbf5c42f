/// One thing wrong with a configuration file: where (line, key path), what
/// (the value as written) and why (the allowed range, the SAFETY.md bound or
/// the rule it breaks).
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// Dotted key path, e.g. `limits.cervical.force_cap_n`; empty for a
    /// problem with the file as a whole (a syntax error).
    public var keyPath: String
    /// 1-based line in the file, where the parser gives it.
    public var line: Int?
    /// The offending value as written, if there is one.
    public var value: String?
    /// The allowed range, the bound or the rule.
    public var reason: String

    public init(keyPath: String, line: Int?, value: String?, reason: String) {
        self.keyPath = keyPath
        self.line = line
        self.value = value
        self.reason = reason
    }

    /// `limits.cervical.force_cap_n = 300: must be 50 to 250 N`
    public var description: String {
        let subject = keyPath.isEmpty ? "" : keyPath + (value.map { " = \($0)" } ?? "") + ": "
        return subject + reason
    }
}

/// Why a configuration file was refused: every problem found, each with its
/// line and key path. The daemon prints `description` and does not start.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file the problems are in, as given to `load(path:)`.
    public var file: String
    /// Every problem, in file order where lines are known. Never empty.
    public var problems: [ConfigurationProblem]

    public init(file: String, problems: [ConfigurationProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem, `file:line: key = value: reason`, like a compiler.
    public var description: String {
        problems.map { problem in
            let location = file + (problem.line.map { ":\($0)" } ?? "")
            return "\(location): \(problem)"
        }.joined(separator: "\n")
    }
}
