/// What kind of mistake a diagnostic reports: a stable symbolic code (it
/// appears in `tractionctl --json` output and in scripts). A struct rather
/// than an enum so that new codes never break a caller's `switch`.
public struct ProgramDiagnosticCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// The file is not well-formed YAML (or repeats a key in one mapping).
    public static let yamlSyntax = Self(rawValue: "YAML_SYNTAX")
    /// A key the format does not know, or one the phase's mode does not use.
    public static let unknownKey = Self(rawValue: "UNKNOWN_KEY")
    public static let missingKey = Self(rawValue: "MISSING_KEY")
    /// A mapping where a value was expected, a word where a number was...
    public static let wrongType = Self(rawValue: "WRONG_TYPE")
    public static let missingUnit = Self(rawValue: "MISSING_UNIT")
    public static let wrongUnit = Self(rawValue: "WRONG_UNIT")
    /// A value outside its allowed set or range (names, counts, fractions).
    public static let invalidValue = Self(rawValue: "INVALID_VALUE")
    public static let nonPositiveDuration = Self(rawValue: "NON_POSITIVE_DURATION")
    /// A time longer than a whole session may last: it could never play, and
    /// no absurd figure may reach the planner's arithmetic.
    public static let durationTooLong = Self(rawValue: "DURATION_TOO_LONG")
    public static let restAboveHold = Self(rawValue: "REST_ABOVE_HOLD")
    public static let rampTooSteep = Self(rawValue: "RAMP_TOO_STEEP")
    public static let forceAboveRegionCap = Self(rawValue: "FORCE_ABOVE_REGION_CAP")
    public static let forceAboveProgramMaximum = Self(rawValue: "FORCE_ABOVE_PROGRAM_MAXIMUM")
    public static let angleOutOfRange = Self(rawValue: "ANGLE_OUT_OF_RANGE")
    public static let angleChangeUnderTension = Self(rawValue: "ANGLE_CHANGE_UNDER_TENSION")
    public static let emptyProgram = Self(rawValue: "EMPTY_PROGRAM")
    public static let sessionTooLong = Self(rawValue: "SESSION_TOO_LONG")
    public static let duplicateProgramName = Self(rawValue: "DUPLICATE_PROGRAM_NAME")
    /// A file over `ProgramSchema.maximumFileBytes`: refused before parsing.
    public static let fileTooLarge = Self(rawValue: "FILE_TOO_LARGE")
    /// More phases than `ProgramSchema.maximumPhases`: refused before they are read.
    public static let tooManyPhases = Self(rawValue: "TOO_MANY_PHASES")
    /// Bytes that are not UTF-8, or characters YAML does not allow in a file.
    public static let invalidEncoding = Self(rawValue: "INVALID_ENCODING")
    /// More mistakes than `ProgramSchema.maximumDiagnostics`: the rest are counted, not listed.
    public static let tooManyMistakes = Self(rawValue: "TOO_MANY_MISTAKES")
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
