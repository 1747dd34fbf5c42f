import Foundation
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// The daemon's non-real-time side: starts the session it was asked for,
/// relays events to the log, prints status, feeds the systemd watchdog only
/// while the control thread is ticking, and on termination stops any session
/// and waits for the release before it returns.
struct DaemonMainLoop {
    let runtime: ControlLoopRuntime
    let notifier: SystemdNotifier
    let statusInterval: Double
    let realtime: String

    /// The control thread counts as healthy while its last tick is this recent.
    static let healthyTickAge: Seconds = 0.5
    /// How long a termination waits for the release before giving up.
    static let releaseTimeout: Seconds = 30

    private var readyAnnounced = false
    private var tableReadyLogged = false
    private var sessionRequested = false
    private var stopRequestedAt: MonotonicInstant?
    private var lastStatus = MonotonicInstant.origin
    private var lastWatchdog = MonotonicInstant.origin
    /// Lateness of the control loop, drained from its lock-free ring here,
    /// off the control thread.
    private var statistics = LoopStatistics()

    init(runtime: ControlLoopRuntime, notifier: SystemdNotifier, statusInterval: Double, realtime: String) {
        self.runtime = runtime
        self.notifier = notifier
        self.statusInterval = statusInterval
        self.realtime = realtime
    }

    mutating func run(plan: SessionPlan?, patient: String, confirmed: Bool, stopAfter: Double?) {
        let started = MonotonicClock.now()
        while true {
            usleep(20_000)
            let now = MonotonicClock.now()
            drainEvents()
            if let thread = runtime.controlThread { statistics.collect(from: thread.latenessSamples) }
            let snapshot = runtime.snapshot
            // READY=1 once the table answered the handshake (the control
            // thread has taken it: the state left connecting). From then on
            // the daemon serves whatever the self-test finds: a failed
            // self-test, or tension found on start, is a fault it reports and
            // releases, not a failed start that systemd would kill mid-release.
            if !readyAnnounced && snapshot.state != .offline && snapshot.state != .connecting {
                readyAnnounced = true
                try? notifier.ready(status: "SIMULATED table connected (\(snapshot.state)); \(realtime)")
            }
            if !tableReadyLogged && snapshot.state == .ready {
                tableReadyLogged = true
                log("SIMULATED: table ready")
            }
            if let plan, tableReadyLogged, !sessionRequested, snapshot.state == .ready {
                sessionRequested = true
                _ = runtime.submit(.arm(plan, patientReference: patient), by: "tractiond-cli")
                _ = runtime.submit(.start(confirmed: confirmed), by: "tractiond-cli")
            }
            feedWatchdog(now: now)
            if now - lastStatus >= Seconds(statusInterval) {
                lastStatus = now
                printStatus(snapshot)
            }
            let timeUp = stopAfter.map { now - started >= Seconds($0) } ?? false
            let sessionOver = plan != nil && sessionRequested && snapshot.lastSessionEnd != nil
                && snapshot.measuredForce < 15 && snapshot.state != .treating
            if stopRequestedAt == nil && (terminationRequested.load(ordering: .relaxed) || timeUp) {
                stopRequestedAt = now
                try? notifier.stopping(status: "SIMULATED: stopping, releasing any tension")
                log("SIMULATED: stopping; releasing any tension at the normal rate")
                _ = runtime.submit(.stop, by: "tractiond")
            }
            if let since = stopRequestedAt {
                let released = snapshot.measuredForce < 15 && snapshot.state != .treating && snapshot.state != .paused
                if released || now - since >= Self.releaseTimeout { return }
            } else if sessionOver {
                log("SIMULATED: session ended (\(snapshot.lastSessionEnd!.rawValue)); exiting")
                return
            }
        }
    }

    private mutating func drainEvents() {
        while let reply = runtime.replies.pop() {
            if case .refused(let refusal) = reply.outcome {
                log("SIMULATED: request \(reply.id) refused: \(refusal.code): \(refusal)")
            }
        }
        while let event = runtime.events.pop() {
            switch event {
            case .safety(.alarmRaised(let code, _)):
                log("SIMULATED ALARM \(code.symbol) (\(code.priority)): \(code.message)")
            case .safety(.alarmEnded(let code, _)):
                log("SIMULATED alarm ended: \(code.symbol)")
            case .safety(.transition(let from, let to, let cause, _, let who, _)) where from != to:
                log("SIMULATED state \(from) -> \(to) on \(cause)\(who.map { " by \($0)" } ?? "")")
            case .sessionArmed(let program, let patient, _):
                log("SIMULATED session armed: program \(program), patient \(patient)")
            case .sessionStarted:
                log("SIMULATED session started")
            case .sessionEnded(let reason, _):
                log("SIMULATED session ended: \(reason.rawValue)")
            case .selfTestFinished(let passed, let finding, _, _):
                log("SIMULATED self-test \(passed ? "passed" : "FAILED: \(finding?.rawValue ?? "unknown")")")
            default:
                break
            }
        }
    }

    /// WATCHDOG=1 only when the control thread has ticked recently.
    private mutating func feedWatchdog(now: MonotonicInstant) {
        guard let interval = notifier.watchdogInterval, now - lastWatchdog >= interval / 2 else { return }
        guard let thread = runtime.controlThread, now - thread.lastTick <= Self.healthyTickAge else { return }
        lastWatchdog = now
        try? notifier.watchdog()
    }

    private mutating func printStatus(_ snapshot: ControlSnapshot) {
        var line = "SIMULATED \(snapshot.state)"
        if let activity = snapshot.activity {
            line += " \(activity.rawValue)"
            if snapshot.phaseIndex >= 0 { line += " (phase \(snapshot.phaseIndex + 1))" }
            line += " target \(Int(snapshot.targetForce.value.rounded())) N"
            let left = Int(snapshot.timeLeft.value.rounded())
            line += ", \(left / 60):\(left % 60 < 10 ? "0" : "")\(left % 60) left"
        }
        line += ", measured \(Int(snapshot.measuredForce.value.rounded())) N"
        if !snapshot.activeAlarms.isEmpty {
            line += ", alarms \(snapshot.activeAlarms.codes.map(\.symbol).joined(separator: " "))"
        }
        if let thread = runtime.controlThread {
            let p99 = Int(statistics.latenessMicroseconds(atPercentile: 99).rounded())
            line += "; loop p99 lateness \(p99) µs, overruns \(thread.overruns)"
            if thread.realtimeMode?.isDegraded ?? true { line += ", DEGRADED real time" }
        }
        log(line)
        try? notifier.status(line)
    }
}
