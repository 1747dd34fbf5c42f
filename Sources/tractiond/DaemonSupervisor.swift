import Logging
import Foundation
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionService

/// The daemon's own duties on the service thread, run after every service
/// tick: READY=1, STATUS= lines, the watchdog (fed only while the control
/// thread ticks), SIGHUP reloads, the command line's session, and the
/// orderly shutdown (stop, wait for the release, then finish).
final class DaemonSupervisor {
    let service: DaemonService
    let notifier: SystemdNotifier
    let statusInterval: Double
    let simulated: Bool
    /// The command line's session: program text, patient, confirmation.
    let commandLineSession: (text: String, file: String, patient: PatientParams, confirm: Bool)?
    let stopAfter: Double?

    /// The control thread counts as healthy while its last tick is this recent.
    static let healthyTickAge: Seconds = ShutdownWatch.healthyTickAge
    /// How long a termination waits for the release (from the force at the
    /// stop and the release rate), and when it extends systemd's stop timeout.
    let shutdown: ShutdownRelease
    let slackForce: Newtons

    /// Set when the daemon gave up waiting for the release (exit 75).
    private(set) var releaseUnfinished = false

    private(set) var finished = false
    private let startedAt = MonotonicClock.now()
    private var readyAnnounced = false
    private var sessionRequested = false
    private var sessionArmed = false
    private var stopRequestedAt: MonotonicInstant?
    /// Set by `requestShutdown()`: the same shutdown as SIGTERM.
    private var shutdownRequested = false
    private var watch: ShutdownWatch?
    private var lastHolding = ShutdownWatch.Holding.none
    private var lastStatus = MonotonicInstant.origin
    private var lastWatchdog = MonotonicInstant.origin

    init(service: DaemonService, notifier: SystemdNotifier, statusInterval: Double, simulated: Bool,
         commandLineSession: (text: String, file: String, patient: PatientParams, confirm: Bool)?, stopAfter: Double?,
         shutdown: ShutdownRelease, slackForce: Newtons) {
        self.service = service
        self.shutdown = shutdown
        self.slackForce = slackForce
        self.notifier = notifier
        self.statusInterval = statusInterval
        self.simulated = simulated
        self.commandLineSession = commandLineSession
        self.stopAfter = stopAfter
    }

    private var prefix: String { simulated ? "SIMULATED " : "" }

    /// Shuts the daemon down at the next tick exactly as SIGTERM does: any
    /// session stopped, the release waited for, then `finished`.
    func requestShutdown() { shutdownRequested = true }

    /// - Parameter sink: the control socket's server, when there is one: a
    ///   SIGHUP reload applies its socket roles to it at once.
    func tick(sink: NotificationSink? = nil) {
        let now = MonotonicClock.now()
        let snapshot = service.runtime.snapshot
        announceReadiness(snapshot)
        startCommandLineSession(snapshot)
        feedWatchdog(now: now)
        if now - lastStatus >= Seconds(statusInterval) {
            lastStatus = now
            printStatus(snapshot)
        }
        if reloadRequested.exchange(false, ordering: .relaxed) { reload(sink: sink) }
        let timeUp = stopAfter.map { now - startedAt >= Seconds($0) } ?? false
        if stopRequestedAt == nil && (terminationRequested.load(ordering: .relaxed) || shutdownRequested || timeUp) {
            stopRequestedAt = now
            beginShutdown(snapshot, now: now)
        }
        if stopRequestedAt != nil {
            followRelease(now: now)
        } else if commandLineSession != nil && sessionArmed && snapshot.lastSessionEnd != nil && service.isReleased {
            log("\(prefix)session ended (\(snapshot.lastSessionEnd!.rawValue)); exiting")
            finished = true
        }
    }

    /// STOPPING=1 with the first EXTEND_TIMEOUT_USEC, the stop of any
    /// session, and the wait for its release: long enough for the force at
    /// the stop at the release rate, whatever systemd's TimeoutStopSec
    /// (the extensions keep systemd waiting while the release progresses).
    private func beginShutdown(_ snapshot: ControlSnapshot, now: MonotonicInstant) {
        let force = snapshot.measuredForce
        var watch = ShutdownWatch(plan: shutdown, slackForce: slackForce, force: force, at: now)
        let step = watch.observe(now: now, force: force, released: false,
                                 lastControlTick: service.runtime.controlThread?.lastTick)
        self.watch = watch
        let rate = Int(saturatingRounded: shutdown.releaseRate.value)
        let needed = Int(saturating: shutdown.needed(for: force).value.rounded(.up))
        let line = "\(prefix)stopping; releasing any tension at the normal rate: \(Int(saturatingRounded: force.value)) N "
            + "at \(rate) N/s needs about \(needed) s, waiting at most \(Int(saturating: watch.wait.value.rounded(.up))) s "
            + "while the force comes down"
        try? notifier.stopping(status: line, extendBy: step.extend ? ShutdownRelease.timeoutExtension : nil)
        log(line)
        noteHolding(step.holding)
        service.stopForShutdown()
    }

    /// One service tick of the shutdown: exit once released; extend
    /// systemd's stop timeout while the release progresses and the control
    /// thread ticks; give up (exit 75) when the force stops coming down or
    /// the wait is over; the table's lease then releases the rest.
    private func followRelease(now: MonotonicInstant) {
        guard var watch else { return }
        let force = service.runtime.snapshot.measuredForce
        let step = watch.observe(now: now, force: force, released: service.isReleased,
                                 lastControlTick: service.runtime.controlThread?.lastTick)
        self.watch = watch
        let measured = "measured \(Int(saturatingRounded: force.value)) N"
        switch step.outcome {
        case .waiting:
            noteHolding(step.holding)
            if step.extend { try? notifier.extendTimeout(by: ShutdownRelease.timeoutExtension) }
        case .released:
            log("\(prefix)released (\(measured)); exiting")
            finished = true
        case .waitOver(let wait):
            giveUp("release did not finish within \(Int(saturating: wait.value.rounded(.up))) s (\(measured))")
        case .notProgressing(let time):
            giveUp("release not progressing: the force has not come down for \(Int(saturatingRounded: time.value)) s "
                   + "(\(measured), lowest \(Int(saturatingRounded: watch.lowestForce.value)) N, slack below "
                   + "\(Int(saturatingRounded: slackForce.value)) N); no longer extending the stop timeout")
        }
    }

    private func giveUp(_ reason: String) {
        releaseUnfinished = true
        let line = "\(prefix)\(reason); exiting: the table's lease releases the rest"
        log(.error, line)
        try? notifier.status(line)
        finished = true
    }

    /// Logs once when the extensions stop or resume, and why.
    private func noteHolding(_ holding: ShutdownWatch.Holding) {
        guard holding != lastHolding else { return }
        lastHolding = holding
        switch holding {
        case .none:
            log("\(prefix)the control thread ticks again; extending the stop timeout again")
        case .controlThreadSilent:
            log(.error, "\(prefix)the control thread has not ticked for over "
                + "\(ShutdownWatch.healthyTickAge.value) s; the stop timeout is no longer extended")
        }
    }

    /// READY=1 once the table's state is known after the handshake: ready,
    /// or a fault the self-test found (a restart during a session releases
    /// under control in fault; systemd must not kill the daemon for it).
    private func announceReadiness(_ snapshot: ControlSnapshot) {
        guard !readyAnnounced else { return }
        switch snapshot.state {
        case .ready:
            readyAnnounced = true
            try? notifier.ready(status: "\(prefix)table ready; \(realtimeText)")
            log("\(prefix)table ready")
        case .fault, .emergency:
            readyAnnounced = true
            try? notifier.ready(status: "\(prefix)table in \(snapshot.state): releasing; \(realtimeText)")
            log(.warning, "\(prefix)table in \(snapshot.state) after its self-test; any tension is being released")
        default:
            break
        }
    }

    private var realtimeText: String {
        guard let mode = service.runtime.controlThread?.realtimeMode else { return "real time unknown" }
        return mode.isDegraded ? "DEGRADED real time (\(mode))" : "\(mode)"
    }

    private func startCommandLineSession(_ snapshot: ControlSnapshot) {
        guard let session = commandLineSession, !sessionRequested, snapshot.state == .ready,
              stopRequestedAt == nil else { return }
        sessionRequested = true
        let caller = ServiceCaller.daemon("tractiond-cli")
        let arm = ArmParams(programText: session.text, patient: session.patient)
        service.handle(.sessionArm, params: ControlJSON.value(arm), from: caller, sink: nil) { [self] result in
            switch result {
            case .failure(let error):
                log(.error, "\(prefix)session from \(session.file) refused: \(error)")
            case .success:
                sessionArmed = true
                service.handle(.sessionStart, params: ["confirm": .bool(session.confirm)], from: caller,
                               sink: nil) { [self] started in
                    if case .failure(let error) = started { log(.error, "\(prefix)start refused: \(error)") }
                }
            }
        }
    }

    /// WATCHDOG=1 only when the control thread has ticked recently.
    private func feedWatchdog(now: MonotonicInstant) {
        guard let interval = notifier.watchdogInterval, now - lastWatchdog >= interval / 2 else { return }
        guard let thread = service.runtime.controlThread, now - thread.lastTick <= Self.healthyTickAge else { return }
        lastWatchdog = now
        try? notifier.watchdog()
    }

    private func reload(sink: NotificationSink?) {
        log("\(prefix)SIGHUP: reading the configuration again")
        service.handle(.configReload, params: nil, from: .daemon("tractiond (SIGHUP)"), sink: sink) { [self] result in
            switch result {
            case .success(let value):
                log("\(prefix)reload: applied \(value["applied"]?.boolValue ?? false), "
                    + "deferred \(value["deferred"]?.boolValue ?? false)")
            case .failure(let error):
                log(.warning, "\(prefix)reload refused, the running configuration is kept: \(error)")
            }
        }
    }

    private func printStatus(_ snapshot: ControlSnapshot) {
        var line = "\(prefix)\(snapshot.state)"
        if let activity = snapshot.activity {
            line += " \(activity.rawValue)"
            if snapshot.phaseIndex >= 0 { line += " (phase \(snapshot.phaseIndex + 1))" }
            line += " target \(Int(saturatingRounded: snapshot.targetForce.value)) N"
            let left = Int(saturatingRounded: snapshot.timeLeft.value)
            line += ", \(left / 60):\(left % 60 < 10 ? "0" : "")\(left % 60) left"
        }
        line += ", measured \(Int(saturatingRounded: snapshot.measuredForce.value)) N"
        if !snapshot.activeAlarms.isEmpty {
            line += ", alarms \(snapshot.activeAlarms.codes.map(\.symbol).joined(separator: " "))"
        }
        if let thread = service.runtime.controlThread {
            line += "; loop p99 lateness \(Int(saturatingRounded: service.p99LatenessMicroseconds)) µs, overruns \(thread.overruns)"
            if thread.realtimeMode?.isDegraded ?? true { line += ", DEGRADED real time" }
        }
        if let problem = service.recordsProblem { line += "; RECORDS: \(problem)" }
        log(line)
        try? notifier.status(line)
    }
}
