import Foundation
import Logging
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// The daemon's service side: answers the control socket's methods from the
/// `ControlLoopRuntime`, keeps the session records, the alarm list and the
/// interrupted-session marker, and turns what the control thread reports
/// into notifications.
///
/// Threads: everything here runs on the one service thread (the socket
/// server's), which is the only producer of the runtime's request queue and
/// the only consumer of its reply, event and telemetry queues (each is
/// single-producer, single-consumer). Nothing here waits for the control
/// thread: a request that needs it is answered when its reply is drained in
/// `serviceTick`, or with TIMEOUT after `replyTimeout`.
public final class DaemonService {
    public let runtime: ControlLoopRuntime
    public internal(set) var configuration: DaemonServiceConfiguration
    /// The engine configuration, adapted to the table: its therapy limits
    /// validate programs.
    public internal(set) var engineConfiguration: EngineConfiguration
    var catalog: ProgramCatalog
    let log: Logger
    let reload: (() -> Result<ServiceReload, ControlError>)?
    let clock: WallClock

    var pending: [UInt64: Pending] = [:]
    /// Stops that found the request queue full: sent again every tick until
    /// one is queued (stop is never refused).
    var stopsWaitingForQueue: [Pending] = []
    var session: CurrentSession?
    var pendingArms: [UInt64: PendingArm] = [:]
    var records = SessionRecordBook()
    var alarms: [AlarmCode: TrackedAlarm] = [:]
    var statistics = LoopStatistics()
    var lastSessionEnd: String?
    /// TELEMETRY_STALE onsets since the daemon started (`status.link`).
    var stalePeriods: UInt64 = 0
    /// The interlock event of the transition that ended the session, until
    /// the engine's `sessionEnded` that follows it names it.
    var sessionEndingCause: String?

    /// Writes and removes the marker off the service thread; nil without a state directory.
    let markerWriter: SessionMarkerWriter?
    /// The marker is (or is being put) on disk for a session that has not yet released.
    var markerPending = false
    /// The session runs and its marker is rewritten as it goes.
    var markerLive = false
    var lastMarkerRewrite = MonotonicInstant.origin
    /// The `interrupted_session` event as published, for later subscribers.
    var interruptedEvent: JSONValue?
    /// The session has ended; the marker goes once the force is released.
    var awaitingRelease = false
    var interrupted: InterruptedSession?
    var interruptedReported = false
    var interruptedRecordIndex: Int?
    /// What is wrong with the state directory, for `status.records_problem`.
    public internal(set) var recordsProblem: String?
    var deferredReload: ServiceReload?
    /// A reload's socket settings applied when no sink was at hand (SIGHUP
    /// without a server); the next `serviceTick` with a sink applies them.
    var pendingSocketSettings: ServiceSocketSettings?
    var reloadEngineRequest: UInt64?

    public var onReady: (() -> Void)?
    var readyAnnounced = false

    struct Pending {
        var method: ControlMethod
        var caller: ServiceCaller
        var respond: (Result<JSONValue, ControlError>) -> Void
        var deadline: MonotonicInstant
        var submittedAt: MonotonicInstant
        var request: DaemonRequest
        var plan: PlanResult?
        var requestedForce: Double?
        /// A queued stop already answered (TIMEOUT) while it is still being sent.
        var answered = false
    }

    struct PendingArm {
        var plan: SessionPlan
        var programName: String
        var reference: String
        var caller: ServiceCaller
        var armedAt: String
    }

    struct TrackedAlarm {
        var present: Bool
        var acknowledged: Bool
        var raisedAt: String
    }

    /// - Parameters:
    ///   - engineConfiguration: the configuration the runtime's engine was
    ///     built with, adapted to the table.
    ///   - log: the daemon's log (swift-log; tractiond gives it `JournalLogHandler`).
    ///   - reload: reads the configuration file again (`config.reload`, SIGHUP).
    public init(runtime: ControlLoopRuntime, engineConfiguration: EngineConfiguration,
                configuration: DaemonServiceConfiguration, startedAt: MonotonicInstant? = nil,
                log: Logger, reload: (() -> Result<ServiceReload, ControlError>)? = nil) {
        self.runtime = runtime
        self.engineConfiguration = engineConfiguration
        self.configuration = configuration
        self.catalog = ProgramCatalog(directories: configuration.programDirectories,
                                      limits: engineConfiguration.therapyLimits)
        self.log = log
        self.reload = reload
        self.clock = WallClock(startedAt: startedAt ?? configuration.clock())
        self.markerWriter = configuration.stateDirectory.map {
            SessionMarkerWriter(directory: $0, synchronous: configuration.markerWritesSynchronously)
        }
        checkForInterruptedSession()
    }

    // MARK: Requests

    /// The `hello` for a new connection.
    public func hello(uid: UInt32, pid: Int32, role: Role?) -> Hello {
        let identity = runtime.identity
        return Hello(daemonVersion: configuration.daemonVersion,
                     table: TableSummary(serial: identity.serialNumber, simulated: identity.simulated),
                     role: role, uid: uid, pid: pid, maxMessageBytes: configuration.maxMessageBytes,
                     loopRateHz: configuration.loopRateHz)
    }

    /// Carries out one request; `respond` is called exactly once, now or
    /// from a later `serviceTick`.
    public func handle(_ method: ControlMethod, params: JSONValue?, from caller: ServiceCaller,
                       sink: NotificationSink?,
                       respond: @escaping (Result<JSONValue, ControlError>) -> Void) {
        do throws(ControlError) {
            switch method {
            case .status:
                try ControlJSON.expectNoParams(params)
                respond(.success(statusJSON(clients: sink?.clientCount ?? 0)))
            case .deviceInfo:
                try ControlJSON.expectNoParams(params)
                respond(.success(ControlJSON.value(deviceInfo())))
            case .programsList:
                try ControlJSON.expectNoParams(params)
                respond(.success(ControlJSON.value(programsList())))
            case .programsShow:
                let show = try ControlJSON.decodeParams(params, as: ProgramShowParams.self)
                respond(.success(ControlJSON.value(try programsShow(show.program))))
            case .sessionPreview:
                let arm = try ControlJSON.decodeParams(params, as: ArmParams.self)
                let (plan, _) = try makePlan(arm)
                respond(.success(ControlJSON.value(plan)))
            case .sessionArm:
                let arm = try ControlJSON.decodeParams(params, as: ArmParams.self)
                let (result, plan) = try makePlan(arm)
                let state = runtime.snapshot.state
                if state.isSessionState || session != nil {
                    throw ControlError(.sessionInProgress, OperatorRefusal.sessionInProgress.description)
                }
                guard state == .ready else { throw Self.error(for: .notAllowedInState(state)) }
                let id = try submit(.arm(plan, patientReference: arm.patient.reference), method: method,
                                    caller: caller, respond: respond, plan: result)
                pendingArms[id] = PendingArm(plan: plan, programName: result.program,
                                             reference: arm.patient.reference, caller: caller,
                                             armedAt: WallClock.rfc3339(Date()))
            case .sessionStart:
                let start = try ControlJSON.decodeParams(params, as: StartParams.self)
                _ = try submit(.start(confirmed: start.confirm ?? false), method: method, caller: caller,
                               respond: respond)
            case .sessionPause:
                try ControlJSON.expectNoParams(params)
                _ = try submit(.pause, method: method, caller: caller, respond: respond)
            case .sessionResume:
                try ControlJSON.expectNoParams(params)
                _ = try submit(.resume, method: method, caller: caller, respond: respond)
            case .sessionAdjust:
                let adjust = try ControlJSON.decodeParams(params, as: AdjustParams.self)
                guard adjust.maxForceN.isFinite, adjust.maxForceN > 0 else {
                    throw Self.error(for: .invalidForce(Newtons(adjust.maxForceN)))
                }
                _ = try submit(.adjust(holdForce: Newtons(adjust.maxForceN)), method: method, caller: caller,
                               respond: respond, requestedForce: adjust.maxForceN)
            case .sessionStop:
                // Params are not checked: a stop with a misspelt member still stops.
                stop(caller: caller, respond: respond)
            case .alarmsList:
                try ControlJSON.expectNoParams(params)
                respond(.success(ControlJSON.value(AlarmsListResult(alarms: activeAlarms()))))
            case .alarmsAcknowledge:
                let acknowledge = try ControlJSON.decodeParams(params, as: AcknowledgeParams.self)
                let request = try Self.acknowledgeRequest(acknowledge)
                _ = try submit(request, method: method, caller: caller, respond: respond)
            case .faultsReset:
                try ControlJSON.expectNoParams(params)
                _ = try submit(.reset, method: method, caller: caller, respond: respond)
            case .deviceTare:
                try ControlJSON.expectNoParams(params)
                _ = try submit(.tare, method: method, caller: caller, respond: respond)
            case .recordsList:
                let list = try ControlJSON.decodeParams(params, as: RecordsParams.self)
                let limit = list.limit ?? RecordsParams.defaultLimit
                guard RecordsParams.allowedLimits.contains(limit) else {
                    throw ControlJSON.invalid("limit", "must be from 1 to 1000")
                }
                respond(.success(ControlJSON.value(RecordsResult(sessions: records.newest(limit)))))
            case .configReload:
                try ControlJSON.expectNoParams(params)
                respond(.success(ControlJSON.value(try reloadConfiguration(by: caller, sink: sink))))
            case .subscribe, .unsubscribe, .auditList:
                // The server answers these itself.
                throw ControlError(.methodNotFound, "\(method.rawValue) is served by the socket server",
                                   data: ["method": .string(method.rawValue)])
            }
        } catch {
            if method.changesState { noteAction(method, caller: caller, outcome: error.code.rawValue) }
            respond(.failure(error))
        }
    }

    /// Drains the runtime's queues, answers the requests whose replies came
    /// back, times out the others, publishes notifications and keeps the
    /// marker. Call it often (every few milliseconds) on the service thread.
    public func serviceTick(sink: NotificationSink?) {
        let now = configuration.clock()
        if let thread = runtime.controlThread { statistics.collect(from: thread.latenessSamples) }
        retryQueuedStops(now: now)
        while let reply = runtime.replies.pop() { complete(reply) }
        while let event = runtime.events.pop() { report(event, sink: sink) }
        var newest: ControlSnapshot?
        while let snapshot = runtime.telemetry.pop() {
            newest = snapshot
            if let index = session?.recordIndex, snapshot.state.isSessionState || snapshot.state == .releasing {
                records.update(index) {
                    $0.peakMeasured = max($0.peakMeasured, snapshot.measuredForce.value)
                    if snapshot.phaseIndex >= 0 { $0.lastPhase = snapshot.phaseIndex + 1 }
                    if let activity = snapshot.activity { $0.lastActivity = activity.rawValue }
                }
            }
            if let sink { publishTelemetry(snapshot, to: sink) }
        }
        timeOutStaleRequests(now: now)
        let snapshot = newest ?? runtime.snapshot
        if snapshot.ticks > 0 { reconcile(snapshot, sink: sink) }
        keepMarker(now: now)
        if !readyAnnounced && snapshot.state == .ready {
            readyAnnounced = true
            onReady?()
        }
        applyDeferredReloadIfIdle(snapshot, sink: sink)
        if let settings = pendingSocketSettings, let sink {
            pendingSocketSettings = nil
            sink.reconfigureSocket(settings)
        }
    }

    /// Asks the control loop to stop any session (SIGTERM, SIGINT); the
    /// caller then waits for `isReleased`.
    public func stopForShutdown() {
        stop(caller: .daemon("tractiond")) { _ in }
    }

    /// No session runs and the cable is slack (at or below the slack force).
    public var isReleased: Bool {
        let snapshot = runtime.snapshot
        return !snapshot.state.isSessionState && snapshot.state != .releasing
            && snapshot.measuredForce <= engineConfiguration.safety.slackForce
    }

    /// The p99 lateness of the control loop since the start, in
    /// microseconds, recomputed at most every quarter second (a percentile
    /// walks the whole histogram; `status` must stay cheap).
    public var p99LatenessMicroseconds: Double {
        let now = configuration.clock()
        if now - p99ComputedAt >= Seconds(0.25) || p99ComputedAt == .origin {
            p99ComputedAt = now
            cachedP99 = statistics.samples > 0 ? statistics.latenessMicroseconds(atPercentile: 99) : 0
        }
        return cachedP99
    }
    var cachedP99 = 0.0
    var p99ComputedAt = MonotonicInstant.origin

    // MARK: Control-loop requests

    @discardableResult
    func submit(_ request: DaemonRequest, method: ControlMethod, caller: ServiceCaller,
                        respond: @escaping (Result<JSONValue, ControlError>) -> Void, plan: PlanResult? = nil,
                        requestedForce: Double? = nil) throws(ControlError) -> UInt64 {
        guard let id = runtime.submit(request, by: caller.identity) else {
            throw ControlError(.busy, "the control loop is busy; try again")
        }
        let now = configuration.clock()
        pending[id] = Pending(method: method, caller: caller, respond: respond,
                              deadline: now + configuration.replyTimeout, submittedAt: now, request: request,
                              plan: plan, requestedForce: requestedForce)
        return id
    }

    func stop(caller: ServiceCaller, respond: @escaping (Result<JSONValue, ControlError>) -> Void) {
        let now = configuration.clock()
        let waiting = Pending(method: .sessionStop, caller: caller, respond: respond,
                              deadline: now + configuration.replyTimeout, submittedAt: now, request: .stop)
        guard let id = runtime.submit(.stop, by: caller.identity) else {
            stopsWaitingForQueue.append(waiting)
            return
        }
        pending[id] = waiting
    }

    func retryQueuedStops(now: MonotonicInstant) {
        while let first = stopsWaitingForQueue.first {
            guard let id = runtime.submit(.stop, by: first.caller.identity) else { return }
            stopsWaitingForQueue.removeFirst()
            guard !first.answered else { continue }
            var waiting = first
            waiting.deadline = now + configuration.replyTimeout
            pending[id] = waiting
        }
    }

    func timeOutStaleRequests(now: MonotonicInstant) {
        for (id, waiting) in pending where now >= waiting.deadline {
            pending.removeValue(forKey: id)
            pendingArms.removeValue(forKey: id)
            if id == reloadEngineRequest { reloadEngineRequest = nil }
            log(.error, "control loop did not answer \(waiting.method.rawValue) within "
                + "\(configuration.replyTimeout.value) s; the daemon is unhealthy")
            let error = ControlError(.timeout, "the control loop did not answer in time; the daemon is unhealthy")
            if waiting.method.changesState { noteAction(waiting.method, caller: waiting.caller, outcome: error.code.rawValue) }
            waiting.respond(.failure(error))
        }
        for index in stopsWaitingForQueue.indices where now >= stopsWaitingForQueue[index].deadline
            && !stopsWaitingForQueue[index].answered {
            // Still queued for the loop, and retried every tick; the client
            // learns the daemon is unhealthy.
            stopsWaitingForQueue[index].answered = true
            log(.error, "stop could not be queued for the control loop within \(configuration.replyTimeout.value) s; still trying")
            stopsWaitingForQueue[index].respond(.failure(
                ControlError(.timeout, "the control loop did not take the stop in time; it is still being sent")))
        }
    }

    /// Answers the request `reply` belongs to.
    func complete(_ reply: OperatorReply) {
        // The engine handed back (the one replaced, or the one refused) is
        // freed here, on the service thread, when `reply` goes.
        if reply.id == reloadEngineRequest {
            reloadEngineRequest = nil
            if reply.outcome.isAccepted {
                log("configuration applied: new engine limits; the self-test runs again")
            } else {
                log(.notice, "configuration reload still deferred: the table is \(reply.state)")
            }
        }
        guard let waiting = pending.removeValue(forKey: reply.id) else { return }
        let arm = pendingArms.removeValue(forKey: reply.id)
        let result: Result<JSONValue, ControlError>
        switch reply.outcome {
        case .refused(let refusal) where waiting.method != .sessionStop:
            result = .failure(Self.error(for: refusal, measured: runtime.snapshot.measuredForce))
        default:
            result = .success(successResult(of: waiting, reply: reply, arm: arm))
        }
        switch result {
        case .success: noteAction(waiting.method, caller: waiting.caller, outcome: "ok")
        case .failure(let error): noteAction(waiting.method, caller: waiting.caller, outcome: error.code.rawValue)
        }
        waiting.respond(result)
    }

    func successResult(of waiting: Pending, reply: OperatorReply, arm: PendingArm?) -> JSONValue {
        let state = reply.state.description
        switch waiting.method {
        case .sessionArm:
            if let arm { beginSession(arm) }
            return ControlJSON.value(waiting.plan)
        case .sessionAdjust:
            if case .holdForce(let requested, let granted) = reply.detail {
                return ControlJSON.value(AdjustResult(requestedN: requested.value, grantedN: granted.value))
            }
            // Accepted with nothing to adjust (no session): nothing granted.
            return ControlJSON.value(AdjustResult(requestedN: waiting.requestedForce ?? 0, grantedN: 0))
        case .sessionStop:
            var wasRunning = false
            if case .stopped(let running) = reply.detail { wasRunning = running }
            return ControlJSON.value(StopResult(state: state, wasRunning: wasRunning))
        case .alarmsAcknowledge:
            var codes: [String] = []
            if case .acknowledged(let set) = reply.detail { codes = set.codes.map(\.symbol) }
            return ControlJSON.value(AcknowledgeResult(acknowledged: codes))
        case .deviceTare:
            return ControlJSON.value(TareResult(tared: true))
        default:
            return ControlJSON.value(StateResult(state: state))
        }
    }

    static func acknowledgeRequest(_ params: AcknowledgeParams) throws(ControlError) -> DaemonRequest {
        switch (params.code, params.all) {
        case (let code?, nil), (let code?, false?):
            guard let alarm = AlarmCode.allCases.first(where: { $0.symbol == code }) else {
                throw ControlJSON.invalid("code", "\(code) is not an alarm code")
            }
            return .acknowledgeAlarm(alarm)
        case (nil, true?):
            return .acknowledge
        default:
            throw ControlJSON.invalid("code", "give exactly one of code and all: true")
        }
    }

    // MARK: Planning

    /// Validates the program and plans the session exactly as arming would.
    func makePlan(_ arm: ArmParams) throws(ControlError) -> (PlanResult, SessionPlan) {
        let patient = arm.patient
        guard PatientParams.isValidReference(patient.reference) else {
            throw ControlJSON.invalid("patient.reference",
                                      "1 to 64 characters from A-Z a-z 0-9 - _ . : / (a pseudonymous ID, never a name)")
        }
        guard patient.weightKg.isFinite, patient.weightKg > 0 else {
            throw ControlJSON.invalid("patient.weight_kg", "must be a positive number of kilograms")
        }
        var region: TreatmentRegion?
        if let text = patient.region {
            guard let parsed = TreatmentRegion(rawValue: text) else {
                throw ControlJSON.invalid("patient.region", "must be lumbar or cervical")
            }
            region = parsed
        }
        if let maximum = arm.maxForceN, !(maximum.isFinite && maximum > 0) {
            throw ControlJSON.invalid("max_force_n", "must be a force above 0 N")
        }
        let name: String, source: ProgramSource
        switch (arm.program, arm.programText) {
        case (let program?, nil):
            guard let found = catalog.find(program) else { throw catalog.notFound(program) }
            (name, source) = (found.name, found.source)
        case (nil, let programText?):
            (name, source) = ("", ProgramSource(path: "program_text", text: programText))
        default:
            throw ControlJSON.invalid("program", "give exactly one of program and program_text")
        }
        let validated: ValidatedProgram
        switch catalog.validate(source) {
        case .failure(let found):
            throw ControlError(.programInvalid, "the program has \(found.diagnostics.count) mistake(s); "
                               + (found.diagnostics.first?.description ?? ""),
                               data: ["diagnostics": .array(found.diagnostics.map { .string($0.description) })])
        case .success(let program): validated = program
        }
        let programRegion = validated.program.region
        if let region, region != programRegion {
            throw ControlError(.planRefused, SessionPlanError.regionMismatch(program: programRegion, patient: region).description,
                               data: ["reason": .string(SessionPlanError.regionMismatch(program: programRegion, patient: region).description)])
        }
        let parameters = PatientParameters(weight: Kilograms(patient.weightKg), region: region ?? programRegion,
                                           firstSession: patient.firstSession ?? false,
                                           operatorMaximum: arm.maxForceN.map { Newtons($0) })
        let plan: SessionPlan
        do throws(SessionPlanError) {
            plan = try SessionPlan(program: validated, patient: parameters)
        } catch {
            throw ControlError(.planRefused, error.description, data: ["reason": .string(error.description)])
        }
        let programName = name.isEmpty ? validated.program.name : name
        return (Self.planResult(plan, program: programName, patient: patient.reference), plan)
    }

    static func planResult(_ plan: SessionPlan, program: String, patient: String) -> PlanResult {
        let limit = plan.effectiveLimit
        let phases = plan.timeline.map { segment in
            PhaseEntry(phase: segment.phaseIndex.map { $0 + 1 }, activity: segment.activity.rawValue,
                       startS: segment.start.value, endS: (segment.start + segment.duration).value,
                       startN: segment.startForce.value, endN: segment.endForce.value)
        }
        return PlanResult(program: program, patient: patient, region: plan.patient.region.rawValue,
                          totalS: plan.totalDuration.value, peakN: plan.peakForce.value,
                          effectiveLimitN: limit.force.value, limitSource: limit.source.rawValue,
                          limits: limit.candidates.map { LimitEntry(source: $0.source.rawValue, forceN: $0.force.value) },
                          confirmationRequired: plan.requiresConfirmation,
                          confirmationThresholdN: plan.confirmationThreshold.value, phases: phases)
    }

    // MARK: Errors

    /// The protocol error for an engine refusal, with the members section 8 lists.
    static func error(for refusal: OperatorRefusal, measured: Newtons = .zero) -> ControlError {
        let message = refusal.description
        switch refusal {
        case .notAllowedInState(let state):
            return ControlError(.notAllowedInState, message, data: ["state": .string(state.description)])
        case .conditionsPresent(let codes):
            return ControlError(.conditionPresent, message, data: ["conditions": .array(codes.map { .string($0.symbol) })])
        case .latchedAlarmsActive(let codes):
            return ControlError(.alarmNotAcknowledged, message, data: ["alarms": .array(codes.map { .string($0.symbol) })])
        case .nothingToReset: return ControlError(.nothingToReset, message)
        case .noSessionArmed: return ControlError(.noSessionArmed, message)
        case .sessionInProgress: return ControlError(.sessionInProgress, message)
        case .confirmationRequired(let peak, let threshold):
            return ControlError(.confirmationRequired, message,
                                data: ["peak_n": .number(peak.value), "threshold_n": .number(threshold.value)])
        case .firstSessionConfirmationRequired(let programmed, let cap):
            return ControlError(.confirmationRequired, message,
                                data: ["peak_n": .number(programmed.value), "threshold_n": .number(cap.value)])
        case .invalidForce(let force):
            return ControlError(.invalidForce, message, data: ["force_n": .number(force.value)])
        case .alarmNotActive(let code):
            return ControlError(.alarmNotActive, message, data: ["code": .string(code.symbol)])
        case .tensionPresent(let force):
            return ControlError(.tensionPresent, message, data: ["measured_n": .number(force.value)])
        case .tareFailed(.tensionPresent):
            // The table measured tension the daemon's own check did not see:
            // the same remedy (release the cable), so the same code.
            return ControlError(.tensionPresent, message, data: ["measured_n": .number(measured.value)])
        case .tareFailed(let failure):
            // Every other way the table did not tare (docs/control-protocol.md, device.tare).
            return ControlError(.tareFailed, message, data: ["reason": .string(failure.symbol)])
        case .finalReleaseUnderWay:
            return ControlError(.notAllowedInState, message,
                                data: ["state": .string(InterlockState.treating.description), "activity": "release"])
        }
    }
}

extension InterlockState {
    /// A session is armed or running (`releasing` is its tail, not counted).
    var isSessionState: Bool { self == .armed || self == .treating || self == .paused }
}
