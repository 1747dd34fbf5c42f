import ArgumentParser

/// `tractionctl completions bash|zsh|fish`
struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            bash:  tractionctl completions bash > /etc/bash_completion.d/tractionctl
            zsh:   tractionctl completions zsh > "${fpath[1]}/_tractionctl"
            fish:  tractionctl completions fish > ~/.config/fish/completions/tractionctl.fish
            """
    )

    @Argument(help: ArgumentHelp("The shell.", valueName: "shell"))
    var shell: Shell

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish
    }

    func run() {
        let kind: CompletionShell = switch shell {
        case .bash: .bash
        case .zsh: .zsh
        case .fish: .fish
        }
        print(TractionCtl.completionScript(for: kind))
    }
}

/// `tractionctl exit-statuses`: the EXIT STATUS section of the man page,
/// printed from the one table (hidden: scripts/man-page.sh uses it).
struct ExitStatusesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exit-statuses",
        abstract: "Print the exit statuses and what they mean.",
        shouldDisplay: false
    )

    @Flag(help: "As mdoc(7) list items, for the man page.")
    var mdoc = false

    func run() {
        if mdoc { print(".Bl -tag -width 6n") }
        for entry in ExitStatus.all {
            if mdoc {
                print(".It \(entry.status.rawValue)")
                print("\(entry.name): \(entry.meaning).")
            } else {
                print("\(entry.status.rawValue)\t\(entry.name)\t\(entry.meaning)")
            }
        }
        if mdoc { print(".El") }
    }
}
