import ArgumentParser

/// The clinician's and technician's command line. Commands that talk to
/// tractiond reach it over its control socket (docs/control-protocol.md);
/// `programs validate`, `programs show FILE`, `replay`, `device ports` and
/// `completions` work without a daemon. One file per command.
@main
struct TractionCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tractionctl",
        abstract: "Run and watch traction sessions, and work with treatment programs.",
        discussion: """
            Commands that talk to tractiond use its control socket: --socket PATH, else \
            $TRACTION_SOCKET, else /run/tractiond/control.sock. Every command takes --json \
            for scripts (docs/tractionctl.md describes each shape). Errors say what to do \
            and end with a symbolic code in brackets, for support.

            Exit status (sysexits): 0 success; 64 usage; 65 invalid program or data; \
            66 no such file or program; 69 tractiond not running; 70 daemon defect; \
            74 connection lost; 75 refused in the present state (fix and retry); \
            76 protocol error; 77 permission denied; 78 invalid configuration. \
            The man page lists them in full.
            """,
        version: "0.2.0",
        subcommands: [
            StatusCommand.self, WatchCommand.self, StartCommand.self, PauseCommand.self, ResumeCommand.self,
            StopCommand.self, AdjustCommand.self, AlarmsCommand.self, AcknowledgeCommand.self, ResetCommand.self,
            DeviceCommand.self, ProgramsCommand.self, ReplayCommand.self, CompletionsCommand.self,
            ExitStatusesCommand.self,
        ]
    )
}
