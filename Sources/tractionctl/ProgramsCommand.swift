import ArgumentParser

/// `tractionctl programs ...`: offline work on treatment program files.
struct ProgramsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "programs",
        abstract: "Validate and inspect treatment program files (no daemon needed).",
        subcommands: [ProgramsValidateCommand.self, ProgramsShowCommand.self]
    )
}

/// Options every offline program command shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}
