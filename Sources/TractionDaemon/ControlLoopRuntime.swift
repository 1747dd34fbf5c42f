import Synchronization
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// What an operator asks of the running daemon.
public enum DaemonRequest: Sendable {
    case arm(SessionPlan, patientReference: String)
    case start(confirmed: Bool)
    case pause, resume, stop, acknowledge, reset
    case adjust(holdForce: Newtons)
}

/// A request with the identity of whoever sent it, numbered for its reply.
public struct OperatorEnvelope: Sendable {
    public var id: UInt64
    public var request: DaemonRequest
    public var operatorIdentity: String
}

public struct OperatorReply: Sendable, Hashable {
    public var id: UInt64
    public var outcome: OperatorOutcome
}

/// What the control thread publishes after each tick for status displays.
public struct ControlSnapshot: Sendable, Hashable {
    public var state: InterlockState = .offline
    public var activity: TherapyActivity?
    public var phaseIndex: Int = -1
    public var targetForce: Newtons = .zero
    public var measuredForce: Newtons = .zero
    public var angles: Angles = .zero
    public var timeLeft: Seconds = .zero
    public var treatmentElapsed: Seconds = .zero
    public var activeAlarms = AlarmConditions()
    public var lastSessionEnd: SessionEndReason?
    public var ticks: UInt64 = 0
    public var at: MonotonicInstant = .origin
}

/// The control loop of the daemon: the engine and the table link, confined to
/// the real-time control thread, and the lock-free queues through which the
/// rest of the daemon talks to it (ARCHITECTURE.md, "Threads in the daemon").
///
/// Per tick the thread takes the waiting operator requests, reads the newest
/// telemetry, steps the engine, hands the command to the link, and publishes
/// the events and a snapshot. It never waits for a reader: a full event
/// queue drops (and counts) events, and the snapshot is skipped for a tick
/// if a reader happens to hold it.
///
/// `@unchecked Sendable`: `engine`, `link` and `log` are touched only by the
/// control thread once `start()` has run (and by `init` before); everything
/// else is an SPSC queue, a Mutex or immutable.
public final class ControlLoopRuntime: @unchecked Sendable {
    public let identity: TableIdentity
    private var engine: Engine
    private let link: any TableLink
    private var log = EngineEventLog()
    private var connected = false
    private var lastOverruns: UInt64 = 0
    private var thread: ControlThread?

    private let requests = SPSCQueue<OperatorEnvelope>(capacity: 64)
    /// Replies to operator requests, in order.
    public let replies = SPSCQueue<OperatorReply>(capacity: 64)
    /// Everything the engine reported, for the recorder and the logs.
    public let events = SPSCQueue<EngineEvent>(capacity: 4096)
    private let published = Mutex(ControlSnapshot())
    private let nextRequestID = Atomic<UInt64>(1)

    public init(engine: Engine, link: any TableLink) {
        self.engine = engine
        self.identity = engine.identity
        self.link = link
    }

    /// Starts the control thread; returns once it runs.
    public func start(configuration: ControlLoopConfiguration) throws(ControlThreadError) {
        let thread = ControlThread(configuration: configuration) { [unowned self] tick in
            self.tick(tick)
        }
        self.thread = thread
        try thread.start()
    }

    /// Stops the control thread after its current tick.
    public func stop() { thread?.stop() }

    public var controlThread: ControlThread? { thread }

    /// Queues a request for the next tick. Returns its id, or nil when the
    /// queue is full (the daemon is flooded; tell the operator to retry).
    /// One submitting thread at a time (the queue has one producer).
    public func submit(_ request: DaemonRequest, by operatorIdentity: String) -> UInt64? {
        let id = nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        return requests.push(OperatorEnvelope(id: id, request: request, operatorIdentity: operatorIdentity)) ? id : nil
    }

    /// The newest snapshot.
    public var snapshot: ControlSnapshot { published.withLock { $0 } }

    // MARK: The control thread

    private func tick(_ tick: ControlTick) {
        let now = tick.now
        if !connected {
            connected = true
            engine.linkConnected(at: now, into: &log)
            engine.handshakeDone(at: now, into: &log)
        }
        while let envelope = requests.pop() {
            let outcome = apply(envelope, at: now)
            replies.push(OperatorReply(id: envelope.id, outcome: outcome))
        }
        let telemetry = link.latestTelemetry(at: now)
        let missed = tick.overruns != lastOverruns
        lastOverruns = tick.overruns
        let command = engine.step(now: now, telemetry: telemetry, deadlineMissed: missed, into: &log)
        do {
            try link.send(command, at: now)
        } catch {
            engine.linkLost(at: now, into: &log)
        }
        for index in 0..<log.count { events.push(log.events[index]) }
        log.removeAll()
        publish(telemetry: telemetry, ticks: tick.tickIndex + 1, at: now)
    }

    private func apply(_ envelope: OperatorEnvelope, at now: MonotonicInstant) -> OperatorOutcome {
        let who = envelope.operatorIdentity
        switch envelope.request {
        case .arm(let plan, let reference):
            return engine.arm(plan, patientReference: reference, by: who, at: now, into: &log)
        case .start(let confirmed): return engine.start(confirmed: confirmed, by: who, at: now, into: &log)
        case .pause: return engine.pause(by: who, at: now, into: &log)
        case .resume: return engine.resume(by: who, at: now, into: &log)
        case .stop: return engine.stop(by: who, at: now, into: &log)
        case .acknowledge: return engine.acknowledge(by: who, at: now, into: &log)
        case .reset: return engine.reset(by: who, at: now, into: &log)
        case .adjust(let force): return engine.adjust(holdForce: force, by: who, at: now, into: &log)
        }
    }

    private func publish(telemetry: Telemetry?, ticks: UInt64, at now: MonotonicInstant) {
        let output = engine.plannerOutput
        let snapshot = ControlSnapshot(
            state: engine.state, activity: output?.activity, phaseIndex: output?.phaseIndex ?? -1,
            targetForce: output?.targetForce ?? .zero,
            measuredForce: telemetry?.loadCellForce ?? engine.lastTelemetry?.loadCellForce ?? .zero,
            angles: telemetry?.angles ?? .zero, timeLeft: output?.timeLeft ?? .zero,
            treatmentElapsed: output?.treatmentElapsed ?? .zero,
            activeAlarms: engine.kernel.alarms.presentConditions.union(engine.kernel.alarms.activeLatched),
            lastSessionEnd: engine.lastSessionEnd, ticks: ticks, at: now)
        // Never wait for a reader: skip this tick's snapshot if one holds it.
        _ = published.withLockIfAvailable { $0 = snapshot }
    }
}
