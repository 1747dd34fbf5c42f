/// What kind of mistake a diagnostic reports. The raw values are stable
/// symbolic codes (they appear in `tractionctl --json` output).
public enum ProgramDiagnosticCode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The file is not well-formed YAML (or repeats a key in one mapping).
    case yamlSyntax = "YAML_SYNTAX"
    /// A key the format does not know, or one the phase's mode does not use.
    case unknownKey = "UNKNOWN_KEY"
    case missingKey = "MISSING_KEY"
    /// A mapping where a value was expected, a word where a number was...
    case wrongType = "WRONG_TYPE"
    case missingUnit = "MISSING_UNIT"
    case wrongUnit = "WRONG_UNIT"
    /// A value outside its allowed set or range (names, counts, fractions).
    case invalidValue = "INVALID_VALUE"
    case nonPositiveDuration = "NON_POSITIVE_DURATION"
    case restAboveHold = "REST_ABOVE_HOLD"
    case rampTooSteep = "RAMP_TOO_STEEP"
    case forceAboveRegionCap = "FORCE_ABOVE_REGION_CAP"
    case forceAboveProgramMaximum = "FORCE_ABOVE_PROGRAM_MAXIMUM"
    case angleOutOfRange = "ANGLE_OUT_OF_RANGE"
    case angleChangeUnderTension = "ANGLE_CHANGE_UNDER_TENSION"
    case emptyProgram = "EMPTY_PROGRAM"
    case sessionTooLong = "SESSION_TOO_LONG"
    case duplicateProgramName = "DUPLICATE_PROGRAM_NAME"
}

/// One mistake in a program file: where it is, which field, the value found,
/// and what is allowed instead.
public struct ProgramDiagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: ProgramDiagnosticCode
    public var location: SourceLocation
    /// Dotted path of the field, e.g. `phases[2].ramp_up` (phases count from 1).
    public var field: String
    /// The offending value as written (empty when the field is missing).
    public var value: String
    /// What the field accepts.
    public var allowed: String
    /// One sentence on what is wrong.
    public var message: String

    public init(code: ProgramDiagnosticCode, location: SourceLocation, field: String, value: String,
                allowed: String, message: String) {
        self.code = code
        self.location = location
        self.field = field
        self.value = value
        self.allowed = allowed
        self.message = message
    }

    /// `file:line:column: error: FIELD: MESSAGE (found "VALUE"; allowed: ALLOWED) [CODE]`
    public var description: String {
        let found = value.isEmpty ? "" : " (found \"\(value)\"; allowed: \(allowed))"
        let allowedOnly = value.isEmpty && !allowed.isEmpty ? " (allowed: \(allowed))" : ""
        return "\(location): error: \(field): \(message)\(found)\(allowedOnly) [\(code.rawValue)]"
    }
}

/// All the mistakes found in one or more program files, in file order.
public struct ProgramDiagnostics: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var diagnostics: [ProgramDiagnostic]

    public init(_ diagnostics: [ProgramDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
