import TractionDevice
import Yams

/// Reads typed fields out of a Yams node tree and collects every mistake
/// instead of stopping at the first. Each diagnostic points at the value's
/// (or, for a missing key, the enclosing mapping's) line and column.
struct YAMLFieldReader {
    let file: String
    private(set) var diagnostics: [ProgramDiagnostic] = []
    /// Every diagnostic reported so far, listed or not: a set, so that
    /// checking for a repeat stays cheap however many mistakes a file has.
    private var reported: Set<ProgramDiagnostic> = []
    /// Mistakes found beyond `ProgramSchema.maximumDiagnostics`, not listed.
    private(set) var unlisted = 0

    init(file: String) { self.file = file }

    func location(of node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func report(_ code: ProgramDiagnosticCode, at node: Node, field: String, value: String,
                         allowed: String, _ message: String) {
        report(code, at: location(of: node), field: field, value: value, allowed: allowed, message)
    }

    mutating func report(_ code: ProgramDiagnosticCode, at location: SourceLocation, field: String, value: String,
                         allowed: String, _ message: String) {
        let diagnostic = ProgramDiagnostic(code: code, location: location, field: field, value: value,
                                           allowed: allowed, message: message)
        guard reported.insert(diagnostic).inserted else { return }
        guard diagnostics.count < ProgramSchema.maximumDiagnostics else {
            unlisted += 1
            return
        }
        diagnostics.append(diagnostic)
    }

    /// One last diagnostic saying how many more mistakes were found, when
    /// the list stopped at `ProgramSchema.maximumDiagnostics`.
    mutating func closeList(at location: SourceLocation) {
        guard unlisted > 0 else { return }
        diagnostics.append(ProgramDiagnostic(
            code: .tooManyMistakes, location: location, field: "(file)", value: "\(unlisted) more",
            allowed: "at most \(ProgramSchema.maximumDiagnostics) mistakes are listed",
            message: "further mistakes were found and are not listed; correct these first"))
        unlisted = 0
    }

    /// A mapping's entries by key, after reporting every key that is not in
    /// `allowedKeys` (with the closest known key as a suggestion). Keys in
    /// `knownElsewhere` get a message saying where they belong instead.
    mutating func entries(of node: Node, field: String, allowedKeys: [String],
                          knownElsewhere: [String: String] = [:]) -> [String: (key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(.wrongType, at: node, field: field, value: Self.text(of: node),
                   allowed: "a mapping of keys: \(allowedKeys.joined(separator: ", "))", "expected a mapping")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report(.wrongType, at: key, field: field, value: Self.text(of: key), allowed: "a plain key",
                       "a key must be plain text")
                continue
            }
            let path = field.isEmpty ? name : "\(field).\(name)"
            if allowedKeys.contains(name) {
                result[name] = (key, value)
            } else if let reason = knownElsewhere[name] {
                report(.unknownKey, at: key, field: path, value: name,
                       allowed: allowedKeys.joined(separator: ", "), reason)
            } else {
                let suggestion = KeySuggestion.closest(to: name, among: allowedKeys)
                let hint = suggestion.map { "unknown key; did you mean \"\($0)\"?" } ?? "unknown key"
                report(.unknownKey, at: key, field: path, value: name,
                       allowed: allowedKeys.joined(separator: ", "), hint)
            }
        }
        return result
    }

    /// The scalar text of `node`, or a `wrongType` diagnostic.
    mutating func scalar(_ node: Node, field: String, allowed: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(.wrongType, at: node, field: field, value: Self.text(of: node), allowed: allowed,
                   "expected a single value")
            return nil
        }
        return scalar.string
    }

    /// Reads a quantity with `parse`, reporting missing or wrong units.
    mutating func quantity<Value>(_ node: Node, field: String, unitList: String, example: String,
                                  parse: (String) -> Result<Value, QuantityText.Failure>) -> Value? {
        let allowed = "a number followed by a unit: \(unitList) (e.g. \"\(example)\")"
        guard let text = scalar(node, field: field, allowed: allowed) else { return nil }
        switch parse(text) {
        case .success(let value):
            return value
        case .failure(.notANumber):
            report(.wrongType, at: node, field: field, value: text, allowed: allowed, "not a number with a unit")
        case .failure(.missingUnit):
            report(.missingUnit, at: node, field: field, value: text, allowed: allowed, "the unit is missing")
        case .failure(.wrongUnit(let unit)):
            report(.wrongUnit, at: node, field: field, value: text, allowed: allowed,
                   "\"\(unit)\" is not a unit this field accepts")
        }
        return nil
    }

    mutating func integer(_ node: Node, field: String, range: ClosedRange<Int>) -> Int? {
        let allowed = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let text = scalar(node, field: field, allowed: allowed) else { return nil }
        guard let value = Int(text.trimmingSpaces) else {
            // Int(_:) refuses digits too many for Int as it refuses words;
            // those are a number out of range, not a word.
            let digits = text.trimmingSpaces.drop { $0 == "-" || $0 == "+" }
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                report(.invalidValue, at: node, field: field, value: text, allowed: allowed, "out of range")
            } else {
                report(.wrongType, at: node, field: field, value: text, allowed: allowed, "not a whole number")
            }
            return nil
        }
        guard range.contains(value) else {
            report(.invalidValue, at: node, field: field, value: text, allowed: allowed, "out of range")
            return nil
        }
        return value
    }

    mutating func boolean(_ node: Node, field: String) -> Bool? {
        let allowed = "true or false"
        guard let text = scalar(node, field: field, allowed: allowed) else { return nil }
        switch text.trimmingSpaces {
        case "true": return true
        case "false": return false
        default:
            report(.wrongType, at: node, field: field, value: text, allowed: allowed, "not true or false")
            return nil
        }
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ node: Node, field: String,
                                                                 as type: Choice.Type) -> Choice?
        where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        let allowed = "one of: \(names.joined(separator: ", "))"
        guard let text = scalar(node, field: field, allowed: allowed) else { return nil }
        guard let value = Choice(rawValue: text.trimmingSpaces) else {
            let suggestion = KeySuggestion.closest(to: text, among: names)
            let hint = suggestion.map { "not a known value; did you mean \"\($0)\"?" } ?? "not a known value"
            report(.invalidValue, at: node, field: field, value: text, allowed: allowed, hint)
            return nil
        }
        return value
    }

    /// A short rendering of a node for the "found" part of a message.
    static func text(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// Suggests the known key a misspelled one most likely meant.
enum KeySuggestion {
    /// The candidate within a small edit distance of `word`, if any; the
    /// closest wins. A word that begins with the same
    /// part as the candidate (`hold_secs`, `hold_time`) may differ more:
    /// its first part already says which family of keys was meant.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let scalars = Array(lowered.unicodeScalars)
        let leadingPart = Self.leadingPart(of: lowered)
        var best: (candidate: String, distance: Int, lengthDifference: Int)?
        for candidate in candidates {
            let distance = editDistance(scalars, Array(candidate.unicodeScalars))
            let sharesLeadingPart = leadingPart != nil && leadingPart == Self.leadingPart(of: candidate)
            let threshold = Swift.max(2, candidate.count / (sharesLeadingPart ? 2 : 3))
            // On equal distance the candidate of the nearer length: hold_secs
            // is as far from hold_force as from hold_time, but as long as the latter.
            let lengthDifference = abs(candidate.unicodeScalars.count - scalars.count)
            if distance <= threshold,
               best.map({ (distance, lengthDifference) < ($0.distance, $0.lengthDifference) }) ?? true {
                best = (candidate, distance, lengthDifference)
            }
        }
        return best?.candidate
    }

    /// `hold` of `hold_time`; nil for a word without an underscore.
    private static func leadingPart(of word: String) -> Substring? {
        guard let underscore = word.firstIndex(of: "_"), underscore != word.startIndex else { return nil }
        return word[..<underscore]
    }

    /// Levenshtein distance between two scalar arrays.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
