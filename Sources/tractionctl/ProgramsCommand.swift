import ArgumentParser

/// `tractionctl programs ...`: offline work on treatment program files.
struct ProgramsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "programs",
        abstract: "List the daemon's programs; validate and inspect program files.",
        subcommands: [ProgramsListCommand.self, ProgramsShowCommand.self, ProgramsValidateCommand.self]
    )
}

/// Options every offline program command shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}
