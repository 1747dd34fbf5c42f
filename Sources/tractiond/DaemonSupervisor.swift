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
    static let healthyTickAge: Seconds = 0.5
    /// How long a termination waits for the release: from the force at the
    /// stop and the release rate, bounded below systemd's stop timeout.
    let shutdown: ShutdownRelease

    /// Set when the daemon gave up waiting for the release (exit 75).
    private(set) var releaseUnfinished = false

    private(set) var finished = false
    private let startedAt = MonotonicClock.now()
    private var readyAnnounced = false
    private var sessionRequested = false
    private var sessionArmed = false
    private var stopRequestedAt: MonotonicInstant?
    private var releaseWait = Seconds.zero
    private var lastStatus = MonotonicInstant.origin
    private var lastWatchdog = MonotonicInstant.origin

    init(service: DaemonService, notifier: SystemdNotifier, statusInterval: Double, simulated: Bool,
         commandLineSession: (text: String, file: String, patient: PatientParams, confirm: Bool)?, stopAfter: Double?,
         shutdown: ShutdownRelease) {
        self.service = service
        self.shutdown = shutdown
        self.notifier = notifier
        self.statusInterval = statusInterval
        self.simulated = simulated
        self.commandLineSession = commandLineSession
        self.stopAfter = stopAfter
    }

    private var prefix: String { simulated ? "SIMULATED " : "" }

    func tick() {
        let now = MonotonicClock.now()
        let snapshot = service.runtime.snapshot
        announceReadiness(snapshot)
        startCommandLineSession(snapshot)
        feedWatchdog(now: now)
        if now - lastStatus >= Seconds(statusInterval) {
            lastStatus = now
            printStatus(snapshot)
        }
        if reloadRequested.exchange(false, ordering: .relaxed) { reload() }
        let timeUp = stopAfter.map { now - startedAt >= Seconds($0) } ?? false
        if stopRequestedAt == nil && (terminationRequested.load(ordering: .relaxed) || timeUp) {
            stopRequestedAt = now
            beginShutdown(snapshot)
        }
        if let since = stopRequestedAt {
            if service.isReleased {
                log("\(prefix)released (measured \(Int(service.runtime.snapshot.measuredForce.value.rounded())) N); exiting")
                finished = true
            } else if now - since >= releaseWait {
                releaseUnfinished = true
                let line = "\(prefix)release did not finish within \(Int(releaseWait.value.rounded())) s (measured "
                    + "\(Int(service.runtime.snapshot.measuredForce.value.rounded())) N); exiting: the table's lease "
                    + "releases the rest"
                log(line)
                try? notifier.status(line)
                finished = true
            }
        } else if commandLineSession != nil && sessionArmed && snapshot.lastSessionEnd != nil && service.isReleased {
            log("\(prefix)session ended (\(snapshot.lastSessionEnd!.rawValue)); exiting")
            finished = true
        }
    }

    /// STOPPING=1, the stop of any session, and the wait for its release:
    /// long enough for the force at the stop at the release rate, bounded
    /// below systemd's stop timeout. A release that cannot fit is said at
    /// once, in the log and STATUS, before systemd kills the daemon.
    private func beginShutdown(_ snapshot: ControlSnapshot) {
        let force = snapshot.measuredForce
        let (wait, fits) = shutdown.wait(for: force)
        releaseWait = wait
        let rate = Int(shutdown.releaseRate.value.rounded())
        let needed = Int(shutdown.needed(for: force).value.rounded(.up))
        var line = "\(prefix)stopping; releasing any tension at the normal rate: \(Int(force.value.rounded())) N "
            + "at \(rate) N/s needs about \(needed) s, waiting at most \(Int(wait.value.rounded())) s"
        if !fits {
            line += "; WARNING: that is more than the stop timeout allows (TimeoutStopSec "
                + "\(Int(shutdown.stopTimeout.value.rounded())) s, see docs/deployment.md): the table's lease "
                + "releases what is left when the daemon exits"
        }
        try? notifier.stopping(status: line)
        log(line)
        service.stopForShutdown()
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
            log("\(prefix)table in \(snapshot.state) after its self-test; any tension is being released")
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
                log("\(prefix)session from \(session.file) refused: \(error)")
            case .success:
                sessionArmed = true
                service.handle(.sessionStart, params: ["confirm": .bool(session.confirm)], from: caller,
                               sink: nil) { [self] started in
                    if case .failure(let error) = started { log("\(prefix)start refused: \(error)") }
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

    private func reload() {
        log("\(prefix)SIGHUP: reading the configuration again")
        service.handle(.configReload, params: nil, from: .daemon("tractiond (SIGHUP)"), sink: nil) { [self] result in
            switch result {
            case .success(let value):
                log("\(prefix)reload: applied \(value["applied"]?.boolValue ?? false), "
                    + "deferred \(value["deferred"]?.boolValue ?? false)")
            case .failure(let error):
                log("\(prefix)reload refused, the running configuration is kept: \(error)")
            }
        }
    }

    private func printStatus(_ snapshot: ControlSnapshot) {
        var line = "\(prefix)\(snapshot.state)"
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
        if let thread = service.runtime.controlThread {
            line += "; loop p99 lateness \(Int(service.p99LatenessMicroseconds.rounded())) µs, overruns \(thread.overruns)"
            if thread.realtimeMode?.isDegraded ?? true { line += ", DEGRADED real time" }
        }
        if let problem = service.recordsProblem { line += "; RECORDS: \(problem)" }
        log(line)
        try? notifier.status(line)
    }
}
