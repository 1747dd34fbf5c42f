import ArgumentParser

/// The tractiond command line. Offline commands (this issue) work without a
/// daemon; commands that talk to tractiond over its control socket join
/// this root as further subcommands, one file each.
@main
struct TractionCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tractionctl",
        abstract: "Administer tractiond and work with treatment programs.",
        discussion: """
            Exit status: 0 success; 64 usage error; 65 invalid program or data; \
            66 an input file cannot be read.
            """,
        version: "0.1.0",
        subcommands: [ProgramsCommand.self, ReplayCommand.self]
    )
}
