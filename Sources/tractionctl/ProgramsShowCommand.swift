import ArgumentParser
import Foundation
import TractionControlClient
import TractionControlProtocol
import TractionDevice
import TractionTherapy

/// `tractionctl programs show FILE --weight KG [--region R] [--first-session] [--units kg|lb]`
/// `tractionctl programs show NAME` (the daemon's program: its file, text and diagnostics)
struct ProgramsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the timeline a program plays for a patient.",
        discussion: """
            For a program file (a path, or a name ending in .yaml or .yml): shows each \
            phase with its start, duration, forces (N and kg or lb) and angles, the total \
            session time, and the effective force limit with the cap that set it, for the \
            patient --weight describes; no daemon needed. Times assume no pause, adjustment \
            or stop. The file is checked against the limits --config and --table give, as \
            `programs validate` says, and the last line names them.

            For a program name: asks tractiond for its program of that name and prints its \
            file, whether it is valid, every diagnostic and its text. `tractionctl start` \
            shows the plan for a patient before anything pulls.
            """
    )

    @Argument(help: ArgumentHelp("A program file, or the name of a program the daemon knows.", valueName: "program"))
    var file: String

    @Option(help: "Patient body weight in kilograms (needed for a program file).")
    var weight: Double?

    @Option(help: "Treatment region (lumbar or cervical); must match the program's. Defaults to the program's.")
    var region: TreatmentRegion?

    @Flag(help: "The patient's first session: the first-session cap applies.")
    var firstSession = false

    @Option(help: "Unit shown beside newtons: kg (kilograms-force) or lb (pounds-force).")
    var units: DisplayMassUnit = .kg

    @Flag(help: "Also list every segment (ramp, hold, rest, move) of the session.")
    var segments = false

    @OptionGroup var table: TableLimitOptions

    @OptionGroup var daemon: DaemonOptions

    var output: DaemonOptions { daemon }

    /// A path or a file name is read here; a bare name is the daemon's.
    var isLocalFile: Bool {
        file.contains("/") || file.hasSuffix(".yaml") || file.hasSuffix(".yml") || FileManager.default.fileExists(atPath: file)
    }

    func validate() throws {
        if let weight {
            guard weight.isFinite, weight > 0 else { throw ValidationError("--weight must be a positive number of kilograms.") }
            guard isLocalFile else {
                throw ValidationError("--weight plans a program file; for the daemon's program \(file), "
                    + "`tractionctl start` shows the plan for a patient.")
            }
        } else if isLocalFile {
            throw ValidationError("Missing expected argument '--weight <weight>' (a program file is planned for a patient).")
        }
    }

    func run() throws {
        guard isLocalFile, let weight else { return try showDaemonProgram() }
        let limits = try table.resolve()
        let input = ProgramFiles(paths: [file])
        for unreadable in input.unreadable { printError("\(unreadable.path.visible): error: \(unreadable.reason)") }
        guard let source = input.sources.first, input.unreadable.isEmpty else { throw ExitStatus.noInput }

        let program: ValidatedProgram
        switch ProgramValidator.validate(source, limits: limits.limits) {
        case .success(let valid): program = valid
        case .failure(let diagnostics):
            if output.json {
                try JSONOutput.print(ValidationReport(
                    valid: false,
                    files: [.init(path: source.path, valid: false, program: nil, nominalSessionSeconds: nil,
                                  diagnostics: diagnostics.diagnostics)],
                    unreadable: [], limits: limits.source))
            } else {
                printError(limits.source.summary)
                for diagnostic in diagnostics.diagnostics { printError(diagnostic.description.visible) }
            }
            throw ExitStatus.dataError
        }

        let patient = PatientParameters(weight: Kilograms(weight), region: region ?? program.program.region,
                                        firstSession: firstSession)
        let plan: SessionPlan
        do {
            plan = try SessionPlan(program: program, patient: patient)
        } catch {
            printError("\(source.path.visible): error: \(error)")
            throw ExitStatus.dataError
        }
        let report = ShowReport(plan: plan, file: source.path, units: units, limits: limits.source)
        if output.json {
            try JSONOutput.print(report)
        } else {
            print(TimelineText.render(report, plan: plan, units: units, segments: segments))
        }
    }

    private func showDaemonProgram() throws {
        let value = try daemon.run { client throws(ControlClientError) in
            try client.request(.programsShow, params: ControlJSON.value(ProgramShowParams(program: file)))
        }
        if daemon.json { return JSONText.print(value) }
        guard let shown = try? ControlJSON.decode(value, as: ProgramShowResult.self) else {
            daemon.report(.badReply(detail: "programs.show"), refusal: nil)
            throw ExitStatus.protocolError
        }
        let entry = shown.entry
        print(StatusText.field("Program", "\(entry.name.visible) from \(entry.file.visible) (on the daemon's computer)"))
        if entry.valid {
            let facts = [entry.region.map(\.visible), entry.durationS.map { "\(Units.clock($0)) as programmed" },
                         entry.peakN.map { "peak \(Units.force($0))" }].compactMap { $0 }
            print(StatusText.field("Valid", facts.joined(separator: ", ")))
            if let description = entry.description, !description.isEmpty {
                print(StatusText.field("", description.visible))
            }
        } else {
            print(StatusText.field("INVALID", "\(shown.diagnostics.count) problem(s):"))
            for diagnostic in shown.diagnostics { print("  \(diagnostic.visible)") }
        }
        print("")
        // The file's own text, with its lines but never a control character.
        let text = PrintableText.escapedKeepingLines(shown.text)
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        if !entry.valid { throw ExitStatus.dataError }
    }
}

extension TreatmentRegion: ExpressibleByArgument {}
