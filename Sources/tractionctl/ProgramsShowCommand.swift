import ArgumentParser
import TractionDevice
import TractionTherapy

/// `tractionctl programs show FILE --weight KG [--region R] [--first-session] [--units kg|lb]`
struct ProgramsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the timeline a program plays for a patient.",
        discussion: """
            Shows each phase with its start, duration, forces (N and kg or lb) and \
            angles, the total session time, and the effective force limit with the \
            cap that set it. Times assume no pause, adjustment or stop.
            """
    )

    @Argument(help: "The program file.")
    var file: String

    @Option(help: "Patient body weight in kilograms.")
    var weight: Double

    @Option(help: "Treatment region (lumbar or cervical); must match the program's. Defaults to the program's.")
    var region: TreatmentRegion?

    @Flag(help: "The patient's first session: the first-session cap applies.")
    var firstSession = false

    @Option(help: "Unit shown beside newtons: kg (kilograms-force) or lb (pounds-force).")
    var units: DisplayMassUnit = .kg

    @Flag(help: "Also list every segment (ramp, hold, rest, move) of the session.")
    var segments = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard weight.isFinite, weight > 0 else { throw ValidationError("--weight must be a positive number of kilograms.") }
    }

    func run() throws {
        let input = ProgramFiles(paths: [file])
        for unreadable in input.unreadable { printError("\(unreadable.path): error: \(unreadable.reason)") }
        guard let source = input.sources.first, input.unreadable.isEmpty else { throw ExitStatus.noInput }

        let program: ValidatedProgram
        switch ProgramValidator.validate(text: source.text, file: source.path) {
        case .success(let valid): program = valid
        case .failure(let diagnostics):
            if output.json {
                try JSONOutput.print(ValidationReport(
                    valid: false,
                    files: [.init(path: source.path, valid: false, program: nil, nominalSessionSeconds: nil,
                                  diagnostics: diagnostics.diagnostics)],
                    unreadable: []))
            } else {
                for diagnostic in diagnostics.diagnostics { printError(diagnostic.description) }
            }
            throw ExitStatus.dataError
        }

        let patient = PatientParameters(weight: Kilograms(weight), region: region ?? program.program.region,
                                        firstSession: firstSession)
        let plan: SessionPlan
        do {
            plan = try SessionPlan(program: program, patient: patient)
        } catch {
            printError("\(source.path): error: \(error)")
            throw ExitStatus.dataError
        }
        let report = ShowReport(plan: plan, file: source.path, units: units)
        if output.json {
            try JSONOutput.print(report)
        } else {
            print(TimelineText.render(report, plan: plan, units: units, segments: segments))
        }
    }
}

extension TreatmentRegion: ExpressibleByArgument {}
