// Typed messages of docs/control-protocol.md; conventions in Messages.swift.

// MARK: programs

public struct ProgramEntry: Codable, Sendable, Hashable {
    public var name: String
    public var file: String
    public var valid: Bool
    public var region: String?
    public var durationS: Double?
    public var peakN: Double?
    public var description: String?
    public var error: String?
    public init(name: String, file: String, valid: Bool, region: String? = nil, durationS: Double? = nil,
                peakN: Double? = nil, description: String? = nil, error: String? = nil) {
        self.name = name
        self.file = file
        self.valid = valid
        self.region = region
        self.durationS = durationS
        self.peakN = peakN
        self.description = description
        self.error = error
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, file, valid, region, durationS = "duration_s", peakN = "peak_n", description, error
    }
}

public struct ProgramsListResult: Codable, Sendable, Hashable {
    public var programs: [ProgramEntry]
    public var directories: [String]
    public init(programs: [ProgramEntry], directories: [String]) {
        self.programs = programs
        self.directories = directories
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case programs, directories }
}

public struct ProgramShowParams: ControlParams, Codable, Sendable, Hashable {
    public var program: String
    public init(program: String) { self.program = program }
    public enum CodingKeys: String, CodingKey, CaseIterable { case program }
}

public struct ProgramShowResult: Codable, Sendable, Hashable {
    public var entry: ProgramEntry
    public var text: String
    public var diagnostics: [String]
    public init(entry: ProgramEntry, text: String, diagnostics: [String]) {
        self.entry = entry
        self.text = text
        self.diagnostics = diagnostics
    }
    // The entry's members sit beside text and diagnostics in one object.
    public init(from decoder: any Decoder) throws {
        entry = try ProgramEntry(from: decoder)
        let container = try decoder.container(keyedBy: ExtraKeys.self)
        text = try container.decode(String.self, forKey: .text)
        diagnostics = try container.decode([String].self, forKey: .diagnostics)
    }
    public func encode(to encoder: any Encoder) throws {
        try entry.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(diagnostics, forKey: .diagnostics)
    }
    private enum ExtraKeys: String, CodingKey { case text, diagnostics }
}
