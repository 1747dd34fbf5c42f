import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TractionTestSupport
#endif

/// tmux, where it is installed (scripts/install-deps.sh installs it).
let tmuxPath: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// `tractionctl watch` in a real terminal: tmux runs it in a 100x30 pane
/// and `capture-pane` reads back what a person would see.
@Suite("tractionctl watch in a terminal", .serialized)
struct WatchTerminalTests {
    /// Not skipped when tmux is missing: the screen checks below then fail,
    /// and this one says what to install.
    @Test func tmuxIsInstalled() {
        #expect(tmuxPath != nil, "tmux is missing: run scripts/install-deps.sh (make test does)")
    }

    /// A tmux server of its own (-L), so the tests never touch a user's sessions.
    final class Tmux {
        let server = "ctl-watch-\(getpid())-\(UUID().uuidString.prefix(6))"

        @discardableResult
        func run(_ arguments: [String]) throws -> String {
            let fullArguments = ["-L", server, "-f", "/dev/null"] + arguments
            guard arguments.first == "capture-pane" else {
                spawnAndWait(fullArguments)
                return ""
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tmuxPath ?? "/usr/bin/tmux")
            process.arguments = fullArguments
            process.standardError = FileHandle.nullDevice
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return output
        }

        /// posix_spawn and waitpid, not Foundation's Process: `new-session`
        /// forks the tmux server, which keeps every descriptor the client had,
        /// so Process would wait for an end that never comes.
        private func spawnAndWait(_ arguments: [String]) {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for descriptor: Int32 in [0, 1, 2] {
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
            }
            let path = tmuxPath ?? "/usr/bin/tmux"
            let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            // The test runner blocks some signals and children inherit the mask:
            // give tmux (and the panes it starts) an empty mask and default actions,
            // or kill-server could not end a pane.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var empty = sigset_t()
            sigemptyset(&empty)
            posix_spawnattr_setsigmask(&attributes, &empty)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var pid: pid_t = 0
            guard posix_spawn(&pid, path, &actions, &attributes, argv, environ) == 0 else { return }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }

        func screen(_ target: String = "watch", escapes: Bool = false) -> String {
            (try? run(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", target])) ?? ""
        }

        /// Waits until the screen satisfies `condition`; returns the last screen.
        func waitForScreen(upTo seconds: Double = 20, _ condition: (String) -> Bool) -> String {
            var text = screen()
            waitUntil(timeout: seconds, poll: 0.1) {
                text = screen()
                return condition(text)
            }
            return text
        }

        func kill() { _ = try? run(["kill-server"]) }
    }

    @Test func theScreenShowsStateForcesChartAnglesAndAlarmsAndRestoresTheTerminal() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let tmux = Tmux()
        defer { tmux.kill() }
        let command = "\(TractionctlRunner.executable.path) watch --socket \(daemon.socketPath) --window 30; "
            + "echo watch-ended-$?; sleep 30"
        try tmux.run(["new-session", "-d", "-s", "watch", "-x", "100", "-y", "30", "-e", "NO_COLOR=", command])

        let ready = tmux.waitForScreen { $0.contains("State   READY") }
        #expect(ready.contains("State   READY"), "\(ready)")
        #expect(ready.contains("SIMULATED table SIM-0001"))
        #expect(ready.contains("Alarms  none"))
        #expect(ready.contains("Session none"))

        let start = try daemon.ctl(["start", "demo", "--patient", "P-1042", "--weight", "75"])
        #expect(start.status == 0, "\(start.standardError)")
        // The hold as the table settles into it: the first screens of the
        // hold may show the ramp's last newtons (a loaded machine lags).
        let holding = #"Force   target 120\.0 N \(12\.2 kg\)   measured 1[12][0-9]\.[0-9] N"#
        let treating = tmux.waitForScreen {
            $0.contains("State   TREATING   hold") && $0.range(of: holding, options: .regularExpression) != nil
        }
        let lines = treating.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count >= 29, "the view fills the 30-row pane")
        #expect(lines.allSatisfy { $0.count <= 100 }, "no line is wider than the pane")
        #expect(treating.contains("State   TREATING   hold"), "\(treating)")
        #expect(treating.contains("phase 1 of 1"))
        #expect(treating.contains("time left 0:"))
        #expect(treating.range(of: holding, options: .regularExpression) != nil, "\(treating)")
        #expect(treating.contains("limit 150.0 N (15.3 kg)"))
        #expect(treating.contains("Angles  flexion 0.0°, tilt 0.0°, rotation 0.0°"))
        #expect(treating.contains("Session demo for P-1042"))
        // The chart: its axis with the scale, the time axis, the legend and measured points.
        #expect(treating.contains("150 N ┤"))
        #expect(treating.contains("  0 N ┤"))
        #expect(treating.contains("└────"))
        #expect(treating.contains("-30 s"))
        #expect(treating.contains("* measured  - target"))
        let chartRows = lines.filter { $0.contains("┤") || $0.hasPrefix("       │") }
        #expect(chartRows.contains { $0.dropFirst(8).contains("*") }, "measured force is plotted")

        daemon.toggleHarness()
        let alarm = tmux.waitForScreen { $0.contains("HARNESS_OPEN") }
        let alarmLine = alarm.split(separator: "\n").first { $0.hasPrefix("Alarms") }
        #expect(alarmLine?.contains("HARNESS_OPEN") == true, "\(alarm)")

        // Ctrl-C ends it with status 0 and gives the normal screen back.
        try tmux.run(["send-keys", "-t", "watch", "C-c"])
        let ended = tmux.waitForScreen { $0.contains("watch-ended-") }
        #expect(ended.contains("watch-ended-0"), "\(ended)")
        #expect(!ended.contains("State   "), "the alternate screen is left")
        daemon.toggleHarness()
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let tmux = Tmux()
        defer { tmux.kill() }
        let status = "\(TractionctlRunner.executable.path) status --socket \(daemon.socketPath)"
        try tmux.run(["new-session", "-d", "-s", "coloured", "-x", "100", "-y", "30", "-e", "NO_COLOR=",
                      "\(status); sleep 30"])
        try tmux.run(["new-session", "-d", "-s", "plain", "-x", "100", "-y", "30", "-e", "NO_COLOR=1",
                      "\(status); sleep 30"])
        #expect(waitUntil(timeout: 20, poll: 0.1) {
            tmux.screen("coloured").contains("READY") && tmux.screen("plain").contains("READY")
        })
        let coloured = tmux.screen("coloured", escapes: true)
        let plain = tmux.screen("plain", escapes: true)
        #expect(coloured.contains("READY") && plain.contains("READY"), "\(coloured)\n\(plain)")
        #expect(coloured.contains("\u{1B}["), "the state word is coloured on a terminal")
        #expect(!plain.contains("\u{1B}["), "NO_COLOR turns colour off")
        // Piped, never: the runner reads through a pipe.
        #expect(!(try daemon.ctl(["status"]).standardOutput.contains("\u{1B}[")))
    }

    /// `start` on a terminal, as a clinician types it: the plan, then a
    /// question; anything but yes arms nothing, yes starts the session.
    @Test func onATerminalStartAsksForTheConfirmationAndOnlyYesStarts() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let tmux = Tmux()
        defer { tmux.kill() }
        // A 300 N peak for a 70 kg patient is above the confirmation threshold (275 N).
        let start = "\(TractionctlRunner.executable.path) start lumbar-intermittent-standard --patient P-7 --weight 70 "
            + "--socket \(daemon.socketPath)"
        try tmux.run(["new-session", "-d", "-s", "watch", "-x", "100", "-y", "40", "-e", "NO_COLOR=",
                      "\(start); echo first-ended-$?; sleep 60"])
        let asked = tmux.waitForScreen { $0.contains("Type yes to confirm:") }
        #expect(asked.contains("Confirm     REQUIRED"), "\(asked)")
        #expect(asked.contains("Start this session with a peak of 300.0 N"), "\(asked)")
        #expect(try daemon.state() == "ready", "nothing is armed while the question waits")

        try tmux.run(["send-keys", "-t", "watch", "n", "Enter"])
        let declined = tmux.waitForScreen { $0.contains("first-ended-") }
        #expect(declined.contains("Not confirmed: nothing was armed."), "\(declined)")
        #expect(declined.contains("first-ended-75"), "\(declined)")
        #expect(try daemon.state() == "ready")

        try tmux.run(["respawn-pane", "-k", "-t", "watch", "clear; \(start); echo second-ended-$?; sleep 60"])
        let askedAgain = tmux.waitForScreen { $0.contains("Type yes to confirm:") && !$0.contains("first-ended-") }
        #expect(askedAgain.contains("Type yes to confirm:"), "\(askedAgain)")
        try tmux.run(["send-keys", "-t", "watch", "yes", "Enter"])
        let started = tmux.waitForScreen { $0.contains("second-ended-") }
        #expect(started.contains("Started: lumbar-intermittent-standard for P-7"), "\(started)")
        #expect(started.contains("second-ended-0"), "\(started)")
        #expect(try daemon.state() == "treating")
        #expect(try daemon.ctl(["stop"]).status == 0)
    }
}
