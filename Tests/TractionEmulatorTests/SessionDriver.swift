import Foundation
import Synchronization
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionLink
import TractionSafety
import TractionTherapy
import TractionTestSupport

/// One control tick as the test saw it.
struct TickRecord: Sendable {
    var now: MonotonicInstant
    var telemetry: Telemetry?
    var command: DriveCommand
    var state: InterlockState
}

/// A link event with the instant the control thread took it.
struct ObservedLinkEvent: Sendable {
    var event: SerialLinkEvent
    var takenAt: MonotonicInstant
}

/// The daemon's control loop in miniature: on its own thread at 250 Hz with
/// absolute deadlines, it hands link events to the engine, steps it with the
/// newest telemetry and sends the command. Once the engine is ready it tares,
/// arms and starts the plan, as an operator would.
final class SessionDriver: Sendable {
    static let rateHertz = 250.0

    private struct Shared: Sendable {
        var ticks: [TickRecord] = []
        var linkEvents: [ObservedLinkEvent] = []
        var engineEvents: [EngineEvent] = []
        var sessionEnd: SessionEndReason?
        var stop = false
        var finished = false
        /// An operator's stop, taken by the loop at its next tick.
        var stopRequested = false
        var state: InterlockState = .offline
    }

    private let shared = Mutex(Shared())
    let link: SerialTableLink

    init(link: SerialTableLink) { self.link = link }

    /// Starts the loop with an engine for `identity`; the session runs `plan`.
    func start(identity: TableIdentity, plan: SessionPlan) {
        let link = self.link
        let thread = Thread { [self] in
            // As the daemon's control thread (docs/architecture.md): SCHED_FIFO
            // 80 when allowed, so a loaded test machine does not starve it.
            var parameters = sched_param(sched_priority: 80)
            _ = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
            var engine = Engine(configuration: EngineConfiguration(rateHertz: Self.rateHertz, therapyLimits: plan.program.limits),
                                identity: identity)
            var log = EngineEventLog()
            let period = Seconds(1 / Self.rateHertz)
            var deadline = MonotonicClock.now()
            var started = false
            while !shared.withLock({ $0.stop }) {
                let now = MonotonicClock.now()
                while let event = link.nextEvent() {
                    switch event {
                    case .connected: engine.linkConnected(at: now, into: &log)
                    case .handshakeDone: engine.handshakeDone(at: now, into: &log)
                    case .lost: engine.linkLost(at: now, into: &log)
                    case .refused, .transportFailed, .faultReport: break
                    }
                    shared.withLock { $0.linkEvents.append(ObservedLinkEvent(event: event, takenAt: now)) }
                }
                let telemetry = link.latestTelemetry(at: now)
                let command = engine.step(now: now, telemetry: telemetry, into: &log)
                try? link.send(command, at: now)
                if shared.withLock({ $0.stopRequested }) {
                    _ = engine.stop(by: "test", at: now, into: &log)
                    shared.withLock { $0.stopRequested = false }
                }
                if !started && engine.state == .ready {
                    started = true
                    _ = engine.arm(plan, patientReference: "E2E", by: "test", at: now, into: &log)
                    _ = engine.start(confirmed: true, by: "test", at: now, into: &log)
                }
                let state = engine.state
                let events = log.events
                log.removeAll()
                shared.withLock {
                    $0.ticks.append(TickRecord(now: now, telemetry: telemetry, command: command, state: state))
                    $0.engineEvents.append(contentsOf: events)
                    $0.state = state
                    for case .sessionEnded(let reason, _) in events where $0.sessionEnd == nil { $0.sessionEnd = reason }
                }
                deadline = deadline + period
                if deadline < now { deadline = now + period }
                MonotonicClock.sleep(until: deadline)
            }
            shared.withLock { $0.finished = true }
        }
        thread.name = "e2e-control"
        thread.start()
    }

    /// Ends the loop and closes the link (its I/O thread stops).
    func stop() {
        shared.withLock { $0.stop = true }
        while !shared.withLock({ $0.finished }) { usleep(1_000) }
        link.close()
    }

    /// Asks the loop to stop the session, as an operator would.
    func requestStop() { shared.withLock { $0.stopRequested = true } }

    var ticks: [TickRecord] { shared.withLock { $0.ticks } }
    var linkEvents: [ObservedLinkEvent] { shared.withLock { $0.linkEvents } }
    var engineEvents: [EngineEvent] { shared.withLock { $0.engineEvents } }
    var sessionEnd: SessionEndReason? { shared.withLock { $0.sessionEnd } }
    var state: InterlockState { shared.withLock { $0.state } }

    /// Waits until `condition` holds or `timeout` passes; true when it held.
    @discardableResult
    func wait(upTo timeout: Seconds, until condition: (SessionDriver) -> Bool) -> Bool {
        waitUntil(timeout: timeout.value, poll: 0.002) { condition(self) }
    }

    /// The newest measured force.
    var latestForce: Newtons? { shared.withLock { $0.ticks.last?.telemetry?.loadCellForce } }
}
