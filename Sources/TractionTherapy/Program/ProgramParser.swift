import TractionDevice
import Yams

/// The text and place of one field as written, kept so that checks made
/// after parsing (ramp rates, session length) can point at the right line.
struct FieldSource: Sendable, Hashable {
    var location: SourceLocation
    /// The value as written, or a note such as "(default 10 N/s)".
    var text: String
}

/// What parsing one file produced: the program when every field could be
/// read, the diagnostics found so far, and where the fields were.
struct ParsedProgram: Sendable {
    var program: TreatmentProgram?
    var diagnostics: [ProgramDiagnostic]
    var sources: [String: FieldSource]
    /// Where the `name` value is (duplicate-name checks), if present.
    var nameSource: FieldSource?
    /// The phases that could be read (0-based index), kept even when the
    /// program as a whole could not, so their own ramps can still be checked.
    var readablePhases: [(index: Int, phase: ProgramPhase)] = []
}

/// Turns the text of one program file into a `TreatmentProgram`, checking
/// every field that can be checked on its own against `TherapyLimits`.
/// Checks across fields and phases live in `ProgramValidator`.
struct ProgramParser {
    let file: String
    let limits: TherapyLimits
    var reader: YAMLFieldReader
    var sources: [String: FieldSource] = [:]
    var readablePhases: [(index: Int, phase: ProgramPhase)] = []

    init(file: String, limits: TherapyLimits) {
        self.file = file
        self.limits = limits
        self.reader = YAMLFieldReader(file: file)
    }

    static func parse(text: String, file: String, limits: TherapyLimits) -> ParsedProgram {
        var parser = ProgramParser(file: file, limits: limits)
        return parser.parse(text: text)
    }

    private mutating func parse(text: String) -> ParsedProgram {
        if let found = YAMLStructureCheck.firstProblem(in: text) {
            let location = SourceLocation(file: file, line: found.line, column: found.column)
            switch found.problem {
            case .alias:
                reader.report(.yamlSyntax, at: location, field: "(file)", value: "",
                              allowed: "well-formed YAML without aliases (write each value out)",
                              "a YAML alias (*name): programs do not use anchors and aliases")
            case .keyNotPlainText:
                reader.report(.yamlSyntax, at: location, field: "(file)", value: "", allowed: "plain keys",
                              "a key must be plain text, not a list or a mapping")
            case .repeatedKey(let key):
                reader.report(.yamlSyntax, at: location, field: "(file)", value: key,
                              allowed: "each key once in a mapping", "a key appears twice in one mapping")
            }
            return ParsedProgram(program: nil, diagnostics: reader.diagnostics, sources: sources, nameSource: nil)
        }
        let root: Node?
        do {
            // The basic resolver: every plain scalar stays text (the format
            // reads its own numbers and units). The default one resolves
            // each scalar through several regular expressions, also for
            // the duplicate-key check, which made big files slow. UTF-8
            // given, not looked up: Yams' default reads the environment
            // on every parse (and prints when YAMS_DEFAULT_ENCODING is set).
            root = try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            reader.report(yamlDiagnostic(error))
            return ParsedProgram(program: nil, diagnostics: reader.diagnostics, sources: sources, nameSource: nil)
        } catch {
            reader.report(.yamlSyntax, at: SourceLocation(file: file, line: 1, column: 1), field: "(file)",
                          value: "", allowed: "a YAML document", "cannot be read: \(error)")
            return ParsedProgram(program: nil, diagnostics: reader.diagnostics, sources: sources, nameSource: nil)
        }
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root, !Self.isNull(root) else {
            reader.report(.emptyProgram, at: start, field: "(file)", value: "",
                          allowed: "a mapping with name, region, limits and phases", "the file holds no program")
            return ParsedProgram(program: nil, diagnostics: reader.diagnostics, sources: sources, nameSource: nil)
        }
        let program = parseProgram(root)
        let end = SourceLocation(file: file, line: ProgramSource.lineCount(of: Array(text.utf8)), column: 1)
        reader.closeList(at: end)
        return ParsedProgram(program: program, diagnostics: reader.diagnostics, sources: sources,
                             nameSource: sources["name"], readablePhases: readablePhases)
    }

    private mutating func parseProgram(_ root: Node) -> TreatmentProgram? {
        guard let fields = reader.entries(of: root, field: "", allowedKeys: ProgramSchema.topLevelKeys) else {
            return nil
        }
        let here = reader.location(of: root)

        var name: String?
        if let (_, node) = fields["name"] {
            if let text = reader.scalar(node, field: "name", allowed: Self.nameRule) {
                if Self.isValidName(text) {
                    name = text
                    sources["name"] = FieldSource(location: reader.location(of: node), text: text)
                } else {
                    reader.report(.invalidValue, at: node, field: "name", value: text, allowed: Self.nameRule,
                                  "not a valid program name")
                }
            }
        } else {
            missing("name", in: here, allowed: Self.nameRule)
        }

        var description = ""
        if let (_, node) = fields["description"],
           let text = reader.scalar(node, field: "description", allowed: "text") {
            description = text
        }

        var region: TreatmentRegion?
        if let (_, node) = fields["region"] {
            region = reader.choice(node, field: "region", as: TreatmentRegion.self)
        } else {
            missing("region", in: here, allowed: "lumbar or cervical")
        }

        let (fraction, maximumForce) = parseLimits(fields["limits"]?.value, in: here, region: region)

        var release = Ramp(speed: .rate(limits.defaultReleaseRate))
        sources["release"] = FieldSource(location: here,
                                         text: "(default \(QuantityFormat.rate(limits.defaultReleaseRate)))")
        if let (_, node) = fields["release"] {
            if let speed = rampSpeed(node, field: "release") {
                release = Ramp(speed: speed)
                sources["release"] = FieldSource(location: reader.location(of: node), text: Self.text(node))
            }
        }

        var phases: [ProgramPhase] = []
        var everyPhaseRead = true
        if let (key, node) = fields["phases"] {
            sources["phases"] = FieldSource(location: reader.location(of: key), text: "phases")
            if case .sequence(let sequence) = node, sequence.count > ProgramSchema.maximumPhases {
                // Refused before any phase is read: no work grows with them.
                reader.report(.tooManyPhases, at: key, field: "phases", value: "\(sequence.count) phases",
                              allowed: "at most \(ProgramSchema.maximumPhases) phases", "the program has too many phases")
                everyPhaseRead = false
            } else if case .sequence(let sequence) = node, !sequence.isEmpty {
                var previousAngles = Angles.zero
                for (offset, phaseNode) in sequence.enumerated() {
                    let phase = parsePhase(phaseNode, index: offset + 1, region: region,
                                           programMaximum: maximumForce, previousAngles: previousAngles)
                    if let phase {
                        phases.append(phase)
                        readablePhases.append((offset, phase))
                        previousAngles = phase.angles
                    } else {
                        everyPhaseRead = false
                    }
                }
            } else if Self.isNull(node) || node.sequence != nil {
                reader.report(.emptyProgram, at: key, field: "phases", value: "",
                              allowed: "a list of one or more phases", "the program has no phases")
                everyPhaseRead = false
            } else {
                reader.report(.wrongType, at: node, field: "phases", value: YAMLFieldReader.text(of: node),
                              allowed: "a list of one or more phases", "expected a list of phases")
                everyPhaseRead = false
            }
        } else {
            reader.report(.emptyProgram, at: here, field: "phases", value: "",
                          allowed: "a list of one or more phases", "the program has no phases")
            everyPhaseRead = false
        }

        guard let name, let region, let fraction, let maximumForce, everyPhaseRead, reader.diagnostics.isEmpty else {
            return nil
        }
        return TreatmentProgram(name: name, description: description, region: region, bodyWeightFraction: fraction,
                                maximumForce: maximumForce, release: release, phases: phases,
                                location: sources["name"]?.location ?? here)
    }

    private mutating func parseLimits(_ node: Node?, in here: SourceLocation,
                                      region: TreatmentRegion?) -> (Double?, Newtons?) {
        let fractionRule = region.map {
            "a percentage above 0 % and at most \(QuantityFormat.percent(limits.region($0).maximumBodyWeightFraction)) for \($0)"
        } ?? "a percentage of body weight, e.g. \"50 %\""
        let forceRule = region.map {
            "a force above 0 N and at most the \($0) cap \(QuantityFormat.newtons(limits.region($0).forceCap))"
        } ?? "a force, e.g. \"450 N\""
        guard let node else {
            missing("limits", in: here, allowed: "a mapping with body_weight_fraction and maximum_force")
            return (nil, nil)
        }
        guard let fields = reader.entries(of: node, field: "limits", allowedKeys: ProgramSchema.limitsKeys) else {
            return (nil, nil)
        }
        let limitsHere = reader.location(of: node)
        var fraction: Double?
        if let (_, valueNode) = fields["body_weight_fraction"] {
            if let value = reader.quantity(valueNode, field: "limits.body_weight_fraction", unitList: "%",
                                           example: "50 %", parse: QuantityText.percentage) {
                let ceiling = region.map { limits.region($0).maximumBodyWeightFraction } ?? 1
                if value > 0 && value <= ceiling + 1e-12 {
                    fraction = value
                } else {
                    reader.report(.invalidValue, at: valueNode, field: "limits.body_weight_fraction",
                                  value: Self.text(valueNode), allowed: fractionRule, "out of range")
                }
            }
        } else {
            missing("limits.body_weight_fraction", in: limitsHere, allowed: fractionRule)
        }
        var maximum: Newtons?
        if let (_, valueNode) = fields["maximum_force"] {
            if let force = self.force(valueNode, field: "limits.maximum_force") {
                if force.value <= 0 {
                    reader.report(.invalidValue, at: valueNode, field: "limits.maximum_force",
                                  value: Self.text(valueNode), allowed: forceRule, "must be above 0 N")
                } else if let region, force > limits.region(region).forceCap {
                    reader.report(.forceAboveRegionCap, at: valueNode, field: "limits.maximum_force",
                                  value: Self.text(valueNode), allowed: forceRule,
                                  "above the \(region) force cap")
                } else {
                    maximum = force
                }
            }
        } else {
            missing("limits.maximum_force", in: limitsHere, allowed: forceRule)
        }
        return (fraction, maximum)
    }

    // MARK: Field helpers shared with PhaseParser

    mutating func missing(_ field: String, in location: SourceLocation, allowed: String) {
        reader.report(.missingKey, at: location, field: field, value: "", allowed: allowed, "required key is missing")
    }

    mutating func force(_ node: Node, field: String) -> Newtons? {
        reader.quantity(node, field: field, unitList: QuantityText.forceUnitList, example: "300 N",
                        parse: QuantityText.force)
    }

    mutating func duration(_ node: Node, field: String) -> Seconds? {
        guard let value = reader.quantity(node, field: field, unitList: QuantityText.durationUnitList,
                                          example: "60 s", parse: QuantityText.duration) else { return nil }
        guard value.value > 0 else {
            reader.report(.nonPositiveDuration, at: node, field: field, value: Self.text(node),
                          allowed: durationRule, "a duration must be positive")
            return nil
        }
        guard checkNotLongerThanASession(value, node, field: field, allowed: durationRule) else { return nil }
        return value
    }

    private var durationRule: String {
        "a duration above 0 s and at most \(QuantityFormat.seconds(limits.maximumSessionDuration)) (the longest session)"
    }

    /// A single time longer than the longest session can never play; it is
    /// refused here, where the file's line and column are known, so that no
    /// absurd figure (1e20 s, or "1e307 min", infinite once in seconds)
    /// reaches the planner's whole-nanosecond arithmetic.
    private mutating func checkNotLongerThanASession(_ duration: Seconds, _ node: Node, field: String,
                                                     allowed: String) -> Bool {
        guard duration > limits.maximumSessionDuration else { return true }
        reader.report(.durationTooLong, at: node, field: field, value: Self.text(node), allowed: allowed,
                      "longer than the longest session")
        return false
    }

    mutating func rampSpeed(_ node: Node, field: String) -> RampSpeed? {
        let units = "\(QuantityText.durationUnitList) (a time) or \(QuantityText.rateUnitList) (a peak rate)"
        guard let speed = reader.quantity(node, field: field, unitList: units, example: "15 N/s",
                                          parse: QuantityText.rampSpeed) else { return nil }
        switch speed {
        case .duration(let duration) where duration.value <= 0:
            reader.report(.nonPositiveDuration, at: node, field: field, value: Self.text(node),
                          allowed: rampRule, "a ramp time must be positive")
            return nil
        case .duration(let duration) where !checkNotLongerThanASession(duration, node, field: field, allowed: rampRule):
            return nil
        case .rate(let rate) where rate.value <= 0:
            reader.report(.invalidValue, at: node, field: field, value: Self.text(node),
                          allowed: rampRule, "a ramp rate must be positive")
            return nil
        default:
            return speed
        }
    }

    private var rampRule: String {
        "a time above 0 s and at most \(QuantityFormat.seconds(limits.maximumSessionDuration)), or a rate above 0 N/s"
    }

    mutating func record(_ field: String, _ node: Node) {
        sources[field] = FieldSource(location: reader.location(of: node), text: Self.text(node))
    }

    static func text(_ node: Node) -> String { YAMLFieldReader.text(of: node) }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null"
    }

    static let nameRule = "1 to \(ProgramSchema.maximumNameLength) characters: letters, digits, '-', '_' or '.'"

    /// The first character of `text` a terminal would act on rather than
    /// show: a control character (Unicode Cc: C0, DEL, C1; ESC starts the
    /// sequences that move the cursor or clear a screen), or a bidirectional
    /// override or isolate (it reorders what follows). Nil when none.
    static func firstControlCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: PrintableText.needsEscape)
    }

    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= ProgramSchema.maximumNameLength else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    private func yamlDiagnostic(_ error: YamlError) -> ProgramDiagnostic {
        func make(_ mark: Mark?, _ message: String) -> ProgramDiagnostic {
            ProgramDiagnostic(code: .yamlSyntax,
                              location: SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1),
                              field: "(file)", value: "", allowed: "well-formed YAML", message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let contextText = context.map { "\($0.text) (from line \($0.mark.line)): " } ?? ""
            return make(mark, "YAML syntax: \(contextText)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return make(context.mark, "a key appears twice in one mapping: \(duplicates.joined(separator: ", "))")
        case .reader(let problem, let offset, let value, let yaml):
            // The reader's offset counts bytes of the UTF-8 text.
            let location = offset.map { ProgramSource.location(ofByte: $0, in: Array(yaml.utf8), file: file) }
                ?? SourceLocation(file: file, line: 1, column: 1)
            let character = value >= 0 ? " (U+\(String(value, radix: 16, uppercase: true)))" : ""
            return ProgramDiagnostic(code: .invalidEncoding, location: location, field: "(file)", value: "",
                                     allowed: "printable UTF-8 text (YAML allows no control characters but tab "
                                        + "and line ends; write them as escapes in double quotes)",
                                     message: "the file is not readable text: \(problem)\(character)")
        default:
            return make(nil, "YAML error: \(error)")
        }
    }
}

extension YAMLFieldReader {
    mutating func report(_ diagnostic: ProgramDiagnostic) {
        report(diagnostic.code, at: diagnostic.location, field: diagnostic.field, value: diagnostic.value,
               allowed: diagnostic.allowed, diagnostic.message)
    }
}
