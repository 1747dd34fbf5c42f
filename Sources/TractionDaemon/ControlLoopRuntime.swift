import Synchronization
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// What an operator asks of the running daemon.
public enum DaemonRequest: Sendable {
    case arm(SessionPlan, patientReference: String)
    case start(confirmed: Bool)
    case pause, resume, stop, reset
    /// Acknowledges every active alarm.
    case acknowledge
    /// Acknowledges one alarm; refused (`alarmNotActive`) when it is not active.
    case acknowledgeAlarm(AlarmCode)
    case adjust(holdForce: Newtons)
    /// Zeroes the load cell: only in `ready` with the measured force below
    /// the slack force. The reply comes once the table has answered.
    case tare
    /// Replaces the engine with one built from a reloaded configuration
    /// (built off the control thread; it allocates). Only in `ready`: never
    /// during a session, and never in fault or emergency (a new kernel must
    /// not forget a latched alarm); the new engine runs its self-test. The
    /// engine it replaced (or, when refused, the one offered) comes back in
    /// the reply's `.engineHandedBack`, to be freed off the control thread.
    case replaceEngine(EngineHandOver)
}

/// Carries an engine to the control thread and the one it replaced back, so
/// that engines are built and freed on the service thread: freeing one is a
/// burst of free() calls (its plan, its tables, its buffers) that a tick
/// should not pay for.
///
/// `@unchecked Sendable`: the service thread fills it before `submit`, the
/// control thread swaps its engine within one tick, and the service thread
/// reads it after the reply; the request and reply queues order the three.
public final class EngineHandOver: @unchecked Sendable, Hashable {
    /// The engine offered; after an accepted reply, the one replaced.
    public fileprivate(set) var engine: Engine

    public init(_ engine: Engine) { self.engine = engine }

    public static func == (left: EngineHandOver, right: EngineHandOver) -> Bool { left === right }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
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
    /// The interlock state right after the request was applied.
    public var state: InterlockState
    /// What the request did, where the caller needs more than the outcome.
    public var detail: ReplyDetail

    public init(id: UInt64, outcome: OperatorOutcome, state: InterlockState, detail: ReplyDetail = .none) {
        self.id = id
        self.outcome = outcome
        self.state = state
        self.detail = detail
    }
}

/// The facts a reply carries beyond accepted or refused.
public enum ReplyDetail: Sendable, Hashable {
    case none
    /// `adjust`: the force asked for and the force granted (lower when the
    /// session's limit clamped it).
    case holdForce(requested: Newtons, granted: Newtons)
    /// `acknowledge`: the alarms this request acknowledged.
    case acknowledged(AlarmConditions)
    /// `stop`: whether a session was armed or running when it arrived.
    case stopped(wasRunning: Bool)
    /// `replaceEngine`: the engine replaced (accepted) or offered (refused).
    case engineHandedBack(EngineHandOver)
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
    /// The force limit the kernel judges against (the session's), if any.
    public var sessionForceLimit: Newtons?
    public var ticks: UInt64 = 0
    public var at: MonotonicInstant = .origin
    /// Control-loop overruns so far.
    public var overruns: UInt64 = 0
    /// This tick's lateness behind its deadline, in nanoseconds.
    public var latenessNanoseconds: Int64 = 0
}

/// The control loop of the daemon: the engine and the table link, confined to
/// the real-time control thread, and the lock-free queues through which the
/// rest of the daemon talks to it (ARCHITECTURE.md, "Threads in the daemon").
///
/// Per tick the thread drains the link's events (a link that reports them,
/// `LinkEventSource`) into the engine, takes the waiting operator requests,
/// reads the newest telemetry, steps the engine, hands the command to the
/// link, and publishes the events and a snapshot. A lost link thus reaches
/// the engine as soon as the link declares it, not only when the kernel's
/// telemetry-age check (H5) runs out. It never waits for a reader: a full event
/// queue drops (and counts) events, and the snapshot is skipped for a tick
/// if a reader happens to hold it.
///
/// `@unchecked Sendable`: `engine`, `link` and `log` are touched only by the
/// control thread once `start()` has run (and by `init` before); everything
/// else is an SPSC queue, a Mutex or immutable.
public final class ControlLoopRuntime: @unchecked Sendable {
    public let identity: TableIdentity
    private var engine: Engine
    /// Every table link the daemon uses can tare without blocking; the
    /// control thread never waits for the table's answer.
    private let link: any TareRequesting
    /// The same link's events, when it reports them (the serial link does;
    /// the in-process simulated table has none). Draining is lock-free.
    private let linkEvents: (any LinkEventSource)?
    private var log = EngineEventLog()
    private var connected = false
    private var lastOverruns: UInt64 = 0
    private var thread: ControlThread?

    /// A tare the table has not answered yet: its request's id.
    private var pendingTareID: UInt64?

    private let requests = SPSCQueue<OperatorEnvelope>(capacity: 64)
    /// Replies to operator requests, in order of completion (a tare replies
    /// once the table has answered, possibly after later requests).
    public let replies = SPSCQueue<OperatorReply>(capacity: 64)
    /// Everything the engine reported, for the recorder and the logs.
    public let events = SPSCQueue<EngineEvent>(capacity: 4096)
    /// One snapshot per tick, for telemetry subscribers at up to the loop
    /// rate. A full queue drops the tick's snapshot (counted in `refused`).
    public let telemetry = SPSCQueue<ControlSnapshot>(capacity: 1024)
    private let published = Mutex(ControlSnapshot())
    private let nextRequestID = Atomic<UInt64>(1)

    public init(engine: Engine, link: any TareRequesting) {
        self.engine = engine
        self.identity = engine.identity
        self.link = link
        self.linkEvents = link as? any LinkEventSource
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

    /// Runs one tick on the caller's thread, exactly as the control thread
    /// would. For benchmarks that count the tick's allocations; never call
    /// it once `start` has run (the engine belongs to the control thread).
    public func tickOnCallersThread(at now: MonotonicInstant, tickIndex: UInt64, period: Seconds) {
        tickOnCallersThread(at: now, deadline: now, tickIndex: tickIndex, period: period, overruns: 0)
    }

    /// The same, for a tick that runs late: `deadline` is when it should
    /// have run and `overruns` the control thread's running count of ticks
    /// that ended past the next deadline (the deterministic simulation's
    /// tick lateness and overruns, H11).
    public func tickOnCallersThread(at now: MonotonicInstant, deadline: MonotonicInstant, tickIndex: UInt64,
                                    period: Seconds, overruns: UInt64) {
        precondition(thread == nil, "the control thread owns the tick once started")
        tick(ControlTick(now: now, deadline: deadline, latenessNanoseconds: max(0, now.nanoseconds - deadline.nanoseconds),
                         tickIndex: tickIndex, overruns: overruns, skippedDeadlines: 0, period: period))
    }

    // MARK: The control thread

    private func tick(_ tick: ControlTick) {
        let now = tick.now
        if !connected {
            connected = true
            startLink(at: now)
        } else if let linkEvents {
            while let event = linkEvents.nextEvent() { engine.linkReported(event, at: now, into: &log) }
        }
        let telemetry = link.latestTelemetry(at: now)
        if let id = pendingTareID { finishTare(id, at: now) }
        while let envelope = requests.pop() {
            // `consume`: the envelope ends inside `apply`, before the reply is
            // pushed, so the service thread holds the last reference to
            // whatever the reply carries back (an engine) and frees it there.
            if let reply = apply(consume envelope, measured: telemetry?.measuredForce, at: now) { replies.push(reply) }
        }
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
        publish(telemetry: telemetry, tick: tick)
    }

    /// The first tick: the link was identified before the runtime was built,
    /// so the engine connects and shakes hands at once. What the link
    /// reported until now is history: logged, not replayed, except that a
    /// loss not followed by a new handshake is applied after the handshake.
    private func startLink(at now: MonotonicInstant) {
        var lostSinceHandshake = false
        while let event = linkEvents?.nextEvent() {
            log.recordLink(event)
            switch event {
            case .lost, .refused: lostSinceHandshake = true
            case .handshakeDone: lostSinceHandshake = false
            case .connected, .transportFailed, .faultReport: break
            }
        }
        engine.linkConnected(at: now, into: &log)
        engine.handshakeDone(at: now, into: &log)
        if lostSinceHandshake { engine.linkLost(at: now, into: &log) }
    }

    /// Applies one request; nil when its reply comes on a later tick (a
    /// tare waiting for the table).
    private func apply(_ envelope: consuming OperatorEnvelope, measured: Newtons?,
                       at now: MonotonicInstant) -> OperatorReply? {
        let who = envelope.operatorIdentity
        let first = log.count
        var detail = ReplyDetail.none
        let outcome: OperatorOutcome
        switch envelope.request {
        case .arm(let plan, let reference):
            outcome = engine.arm(plan, patientReference: reference, by: who, at: now, into: &log)
        case .start(let confirmed): outcome = engine.start(confirmed: confirmed, by: who, at: now, into: &log)
        case .pause: outcome = engine.pause(by: who, at: now, into: &log)
        case .resume: outcome = engine.resume(by: who, at: now, into: &log)
        case .stop:
            let state = engine.state
            let wasRunning = state == .armed || state == .treating || state == .paused
            outcome = engine.stop(by: who, at: now, into: &log)
            detail = .stopped(wasRunning: wasRunning)
        case .acknowledge:
            outcome = engine.acknowledge(by: who, at: now, into: &log)
            detail = .acknowledged(acknowledgedSince(first))
        case .acknowledgeAlarm(let code):
            outcome = engine.acknowledge(code: code, by: who, at: now, into: &log)
            detail = .acknowledged(acknowledgedSince(first))
        case .reset: outcome = engine.reset(by: who, at: now, into: &log)
        case .adjust(let force):
            outcome = engine.adjust(holdForce: force, by: who, at: now, into: &log)
            for index in first..<log.count {
                if case .holdForceAdjusted(let requested, let granted, _, _) = log.events[index] {
                    detail = .holdForce(requested: requested, granted: granted)
                }
            }
        case .replaceEngine(let handOver):
            detail = .engineHandedBack(handOver)
            switch engine.state {
            case .ready:
                // Ready: the link is up and nothing pulls, so the new engine
                // may shake hands at once. The old one goes back in the box.
                swap(&engine, &handOver.engine)
                // This daemon has been driving the table: a lease latch now
                // is its own fault, never a previous daemon's trace.
                engine.closeStartWindow()
                engine.linkConnected(at: now, into: &log)
                engine.handshakeDone(at: now, into: &log)
                outcome = .accepted
            default:
                outcome = .refused(.notAllowedInState(engine.state))
            }
        case .tare:
            if let refusal = tareRefusal(measured: measured) {
                outcome = .refused(refusal)
            } else {
                switch link.requestTare(at: now) {
                case .pending:
                    pendingTareID = envelope.id
                    return nil
                case .done: outcome = .accepted
                case .failed(let failure): outcome = .refused(.tareFailed(failure))
                }
            }
        }
        return OperatorReply(id: envelope.id, outcome: outcome, state: engine.state, detail: detail)
    }

    /// Why a tare may not be done now, or nil: the table must be ready
    /// (no session, self-test passed), nobody pulling on the cable, and no
    /// other tare waiting.
    private func tareRefusal(measured: Newtons?) -> OperatorRefusal? {
        guard engine.state == .ready, pendingTareID == nil else { return .notAllowedInState(engine.state) }
        let force = measured ?? engine.lastTelemetry?.measuredForce
        guard let force else { return .notAllowedInState(engine.state) }
        guard force.magnitude < engine.configuration.safety.slackForce else { return .tensionPresent(force) }
        return nil
    }

    private func finishTare(_ id: UInt64, at now: MonotonicInstant) {
        let outcome: OperatorOutcome
        switch link.tareProgress(at: now) {
        case .pending: return
        case .done: outcome = .accepted
        case .failed(let failure): outcome = .refused(.tareFailed(failure))
        }
        pendingTareID = nil
        replies.push(OperatorReply(id: id, outcome: outcome, state: engine.state))
    }

    /// The alarms acknowledged by the events logged from index `first` on.
    private func acknowledgedSince(_ first: Int) -> AlarmConditions {
        var codes = AlarmConditions()
        for index in first..<log.count {
            if case .safety(.alarmAcknowledged(let code, _, _)) = log.events[index] { codes.insert(AlarmConditions(code)) }
        }
        return codes
    }

    private func publish(telemetry: Telemetry?, tick: ControlTick) {
        let now = tick.now
        let ticks = tick.tickIndex + 1
        let output = engine.plannerOutput
        let snapshot = ControlSnapshot(
            state: engine.state, activity: output?.activity, phaseIndex: output?.phaseIndex ?? -1,
            targetForce: output?.targetForce ?? .zero,
            measuredForce: telemetry?.measuredForce ?? engine.lastTelemetry?.measuredForce ?? .zero,
            angles: telemetry?.angles ?? .zero, timeLeft: output?.timeLeft ?? .zero,
            treatmentElapsed: output?.treatmentElapsed ?? .zero,
            activeAlarms: engine.kernel.alarms.presentConditions.union(engine.kernel.alarms.activeLatched),
            lastSessionEnd: engine.lastSessionEnd, sessionForceLimit: engine.sessionForceLimit,
            ticks: ticks, at: now, overruns: tick.overruns, latenessNanoseconds: tick.latenessNanoseconds)
        // Never wait for a reader: skip this tick's snapshot if one holds it.
        _ = published.withLockIfAvailable { $0 = snapshot }
        // Nor for the service: a full queue drops (and counts) this tick's.
        self.telemetry.push(snapshot)
    }
}
