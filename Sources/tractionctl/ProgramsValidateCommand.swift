import ArgumentParser
import TractionTherapy

/// `tractionctl programs validate FILE...`
struct ProgramsValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check program files and report every mistake with file:line:column.",
        discussion: """
            Checks each file on its own and all of them together as one library \
            (no two programs may share a name). A directory stands for the .yaml \
            and .yml files in it. Exits 0 when every file is valid, 65 when any \
            is not, 66 when a file cannot be read.

            The limits are those the daemon would use: its configuration file \
            (--config, else /etc/tractiond/tractiond.yaml when it exists, else the \
            built-in defaults), narrowed to the simulated table's axes and force cap \
            with --table simulated (the default when the configuration enables the \
            simulation). A real table's own ranges reach the daemon at its handshake. \
            The first line says which limits were used. A file over 256 KiB, or with \
            more than 100 phases, is refused before it is read further.
            """
    )

    @Argument(help: "Program files or directories of program files.")
    var files: [String]

    @OptionGroup var table: TableLimitOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one program file or directory.") }
    }

    func run() throws {
        let limits = try table.resolve()
        let input = ProgramFiles(paths: files)
        let library = ProgramLibrary(files: input.sources, limits: limits.limits)
        let programsByPath = Dictionary(library.programs.map { ($0.program.location.file, $0) },
                                        uniquingKeysWith: { first, _ in first })

        if output.json {
            let report = ValidationReport(
                valid: library.isValid && input.unreadable.isEmpty,
                files: library.diagnosticsByFile.map { entry in
                    let program = programsByPath[entry.path]
                    return ValidationReport.File(
                        path: entry.path, valid: entry.diagnostics.isEmpty, program: program?.program.name,
                        nominalSessionSeconds: program?.nominalSessionDuration.value,
                        diagnostics: entry.diagnostics)
                },
                unreadable: input.unreadable.map { .init(path: $0.path, reason: $0.reason) },
                limits: limits.source)
            try JSONOutput.print(report)
        } else {
            print(limits.source.summary)
            // Names, values and paths come from files: escaped, never obeyed by the terminal.
            for entry in library.diagnosticsByFile {
                if entry.diagnostics.isEmpty {
                    let program = programsByPath[entry.path]
                    let detail = program.map {
                        " (\($0.program.name.visible), \(SessionClock.minutesAndSeconds($0.nominalSessionDuration)))"
                    } ?? ""
                    print("\(entry.path.visible): ok\(detail)")
                } else {
                    for diagnostic in entry.diagnostics { print(diagnostic.description.visible) }
                }
            }
            for file in input.unreadable { printError("\(file.path.visible): error: \(file.reason)") }
            let invalidCount = library.diagnosticsByFile.filter { !$0.diagnostics.isEmpty }.count
            print("\(library.diagnosticsByFile.count) file(s) checked: \(invalidCount) invalid, "
                  + "\(library.diagnostics.count) error(s)"
                  + (input.unreadable.isEmpty ? "" : ", \(input.unreadable.count) unreadable"))
        }
        if !input.unreadable.isEmpty { throw ExitStatus.noInput }
        if !library.isValid { throw ExitStatus.dataError }
    }
}

/// `programs validate --json` output.
struct ValidationReport: Encodable {
    struct File: Encodable {
        var path: String
        var valid: Bool
        var program: String?
        var nominalSessionSeconds: Double?
        var diagnostics: [ProgramDiagnostic]
    }

    struct Unreadable: Encodable {
        var path: String
        var reason: String
    }

    var valid: Bool
    var files: [File]
    var unreadable: [Unreadable]
    /// Which limits the files were checked against.
    var limits: TableLimitOptions.LimitsSource?
}
