import Foundation
import TractionTherapy
#if canImport(Glibc)
import Glibc
#endif

/// What the output is connected to, and whether colour may be used: only on
/// a terminal, never when NO_COLOR is set (https://no-color.org) or TERM is
/// "dumb".
struct Terminal: Sendable {
    var standardOutputIsTerminal: Bool
    var standardInputIsTerminal: Bool
    var colour: Bool

    static let current: Terminal = {
        let environment = ProcessInfo.processInfo.environment
        let outputTTY = isatty(STDOUT_FILENO) == 1
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        return Terminal(standardOutputIsTerminal: outputTTY, standardInputIsTerminal: isatty(STDIN_FILENO) == 1,
                        colour: outputTTY && !noColour)
    }()

    /// Columns and rows of the terminal on standard output (80x24 when unknown).
    static func size() -> (columns: Int, rows: Int) {
        var window = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 {
            return (Int(window.ws_col), Int(window.ws_row))
        }
        return (80, 24)
    }
}

/// SGR colours for text meant for people; plain text when colour is off.
struct Style: Sendable {
    var enabled: Bool

    static let current = Style(enabled: Terminal.current.colour)

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "1;31") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func cyan(_ text: String) -> String { wrap(text, "36") }

    private func wrap(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The interlock state in a colour that says how it stands.
    func state(_ state: String) -> String {
        let word = state.uppercased()
        switch state {
        case "fault", "emergency": return red(word)
        case "treating", "releasing", "armed": return bold(green(word))
        case "paused", "self-test", "connecting": return yellow(word)
        default: return bold(word)
        }
    }

    func priority(_ priority: String, _ text: String) -> String {
        switch priority {
        case "high": red(text)
        case "medium": yellow(text)
        default: text
        }
    }
}

/// Writes to standard error (unbuffered; FileHandle, not the C global).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Writes raw text to standard output at once (a whole screen frame).
func writeOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

extension String {
    /// This text as a terminal must show it: every control character (ESC
    /// and the rest) and bidirectional override written as a visible
    /// escape. For anything that came from a file or the daemon.
    var visible: String { PrintableText.escaped(self) }
}
