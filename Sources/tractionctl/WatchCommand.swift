import ArgumentParser
import Foundation
import Synchronization
import TractionControlClient
import TractionControlProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT, SIGTERM and SIGHUP; the watch loop ends at its next wake-up.
private let stopRequested = Atomic<Bool>(false)

/// `tractionctl watch [-n COUNT] [--seconds S] [--hz HZ] [--window S] [--json]`
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the table live: state, phase, time left, a force chart, angles and alarms.",
        discussion: """
            On a terminal the screen is redrawn in place (the alternate screen, restored \
            on exit): the state, the phase and the time left, target and measured force, \
            a scrolling chart of both (* measured, - target), the angles, the alarms and \
            the last event. Piped, it prints one line per telemetry update (1 per second \
            unless --hz says otherwise) and one per state change, alarm and event. With \
            --json, every line is one JSON object: first {"method":"status",...}, then each \
            notification as {"method":...,"params":...}. Ctrl-C ends it.
            """
    )

    @Option(name: [.customShort("n"), .customLong("count")], help: ArgumentHelp(
        "Stop after this many telemetry updates.", valueName: "count"))
    var count: Int?

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var seconds: Double?

    @Option(help: ArgumentHelp("Telemetry updates per second (default: 10 on a terminal, else 1).", valueName: "hz"))
    var hz: Double?

    @Option(help: ArgumentHelp("Seconds of history the chart shows.", valueName: "seconds"))
    var window: Double = 60

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if let count, count < 1 { throw ValidationError("-n must be at least 1.") }
        if let seconds, !(seconds.isFinite && seconds > 0) { throw ValidationError("--seconds must be a positive number.") }
        if let hz, !(hz.isFinite && hz > 0) { throw ValidationError("--hz must be a positive number.") }
        guard window.isFinite, window >= 5 else { throw ValidationError("--window must be at least 5 seconds.") }
    }

    enum Mode { case screen, lines, json }

    func run() throws {
        let mode: Mode = daemon.json ? .json : (Terminal.current.standardOutputIsTerminal ? .screen : .lines)
        let rate = hz ?? (mode == .screen ? 10 : 1)
        Self.installSignalHandlers()
        var screenActive = false
        defer { if screenActive { writeOutput(Self.leaveScreen) } }

        try daemon.run { client throws(ControlClientError) in
            var model = WatchModel()
            let status = try client.request(.status)
            if let decoded = try? ControlJSON.decode(status, as: StatusResult.self) { model.apply(status: decoded, hello: client.hello) }
            if mode == .json { JSONText.print(.object(["method": "status", "params": status]), pretty: false) }
            try client.request(.subscribe, params: ControlJSON.value(
                SubscribeParams(topics: [.telemetry, .events, .alarms, .session], telemetryHz: min(rate, client.hello.loopRateHz))))
            if mode == .screen {
                writeOutput(Self.enterScreen)
                screenActive = true
                draw(model)
            }
            let deadline = seconds.map { Date().addingTimeInterval($0) }
            while !stopRequested.load(ordering: .relaxed) {
                if let count, model.telemetryCount >= count { break }
                if let deadline, Date() >= deadline { break }
                let wait = deadline.map { max(0.01, min(0.25, $0.timeIntervalSinceNow)) } ?? 0.25
                guard let notification = try client.nextNotification(timeout: wait) else {
                    if mode == .screen { draw(model) }  // a resized terminal is redrawn at once
                    continue
                }
                if mode == .json {
                    JSONText.print(.object(["method": .string(notification.method), "params": notification.params]), pretty: false)
                    fflush(nil)
                }
                switch notification.method {
                case NotificationMethod.telemetry:
                    let telemetry = try notification.decode(as: TelemetryNotification.self)
                    model.apply(telemetry: telemetry)
                    if mode == .lines { print(WatchScreen.line(telemetry)) }
                case NotificationMethod.session:
                    let change = try notification.decode(as: SessionNotification.self)
                    model.apply(session: change)
                    if mode == .lines { print("session: \(change.from) -> \(change.to) (\(Units.words(change.cause))\(change.by.map { " by \($0)" } ?? ""))") }
                    // A new or ended session changes what the header shows.
                    if let fresh = try? ControlJSON.decode(client.request(.status), as: StatusResult.self) {
                        let samples = model.samples, count = model.telemetryCount, event = model.lastEvent, time = model.latestTime
                        model.apply(status: fresh, hello: client.hello)
                        (model.samples, model.telemetryCount, model.lastEvent, model.latestTime) = (samples, count, event, time)
                    }
                case NotificationMethod.alarm:
                    let alarm = try notification.decode(as: AlarmNotification.self)
                    model.apply(alarm: alarm)
                    if mode == .lines { print("alarm \(alarm.change): \(alarm.alarm.code) (\(alarm.alarm.priority)) \(alarm.alarm.message)") }
                case NotificationMethod.event:
                    let event = try notification.decode(as: EventNotification.self)
                    model.apply(event: event)
                    if mode == .lines { print("event: \(model.lastEvent ?? event.kind)") }
                case NotificationMethod.dropped:
                    throw .connectionClosed(detail: "the daemon dropped this watcher because it read too slowly")
                default:
                    break
                }
                if mode == .lines { fflush(nil) }
                if mode == .screen { draw(model) }
            }
        }
    }

    func draw(_ model: WatchModel) {
        let size = Terminal.size()
        let lines = WatchScreen.render(model, columns: size.columns, rows: size.rows, windowSeconds: window, style: .current)
        // One write per frame, each line cleared to its end: no flicker.
        writeOutput("\u{1B}[H" + lines.prefix(size.rows).map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
    }

    /// The alternate screen, cursor hidden.
    static let enterScreen = "\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J"
    static let leaveScreen = "\u{1B}[?25h\u{1B}[?1049l"

    static func installSignalHandlers() {
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in stopRequested.store(true, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            // No SA_RESTART: the wait in poll(2) returns at once.
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
        // Children inherit blocked masks; make sure these can arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
