import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every daemon command of tractionctl against a real `tractiond --simulate`
/// over its real control socket.
@Suite("tractionctl against a simulated tractiond", .serialized)
struct DaemonCommandTests {
    static func json(_ result: TractionctlRunner.Result) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func statusShowsTheSimulatedTableReadyThroughTheOptionAndTheEnvironment() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let text = try daemon.ctl(["status"])
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput.contains("SIMULATED table SIM-0001: READY"))
        #expect(text.standardOutput.contains("Session     none"))
        #expect(text.standardOutput.contains("Force       target 0.0 N (0.0 kg)"))
        let fromEnvironment = try TractionctlRunner.run(["status", "--json"], environment: ["TRACTION_SOCKET": daemon.socketPath])
        #expect(fromEnvironment.status == 0)
        #expect(Self.json(fromEnvironment)["state"] as? String == "ready")
        #expect(Self.json(fromEnvironment)["simulated"] as? Bool == true)
    }

    /// No socket.group in the file: the simulated daemon puts its socket in
    /// the primary group of the user who started it, and says so.
    @Test func withoutAConfiguredGroupTheSimulatedSocketIsInTheUsersPrimaryGroup() throws {
        let daemon = try SimulatedDaemon(socketGroup: nil)
        defer { daemon.stop() }
        var information = stat()
        #expect(stat(daemon.socketPath, &information) == 0)
        #expect(information.st_gid == getgid())
        #expect(information.st_mode & 0o777 == 0o660)
        let group = try #require(getgrgid(getgid())).pointee.gr_name.map { String(cString: $0) }
        #expect(daemon.output.contains("the control socket's group and the clinician and technician roles are \(group ?? "?")"))
        #expect(try daemon.state() == "ready")
    }

    @Test func aClinicianStartsTheDemoPausesResumesAdjustsAndStops() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let tare = try daemon.ctl(["device", "tare"])
        #expect(tare.status == 0, "\(tare.standardError)")
        #expect(tare.standardOutput.contains("The load cell reads zero now."))

        let start = try daemon.ctl(["start", "demo", "--patient", "P-1042", "--weight", "75"])
        #expect(start.status == 0, "\(start.standardError)")
        #expect(start.standardOutput.contains("Program     demo for P-1042 (lumbar)"))
        #expect(start.standardOutput.contains("Limit       150.0 N (15.3 kg), set by the program's maximum"))
        #expect(start.standardOutput.contains("Confirm     not needed"))
        #expect(start.standardOutput.contains("Started: demo for P-1042 is TREATING."))

        let status = try daemon.ctl(["status"])
        #expect(status.standardOutput.contains(": TREATING"))
        #expect(status.standardOutput.contains("demo for P-1042 (lumbar, 75.0 kg)"))
        #expect(status.standardOutput.contains("set by the program's maximum"))

        let pause = try daemon.ctl(["pause"])
        #expect(pause.status == 0, "\(pause.standardError)")
        #expect(pause.standardOutput.hasPrefix("Paused:"))
        #expect(try daemon.state() == "paused")
        let pausedAgain = try daemon.ctl(["pause"])
        #expect(pausedAgain.status == 75)
        #expect(pausedAgain.standardError.contains("the session was not paused"))
        #expect(pausedAgain.standardError.hasSuffix("[NOT_ALLOWED_IN_STATE]\n"))

        let resume = try daemon.ctl(["resume"])
        #expect(resume.status == 0, "\(resume.standardError)")
        #expect(resume.standardOutput.contains("Resumed: TREATING"))

        let adjust = try daemon.ctl(["adjust", "--max-force", "100"])
        #expect(adjust.status == 0, "\(adjust.standardError)")
        #expect(adjust.standardOutput.contains("Hold force 100.0 N (10.2 kg)"))
        let clamped = try daemon.ctl(["adjust", "--max-force", "400"])
        // The demo's 150 N limit allows a hold of at most 146 N: the force
        // approaches the limit from below.
        #expect(clamped.standardOutput.contains("the session's limit allows 146 N"))

        let alarms = try daemon.ctl(["alarms"])
        #expect(alarms.standardOutput == "No active alarms.\n")

        let stop = try daemon.ctl(["stop"])
        #expect(stop.status == 0)
        #expect(stop.standardOutput.hasPrefix("Stopped: the tension is being released"))
        #expect(daemon.waitUntil { try daemon.state() == "ready" })
        let again = try daemon.ctl(["stop"])
        #expect(again.status == 0)
        #expect(again.standardOutput.hasPrefix("Nothing to stop"))
        // The reason once, not "... ready (not possible while the table is ready)".
        let refused = try daemon.ctl(["adjust", "--max-force", "100"])
        #expect(refused.status == 75)
        #expect(refused.standardError
            == "tractionctl: the force was not changed: not possible while the table is ready [NOT_ALLOWED_IN_STATE]\n")
    }

    @Test func aStartRefusedBecauseTheHarnessIsOpenSaysSoAndLeavesNothingArmed() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        daemon.toggleHarness()
        #expect(daemon.waitUntil { try daemon.alarmCodes().contains("HARNESS_OPEN") })
        let alarms = try daemon.ctl(["alarms"])
        #expect(alarms.standardOutput.contains("HARNESS_OPEN"))

        let start = try daemon.ctl(["start", "demo", "--patient", "P-7", "--weight", "80"])
        #expect(start.status == 75)
        #expect(start.standardError.contains(
            "tractionctl: the session was not started: the harness is open (HARNESS_OPEN) [CONDITION_PRESENT]"))
        #expect(try daemon.state() == "ready")

        let json = try daemon.ctl(["start", "demo", "--patient", "P-7", "--weight", "80", "--json"])
        let error = Self.json(json)["error"] as? [String: Any]
        #expect(error?["code"] as? String == "CONDITION_PRESENT")
        #expect((error?["data"] as? [String: Any])?["conditions"] as? [String] == ["HARNESS_OPEN"])

        daemon.toggleHarness()
        #expect(daemon.waitUntil { try !daemon.alarmCodes().contains("HARNESS_OPEN") })
        let reset = try daemon.ctl(["reset"])
        #expect(reset.status == 75)
        #expect(reset.standardError.contains("[NOTHING_TO_RESET]"))
        let ack = try daemon.ctl(["ack", "FORCE_OVER_LIMIT"])
        #expect(ack.status != 0)
        #expect(ack.standardError.contains("nothing was acknowledged"))
    }

    @Test func anUnknownProgramAndABadLocalFileAreNamed() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let unknown = try daemon.ctl(["start", "no-such-program", "--patient", "P-1", "--weight", "80"])
        #expect(unknown.status == 66)
        #expect(unknown.standardError.contains("[PROGRAM_NOT_FOUND]"))
        let invalid = try daemon.ctl(["start", "Tests/TractionTherapyTests/Fixtures/invalid/missing-unit.yaml",
                                      "--patient", "P-1", "--weight", "80"])
        #expect(invalid.status == 65)
        #expect(invalid.standardError.contains("MISSING_UNIT"))
        #expect(invalid.standardError.contains("[PROGRAM_INVALID]"))
        let local = try daemon.ctl(["start", "Config/programs/demo.yaml", "--patient", "P-2", "--weight", "70", "--json"])
        #expect(local.status == 0, "\(local.standardError)")
        #expect((Self.json(local)["plan"] as? [String: Any])?["program"] as? String == "demo")
        #expect((Self.json(local)["start"] as? [String: Any])?["state"] as? String == "treating")
        #expect(try daemon.ctl(["stop"]).status == 0)
    }

    @Test func aPlanThatNeedsConfirmationIsRefusedWithoutATerminalUnlessYesIsGiven() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        // A 300 N peak for a 70 kg patient is above the confirmation threshold (275 N).
        let arguments = ["start", "lumbar-intermittent-standard", "--patient", "P-3", "--weight", "70"]
        let preview = try daemon.ctl(arguments + ["--json"])
        let needsConfirmation = Self.json(preview)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String }
        #expect(needsConfirmation == "CONFIRMATION_REQUIRED", "\(preview.standardOutput)\(preview.standardError)")
        #expect(preview.status == 75)
        #expect(try daemon.state() == "ready", "nothing may be armed before the confirmation")
        let confirmed = try daemon.ctl(arguments + ["--yes"])
        #expect(confirmed.status == 0, "\(confirmed.standardError)")
        #expect(confirmed.standardOutput.contains("Confirm     REQUIRED"))
        #expect(confirmed.standardOutput.contains("Confirmed with --yes."))
        #expect(try daemon.state() == "treating")
        #expect(try daemon.ctl(["stop"]).status == 0)
    }

    @Test func everyJSONOutputIsTheProtocolsResult() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let status = Self.json(try daemon.ctl(["status", "--json"]))
        #expect(status["loop"] is [String: Any])
        #expect(status["force"] is [String: Any])
        let info = Self.json(try daemon.ctl(["device", "info", "--json"]))
        #expect(info["serial"] as? String == "SIM-0001")
        #expect((info["link"] as? [String: Any])?["kind"] as? String == "simulated")
        let list = Self.json(try daemon.ctl(["programs", "list", "--json"]))
        let names = (list["programs"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("demo"))
        #expect(names.count == TractionctlRunner.shippedPrograms().count)
        let show = Self.json(try daemon.ctl(["programs", "show", "demo", "--json"]))
        #expect(show["valid"] as? Bool == true)
        #expect((show["text"] as? String)?.contains("name: demo") == true)
        let alarms = Self.json(try daemon.ctl(["alarms", "--json"]))
        #expect(alarms["alarms"] as? [Any] != nil)
        let stop = Self.json(try daemon.ctl(["stop", "--json"]))
        #expect(stop["was_running"] as? Bool == false)
        let ack = try daemon.ctl(["ack", "--all", "--json"])
        #expect(Self.json(ack)["acknowledged"] as? [String] == [])
        let text = try daemon.ctl(["programs", "list"])
        #expect(text.standardOutput.contains("demo"))
        #expect(text.standardOutput.contains("lumbar, 0:59, peak 120 N"))
    }

    @Test func watchPipedPrintsOneLinePerUpdateAndStopsAfterCount() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let lines = try daemon.ctl(["watch", "-n", "3", "--hz", "5"])
        #expect(lines.status == 0, "\(lines.standardError)")
        let telemetry = lines.standardOutput.split(separator: "\n").filter { $0.hasPrefix("t=") }
        #expect(telemetry.count == 3)
        #expect(telemetry.allSatisfy { $0.contains(" READY ") && $0.contains("measured ") && $0.contains(" N (") })

        let json = try daemon.ctl(["watch", "--json", "-n", "2", "--hz", "5"])
        #expect(json.status == 0)
        let objects = json.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == json.standardOutput.split(separator: "\n").count, "every line is one JSON object")
        #expect(objects.first?["method"] as? String == "status")
        #expect(objects.filter { $0["method"] as? String == "telemetry" }.count == 2)

        let timed = try daemon.ctl(["watch", "--seconds", "1", "--hz", "4"])
        #expect(timed.status == 0)
        #expect(!timed.standardOutput.isEmpty)
    }

    @Test func aUserOutsideTheSocketsGroupIsToldWhichGroupToJoin() throws {
        // The socket's group is root (gid 0); nobody is not in it.
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let result = try TractionctlRunner.run(["status", "--socket", daemon.socketPath], asUser: (65534, 65534))
        #expect(result.status == 77, "\(result.standardError)")
        #expect(result.standardError.contains("permission denied on \(daemon.socketPath): you are not in the group root"))
        #expect(result.standardError.hasSuffix("[SOCKET_PERMISSION_DENIED]\n"))
    }

    @Test func aViewerMayWatchButNotPauseAndIsToldWhichRoleAndGroup() throws {
        let daemon = try SimulatedDaemon(socketGroup: "nogroup", viewerGroups: ["nogroup"])
        defer { daemon.stop() }
        let status = try TractionctlRunner.run(["status", "--socket", daemon.socketPath], asUser: (65534, 65534))
        #expect(status.status == 0, "\(status.standardError)")
        #expect(status.standardOutput.contains("you are viewer"))
        let pause = try TractionctlRunner.run(["pause", "--socket", daemon.socketPath], asUser: (65534, 65534))
        #expect(pause.status == 77)
        #expect(pause.standardError.contains("needs the clinician role and your role is viewer"))
        #expect(pause.standardError.contains("join the group traction-clinic"))
        #expect(pause.standardError.hasSuffix("[PERMISSION_DENIED]\n"))
    }
}

/// Errors that need no daemon.
@Suite("tractionctl without a daemon")
struct NoDaemonTests {
    @Test func aMissingDaemonIsNamedWithHowToStartItAndExits69() throws {
        let path = "/tmp/ctl-none-\(UUID().uuidString.prefix(8))/control.sock"
        for command in [["status"], ["stop"], ["watch", "-n", "1"], ["start", "demo", "--patient", "P-1", "--weight", "80"]] {
            let result = try TractionctlRunner.run(command + ["--socket", path])
            #expect(result.status == 69, "\(command)")
            #expect(result.standardError == "tractionctl: tractiond is not running at \(path); start it with "
                + "`systemctl start tractiond` (or `tractiond --simulate` for a simulated table) [DAEMON_NOT_RUNNING]\n")
        }
    }

    @Test func theEnvironmentNamesTheSocketAndTheOptionWins() throws {
        let fromEnvironment = try TractionctlRunner.run(["status"], environment: ["TRACTION_SOCKET": "/tmp/ctl-env-a.sock"])
        #expect(fromEnvironment.standardError.contains("not running at /tmp/ctl-env-a.sock"))
        let option = try TractionctlRunner.run(["status", "--socket", "/tmp/ctl-env-b.sock"],
                                               environment: ["TRACTION_SOCKET": "/tmp/ctl-env-a.sock"])
        #expect(option.standardError.contains("not running at /tmp/ctl-env-b.sock"))
        let fallback = try TractionctlRunner.run(["status"])
        #expect(fallback.standardError.contains("/run/tractiond/control.sock") || fallback.status == 0)
    }

    @Test func withJSONTheErrorIsAlsoAnObjectOnStandardOutput() throws {
        let result = try TractionctlRunner.run(["alarms", "--json", "--socket", "/tmp/ctl-none.sock"])
        #expect(result.status == 69)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "DAEMON_NOT_RUNNING")
        #expect((error?["message"] as? String)?.contains("systemctl start tractiond") == true)
    }

    @Test func badUsageIsEXUsage() throws {
        #expect(try TractionctlRunner.run(["start", "demo", "--patient", "John Smith", "--weight", "80"]).status == 64)
        #expect(try TractionctlRunner.run(["start", "demo", "--patient", "P-1"]).status == 64)
        #expect(try TractionctlRunner.run(["adjust", "--max-force", "-5"]).status == 64)
        #expect(try TractionctlRunner.run(["ack"]).status == 64)
        #expect(try TractionctlRunner.run(["ack", "HARNESS_OPEN", "--all"]).status == 64)
        #expect(try TractionctlRunner.run(["watch", "-n", "0"]).status == 64)
        #expect(try TractionctlRunner.run(["completions", "tcsh"]).status == 64)
        let weightForName = try TractionctlRunner.run(["programs", "show", "demo", "--weight", "80"])
        #expect(weightForName.status == 64)
        #expect(weightForName.standardError.contains("`tractionctl start` shows the plan"))
    }

    @Test func programsListReadsLocalDirectoriesWithoutADaemon() throws {
        let result = try TractionctlRunner.run(["programs", "list", "--directory", "Config/programs"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("\(TractionctlRunner.shippedPrograms().count) program(s) in Config/programs:"))
        #expect(result.standardOutput.contains("  demo "))
        let json = try TractionctlRunner.run(["programs", "list", "--directory", "Tests/TractionTherapyTests/Fixtures/invalid", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        let entries = object?["programs"] as? [[String: Any]] ?? []
        #expect(!entries.isEmpty)
        #expect(entries.allSatisfy { $0["valid"] as? Bool == false && ($0["error"] as? String)?.isEmpty == false })
    }

    @Test func theExitStatusTableCoversEveryCodeItDocuments() throws {
        let result = try TractionctlRunner.run(["exit-statuses"])
        #expect(result.status == 0)
        let statuses = result.standardOutput.split(separator: "\n").compactMap { Int($0.split(separator: "\t").first ?? "") }
        #expect(statuses == [0, 64, 65, 66, 69, 70, 71, 73, 74, 75, 76, 77, 78])
    }
}
