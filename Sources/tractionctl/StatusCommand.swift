import ArgumentParser
import TractionControlClient
import TractionControlProtocol

/// `tractionctl status`
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the table's state, the session, force, angles and alarms.",
        discussion: "With --json, prints the daemon's `status` result unchanged."
    )

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let (hello, value) = try daemon.run { client throws(ControlClientError) in
            (client.hello, try client.request(.status))
        }
        if daemon.json { return JSONText.print(value) }
        let status: StatusResult
        do { status = try ControlJSON.decode(value, as: StatusResult.self) } catch {
            daemon.report(.badReply(detail: "status: \(error.message)"), refusal: nil)
            throw ExitStatus.protocolError
        }
        print(StatusText.render(status, hello: hello, style: .current))
    }
}

/// The human-readable form of `status`.
enum StatusText {
    static func render(_ status: StatusResult, hello: Hello, style: Style) -> String {
        var lines: [String] = []
        let table = hello.table.map { "\(status.simulated ? "SIMULATED " : "")table \($0.serial)" }
            ?? (status.simulated ? "SIMULATED table" : "table not identified yet")
        lines.append("tractiond \(status.daemon.version), \(table): \(style.state(status.state))")
        if let session = status.session {
            let phase = session.phase.map { "phase \($0) of \(session.phases)" } ?? "before the first phase"
            let activity = session.activity.map { "\(Units.words($0)), " } ?? ""
            lines.append(field("Session", "\(session.program) for \(session.patient) (\(session.region), "
                + "\(Units.weight(session.weightKg))\(session.firstSession ? ", first session" : "")), \(activity)\(phase)"))
            lines.append(field("", "\(Units.clock(session.elapsedS)) elapsed, \(Units.clock(session.timeLeftS)) left "
                + "of \(Units.clock(session.totalS)); peak \(Units.force(session.peakN))"))
            lines.append(field("", "limit \(Units.force(session.effectiveLimitN)), set by "
                + "\(Units.limitSource(session.limitSource)); armed by \(session.armedBy)"))
        } else {
            lines.append(field("Session", "none"))
        }
        lines.append(field("Force", "target \(Units.force(status.force.targetN)), measured \(Units.force(status.force.measuredN))"))
        lines.append(field("Angles", Units.angles(status.angles)))
        lines.append(field("Alarms", status.alarms.isEmpty ? "none" : ""))
        for alarm in status.alarms { lines.append("  " + AlarmText.line(alarm, style: style)) }
        if let end = status.lastSessionEnd { lines.append(field("Last end", Units.words(end))) }
        if let interrupted = status.interruptedSession {
            lines.append(field("Interrupted", style.yellow("\(interrupted.program) for \(interrupted.patient), started "
                + "\(interrupted.startedAt), found at the daemon's restart \(interrupted.detectedAt)")))
        }
        if let problem = status.recordsProblem { lines.append(field("Records", style.red(problem))) }
        if let link = status.link { lines.append(field("Link", LinkText.summary(link, style: style))) }
        let loop = status.loop
        lines.append(field("Loop", "\(DisplayMassUnit.number(loop.rateHz, decimals: 0)) Hz, \(loop.realtime)"
            + "\(loop.degraded ? style.yellow(" (DEGRADED)") : ""); p99 lateness "
            + "\(DisplayMassUnit.number(loop.p99LatenessUs, decimals: 0)) µs, \(loop.overruns) overruns"))
        lines.append(field("Daemon", "up \(Units.clock(status.daemon.uptimeS)), \(status.daemon.clients) client(s); "
            + "you are \(hello.role?.rawValue ?? "without a role") (uid \(hello.uid))"))
        return lines.joined(separator: "\n")
    }

    static func field(_ name: String, _ value: String) -> String {
        let width = 12
        return name + String(repeating: " ", count: max(1, width - name.count)) + value
    }
}

/// One alarm for people.
enum AlarmText {
    /// "HIGH    HARNESS_OPEN  The harness is open. ...  (present, latched, raised 22:11:00)"
    static func line(_ alarm: AlarmInfo, style: Style) -> String {
        var flags: [String] = []
        flags.append(alarm.present ? "present" : "gone")
        if alarm.latched { flags.append("latched") }
        if alarm.acknowledged { flags.append("acknowledged") }
        if let raised = alarm.raisedAt { flags.append("raised \(raised)") }
        let priority = alarm.priority.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)
        return style.priority(alarm.priority, "\(priority) \(alarm.code)") + "  \(alarm.message)  (\(flags.joined(separator: ", ")))"
    }
}
