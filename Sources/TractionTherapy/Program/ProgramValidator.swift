import TractionDevice

/// Turns program text into a `ValidatedProgram`, or reports every mistake.
///
/// Field checks happen while parsing (`ProgramParser`). When every field is
/// readable, the program is compiled exactly as the planner compiles it, for
/// a patient whose caps clamp nothing, starting at the table's home angles
/// (all 0°), and each ramp that would actually play is checked against the
/// maximum rate for its direction (its shape's peak, not its average), and
/// the whole session against the maximum session length.
public enum ProgramValidator {
    public static func validate(text: String, file: String,
                                limits: TherapyLimits = .standard) -> Result<ValidatedProgram, ProgramDiagnostics> {
        if let tooLarge = ProgramSource.sizeDiagnostic(byteCount: text.utf8.count, file: file) {
            return .failure(ProgramDiagnostics([tooLarge]))
        }
        return check(ProgramParser.parse(text: text, file: file, limits: limits), limits: limits)
    }

    /// The same for a file's bytes: too large a file, or one that is not
    /// UTF-8, is refused before any parsing, with the line and column of
    /// the first byte that is not UTF-8.
    public static func validate(_ source: ProgramSource,
                                limits: TherapyLimits = .standard) -> Result<ValidatedProgram, ProgramDiagnostics> {
        check(source, limits: limits).result
    }

    /// Validation, and where the program's name is (for the library's
    /// duplicate-name check), from one parse.
    static func check(_ source: ProgramSource, limits: TherapyLimits)
        -> (result: Result<ValidatedProgram, ProgramDiagnostics>, nameSource: FieldSource?) {
        let text: String
        switch source.text() {
        case .failure(let diagnostic): return (.failure(ProgramDiagnostics([diagnostic])), nil)
        case .success(let decoded): text = decoded
        }
        let parsed = ProgramParser.parse(text: text, file: source.path, limits: limits)
        return (check(parsed, limits: limits), parsed.nameSource)
    }

    private static func check(_ parsed: ParsedProgram,
                              limits: TherapyLimits) -> Result<ValidatedProgram, ProgramDiagnostics> {
        guard let program = parsed.program, parsed.diagnostics.isEmpty else {
            var found = parsed.diagnostics
            checkRampsInsideReadablePhases(parsed, limits: limits, into: &found)
            found.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
            return .failure(ProgramDiagnostics(found))
        }
        var diagnostics: [ProgramDiagnostic] = []
        let compiler = SessionCompiler(limits: limits, forceLimit: Newtons(.infinity))
        let templates = compiler.templates(for: program, initialAngles: .zero)
        var force = Newtons.zero
        var angles = Angles.zero
        var total: Int64 = 0
        for (index, template) in templates.enumerated() {
            let segment = compiler.resolve(template, index: index, startForce: force, startAngles: angles, holdScale: 1)
            if let origin = segment.rampOrigin {
                checkRate(of: segment, origin: origin, program: program, sources: parsed.sources, limits: limits,
                          into: &diagnostics)
                checkLength(of: segment, origin: origin, program: program, sources: parsed.sources, limits: limits,
                            into: &diagnostics)
            }
            total = SessionCompiler.sum(total, segment.durationNanoseconds)
            force = segment.endForce
            angles = segment.endAngles
        }
        let duration = Seconds(Double(total) / 1e9)
        // A ramp already reported as longer than a session explains the total.
        if duration > limits.maximumSessionDuration, !diagnostics.contains(where: { $0.code == .durationTooLong }) {
            let source = parsed.sources["phases"] ?? FieldSource(location: program.location, text: "phases")
            diagnostics.append(ProgramDiagnostic(
                code: .sessionTooLong, location: source.location, field: "phases",
                value: SessionClock.minutesAndSeconds(duration),
                allowed: "a session of at most \(SessionClock.minutesAndSeconds(limits.maximumSessionDuration)) "
                    + "including moves and the final release",
                message: "the session is too long"))
        }
        guard diagnostics.isEmpty else { return .failure(ProgramDiagnostics(diagnostics)) }
        return .success(ValidatedProgram(program: program, limits: limits, nominalSessionDuration: duration))
    }

    /// When a program cannot be read as a whole, the ramps of each readable
    /// phase that do not depend on the phases before it (every ramp except
    /// the first rise, which starts from wherever the previous phase ended;
    /// in the first phase that is 0 N) are still checked, so that a file with
    /// several mistakes reports its steep ramps too.
    private static func checkRampsInsideReadablePhases(_ parsed: ParsedProgram, limits: TherapyLimits,
                                                       into diagnostics: inout [ProgramDiagnostic]) {
        let compiler = SessionCompiler(limits: limits, forceLimit: Newtons(.infinity))
        for (index, phase) in parsed.readablePhases {
            let alone = TreatmentProgram(name: "", description: "", region: .lumbar, bodyWeightFraction: 1,
                                         maximumForce: Newtons(.infinity),
                                         release: Ramp(speed: .rate(limits.defaultReleaseRate)),
                                         phases: [phase], location: phase.location)
            let templates = compiler.templates(for: alone, initialAngles: phase.angles)
            var force = Newtons.zero
            for (position, template) in templates.enumerated() where template.role != .release {
                let segment = compiler.resolve(template, index: position, startForce: force,
                                               startAngles: phase.angles, holdScale: 1)
                force = segment.endForce
                let dependsOnPreviousPhase = index > 0 && template.role == .rampToHold
                    && template.step == 1 && template.cycle == 1
                guard let origin = segment.rampOrigin, !dependsOnPreviousPhase else { continue }
                let actualOrigin: RampOrigin
                switch origin {
                case .phaseRampUp: actualOrigin = .phaseRampUp(index)
                case .phaseRampDown: actualOrigin = .phaseRampDown(index)
                case .release: continue
                }
                checkRate(of: segment, origin: actualOrigin, program: alone, sources: parsed.sources,
                          limits: limits, into: &diagnostics)
            }
        }
    }

    /// A ramp given as a rate so slow that it alone outlasts the longest
    /// session (`ramp_up: 1e-300 N/s`) is named at its own line, not only as
    /// a session too long.
    private static func checkLength(of segment: ActiveSegment, origin: RampOrigin, program: TreatmentProgram,
                                    sources: [String: FieldSource], limits: TherapyLimits,
                                    into diagnostics: inout [ProgramDiagnostic]) {
        let length = Seconds(Double(segment.durationNanoseconds) / 1e9)
        guard length > limits.maximumSessionDuration else { return }
        let field = rampField(origin)
        guard !diagnostics.contains(where: { $0.field == field }) else { return }
        let source = sources[field] ?? FieldSource(location: program.location, text: "")
        diagnostics.append(ProgramDiagnostic(
            code: .durationTooLong, location: source.location, field: field, value: source.text,
            allowed: "a ramp of at most \(QuantityFormat.seconds(limits.maximumSessionDuration)) (the longest session)",
            message: "the ramp from \(QuantityFormat.newtons(segment.startForce)) to "
                + "\(QuantityFormat.newtons(segment.endForce)) would last longer than the longest session"))
    }

    private static func rampField(_ origin: RampOrigin) -> String {
        switch origin {
        case .phaseRampUp(let index): "phases[\(index + 1)].ramp_up"
        case .phaseRampDown(let index): "phases[\(index + 1)].ramp_down"
        case .release: "release"
        }
    }

    private static func checkRate(of segment: ActiveSegment, origin: RampOrigin, program: TreatmentProgram,
                                  sources: [String: FieldSource], limits: TherapyLimits,
                                  into diagnostics: inout [ProgramDiagnostic]) {
        let rising = segment.endForce > segment.startForce
        let maximum = rising ? limits.maximumRampRate : limits.maximumReleaseRate
        guard segment.requestedPeakRate.value > maximum.value * (1 + 1e-9) else { return }
        let field = rampField(origin)
        guard !diagnostics.contains(where: { $0.field == field }) else { return }
        let source = sources[field] ?? FieldSource(location: program.location, text: "")
        let shapeNote = segment.shape == .linear ? "" : " (\(segment.shape.rawValue) shape: peak is "
            + "\(QuantityFormat.number(segment.shape.peakSlopeFactor))x the average)"
        diagnostics.append(ProgramDiagnostic(
            code: .rampTooSteep, location: source.location, field: field, value: source.text,
            allowed: "a peak rate of at most \(QuantityFormat.rate(maximum)) "
                + (rising ? "when rising" : "when falling"),
            message: "the ramp from \(QuantityFormat.newtons(segment.startForce)) to "
                + "\(QuantityFormat.newtons(segment.endForce)) peaks at "
                + "\(QuantityFormat.rate(segment.requestedPeakRate))\(shapeNote)"))
    }
}

/// Formats treatment durations as people read them on a console.
public enum SessionClock {
    /// "m:ss", or "h:mm:ss" from one hour; rounded to the nearest second.
    public static func minutesAndSeconds(_ duration: Seconds) -> String {
        let total = Int(saturatingRounded: Swift.max(duration.value, 0))
        let hours = total / 3600, minutes = (total % 3600) / 60, seconds = total % 60
        let paddedSeconds = seconds < 10 ? "0\(seconds)" : "\(seconds)"
        if hours > 0 {
            return "\(hours):\(minutes < 10 ? "0\(minutes)" : "\(minutes)"):\(paddedSeconds)"
        }
        return "\(minutes):\(paddedSeconds)"
    }
}
