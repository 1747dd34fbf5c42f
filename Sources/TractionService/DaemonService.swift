import Foundation
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
    public private(set) var configuration: DaemonServiceConfiguration
    /// The engine configuration, adapted to the table: its therapy limits
    /// validate programs.
    public private(set) var engineConfiguration: EngineConfiguration
    private var catalog: ProgramCatalog
    private let log: (String) -> Void
    private let reload: (() -> Result<ServiceReload, ControlError>)?
    private let clock: WallClock

    private var pending: [UInt64: Pending] = [:]
    /// Stops that found the request queue full: sent again every tick until
    /// one is queued (stop is never refused).
    private var stopsWaitingForQueue: [Pending] = []
    private var session: CurrentSession?
    private var pendingArms: [UInt64: PendingArm] = [:]
    private var records = SessionRecordBook()
    private var alarms: [AlarmCode: TrackedAlarm] = [:]
    private var statistics = LoopStatistics()
    private var lastSessionEnd: String?

    /// The marker is on disk for a session that has not yet released.
    private var markerPending = false
    /// The session has ended; the marker goes once the force is released.
    private var awaitingRelease = false
    private var interrupted: InterruptedSession?
    private var interruptedReported = false
    private var interruptedRecordIndex: Int?
    /// What is wrong with the state directory, for `status.records_problem`.
    public private(set) var recordsProblem: String?
    private var deferredReload: ServiceReload?
    private var reloadEngineRequest: UInt64?

    public var onReady: (() -> Void)?
    private var readyAnnounced = false

    private struct Pending {
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

    private struct PendingArm {
        var plan: SessionPlan
        var programName: String
        var reference: String
        var caller: ServiceCaller
        var armedAt: String
    }

    private struct TrackedAlarm {
        var present: Bool
        var acknowledged: Bool
        var raisedAt: String
    }

    /// - Parameters:
    ///   - engineConfiguration: the configuration the runtime's engine was
    ///     built with, adapted to the table.
    ///   - log: one line to the daemon's log (standard error, the journal).
    ///   - reload: reads the configuration file again (`config.reload`, SIGHUP).
    public init(runtime: ControlLoopRuntime, engineConfiguration: EngineConfiguration,
                configuration: DaemonServiceConfiguration, startedAt: MonotonicInstant = MonotonicClock.now(),
                log: @escaping (String) -> Void, reload: (() -> Result<ServiceReload, ControlError>)? = nil) {
        self.runtime = runtime
        self.engineConfiguration = engineConfiguration
        self.configuration = configuration
        self.catalog = ProgramCatalog(directories: configuration.programDirectories,
                                      limits: engineConfiguration.therapyLimits)
        self.log = log
        self.reload = reload
        self.clock = WallClock(startedAt: startedAt)
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
                try Self.expectNoParams(params)
                respond(.success(statusJSON(clients: sink?.clientCount ?? 0)))
            case .deviceInfo:
                try Self.expectNoParams(params)
                respond(.success(ControlJSON.value(deviceInfo())))
            case .programsList:
                try Self.expectNoParams(params)
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
                try Self.expectNoParams(params)
                _ = try submit(.pause, method: method, caller: caller, respond: respond)
            case .sessionResume:
                try Self.expectNoParams(params)
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
                try Self.expectNoParams(params)
                respond(.success(ControlJSON.value(AlarmsListResult(alarms: activeAlarms()))))
            case .alarmsAcknowledge:
                let acknowledge = try ControlJSON.decodeParams(params, as: AcknowledgeParams.self)
                let request = try Self.acknowledgeRequest(acknowledge)
                _ = try submit(request, method: method, caller: caller, respond: respond)
            case .faultsReset:
                try Self.expectNoParams(params)
                _ = try submit(.reset, method: method, caller: caller, respond: respond)
            case .deviceTare:
                try Self.expectNoParams(params)
                _ = try submit(.tare, method: method, caller: caller, respond: respond)
            case .recordsList:
                let list = try ControlJSON.decodeParams(params, as: RecordsParams.self)
                let limit = list.limit ?? RecordsParams.defaultLimit
                guard RecordsParams.allowedLimits.contains(limit) else {
                    throw ControlJSON.invalid("limit", "must be from 1 to 1000")
                }
                respond(.success(ControlJSON.value(RecordsResult(sessions: records.newest(limit)))))
            case .configReload:
                try Self.expectNoParams(params)
                respond(.success(ControlJSON.value(try reloadConfiguration(by: caller))))
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
        let now = MonotonicClock.now()
        if let thread = runtime.controlThread { statistics.collect(from: thread.latenessSamples) }
        retryQueuedStops(now: now)
        while let reply = runtime.replies.pop() { complete(reply) }
        while let event = runtime.events.pop() { report(event, sink: sink) }
        var newest: ControlSnapshot?
        while let snapshot = runtime.telemetry.pop() {
            newest = snapshot
            if let index = session?.recordIndex, snapshot.state.isSessionState || snapshot.state == .releasing {
                records.update(index) { $0.peakMeasured = max($0.peakMeasured, snapshot.measuredForce.value) }
            }
            if let sink { publishTelemetry(snapshot, to: sink) }
        }
        timeOutStaleRequests(now: now)
        let snapshot = newest ?? runtime.snapshot
        if snapshot.ticks > 0 { reconcile(snapshot, sink: sink) }
        if !readyAnnounced && snapshot.state == .ready {
            readyAnnounced = true
            onReady?()
        }
        applyDeferredReloadIfIdle(snapshot)
    }

    /// Asks the control loop to stop any session (SIGTERM, SIGINT); the
    /// caller then waits for `isReleased`.
    public func stopForShutdown() {
        stop(caller: .daemon("tractiond")) { _ in }
    }

    /// No session runs and the cable is slack (below the slack force).
    public var isReleased: Bool {
        let snapshot = runtime.snapshot
        return !snapshot.state.isSessionState && snapshot.state != .releasing
            && snapshot.measuredForce < engineConfiguration.safety.slackForce
    }

    /// The p99 lateness of the control loop since the start, in
    /// microseconds, recomputed at most every quarter second (a percentile
    /// walks the whole histogram; `status` must stay cheap).
    public var p99LatenessMicroseconds: Double {
        let now = MonotonicClock.now()
        if now - p99ComputedAt >= Seconds(0.25) || p99ComputedAt == .origin {
            p99ComputedAt = now
            cachedP99 = statistics.samples > 0 ? statistics.latenessMicroseconds(atPercentile: 99) : 0
        }
        return cachedP99
    }
    private var cachedP99 = 0.0
    private var p99ComputedAt = MonotonicInstant.origin

    // MARK: Control-loop requests

    @discardableResult
    private func submit(_ request: DaemonRequest, method: ControlMethod, caller: ServiceCaller,
                        respond: @escaping (Result<JSONValue, ControlError>) -> Void, plan: PlanResult? = nil,
                        requestedForce: Double? = nil) throws(ControlError) -> UInt64 {
        guard let id = runtime.submit(request, by: caller.identity) else {
            throw ControlError(.busy, "the control loop is busy; try again")
        }
        let now = MonotonicClock.now()
        pending[id] = Pending(method: method, caller: caller, respond: respond,
                              deadline: now + configuration.replyTimeout, submittedAt: now, request: request,
                              plan: plan, requestedForce: requestedForce)
        return id
    }

    private func stop(caller: ServiceCaller, respond: @escaping (Result<JSONValue, ControlError>) -> Void) {
        let now = MonotonicClock.now()
        let waiting = Pending(method: .sessionStop, caller: caller, respond: respond,
                              deadline: now + configuration.replyTimeout, submittedAt: now, request: .stop)
        guard let id = runtime.submit(.stop, by: caller.identity) else {
            stopsWaitingForQueue.append(waiting)
            return
        }
        pending[id] = waiting
    }

    private func retryQueuedStops(now: MonotonicInstant) {
        while let first = stopsWaitingForQueue.first {
            guard let id = runtime.submit(.stop, by: first.caller.identity) else { return }
            stopsWaitingForQueue.removeFirst()
            guard !first.answered else { continue }
            var waiting = first
            waiting.deadline = now + configuration.replyTimeout
            pending[id] = waiting
        }
    }

    private func timeOutStaleRequests(now: MonotonicInstant) {
        for (id, waiting) in pending where now >= waiting.deadline {
            pending.removeValue(forKey: id)
            pendingArms.removeValue(forKey: id)
            if id == reloadEngineRequest { reloadEngineRequest = nil }
            log("control loop did not answer \(waiting.method.rawValue) within "
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
            log("stop could not be queued for the control loop within \(configuration.replyTimeout.value) s; still trying")
            stopsWaitingForQueue[index].respond(.failure(
                ControlError(.timeout, "the control loop did not take the stop in time; it is still being sent")))
        }
    }

    /// Answers the request `reply` belongs to.
    private func complete(_ reply: OperatorReply) {
        if reply.id == reloadEngineRequest {
            reloadEngineRequest = nil
            if reply.outcome.isAccepted {
                log("configuration applied: new engine limits; the self-test runs again")
            } else {
                log("configuration reload still deferred: the table is \(reply.state)")
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

    private func successResult(of waiting: Pending, reply: OperatorReply, arm: PendingArm?) -> JSONValue {
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

    /// Checks that a method without params got none: the common case
    /// (absent or `{}`) without a trip through Codable.
    static func expectNoParams(_ params: JSONValue?) throws(ControlError) {
        switch params {
        case nil, .null?: return
        case .object(let members)? where members.isEmpty: return
        default: try Self.expectNoParams(params)
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
    private func makePlan(_ arm: ArmParams) throws(ControlError) -> (PlanResult, SessionPlan) {
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
        let name: String, file: String, text: String
        switch (arm.program, arm.programText) {
        case (let program?, nil):
            guard let found = catalog.find(program) else { throw catalog.notFound(program) }
            (name, file, text) = (found.name, found.file, found.text)
        case (nil, let programText?):
            (name, file, text) = ("", "program_text", programText)
        default:
            throw ControlJSON.invalid("program", "give exactly one of program and program_text")
        }
        let validated: ValidatedProgram
        switch catalog.validate(text: text, file: file) {
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

    // MARK: Sessions and records

    private func beginSession(_ arm: PendingArm) {
        guard session == nil else { return }
        interrupted = nil
        let index = records.append(RecordDraft(program: arm.programName, patient: arm.reference,
                                               armedBy: arm.caller.identity, armedAt: arm.armedAt))
        session = CurrentSession(plan: arm.plan, programName: arm.programName, patientReference: arm.reference,
                                 armedBy: arm.caller.identity, recordIndex: index)
    }

    /// Adds a state-changing request to the current session's record.
    private func noteAction(_ method: ControlMethod, caller: ServiceCaller, outcome: String) {
        guard method.changesState, method != .sessionArm || outcome == "ok" else { return }
        guard let index = session?.recordIndex else { return }
        records.update(index) {
            $0.actions.append(RecordAction(at: WallClock.rfc3339(Date()), method: method.rawValue,
                                           by: caller.identity, outcome: outcome))
        }
    }

    private func sessionStarted(at instant: MonotonicInstant) {
        guard var current = session else { return }
        let startedAt = clock.text(instant)
        current.startedAt = startedAt
        session = current
        records.update(current.recordIndex) { $0.startedAt = startedAt }
        awaitingRelease = false
        guard let directory = configuration.stateDirectory else { return }
        let marker = SessionMarker(program: current.programName, patient: current.patientReference,
                                   startedAt: startedAt, armedBy: current.armedBy,
                                   region: current.plan.patient.region.rawValue,
                                   weightKg: current.plan.patient.weight.value)
        do {
            try marker.write(in: directory)
            markerPending = true
            recordsProblem = nil
        } catch {
            // Never block the session (or its stop) on the disk: say so.
            recordsProblem = "the session marker could not be written: \(error.description); "
                + "an interruption of this session would not be reported after a restart"
            log("records: \(recordsProblem!)")
        }
    }

    private func sessionEnded(_ reason: SessionEndReason, at instant: MonotonicInstant) {
        lastSessionEnd = reason.rawValue
        if let current = session {
            let endedAt = clock.text(instant)
            records.update(current.recordIndex) {
                $0.endedAt = endedAt
                $0.endReason = reason.rawValue
            }
        }
        session = nil
        awaitingRelease = true
    }

    /// At start: a marker left behind means the previous daemon died during
    /// a session.
    private func checkForInterruptedSession() {
        guard let directory = configuration.stateDirectory else { return }
        guard let found = SessionMarker.read(in: directory) else { return }
        let detectedAt = WallClock.rfc3339(Date())
        let marker: SessionMarker
        switch found {
        case .success(let read): marker = read
        case .failure(let problem):
            log("records: \(problem.description); treating it as an interrupted session of unknown program")
            marker = SessionMarker(program: "unknown", patient: "unknown", startedAt: "unknown", armedBy: "unknown",
                                   region: "unknown", weightKg: 0)
        }
        interrupted = InterruptedSession(program: marker.program, patient: marker.patient,
                                         startedAt: marker.startedAt, detectedAt: detectedAt, tensionAtStartN: nil)
        lastSessionEnd = SessionEndReason.interrupted.rawValue
        interruptedRecordIndex = records.append(RecordDraft(
            program: marker.program, patient: marker.patient, armedBy: marker.armedBy, armedAt: marker.startedAt,
            startedAt: marker.startedAt, endedAt: detectedAt, endReason: SessionEndReason.interrupted.rawValue))
        markerPending = true
        awaitingRelease = true
        log("interrupted session: program \(marker.program) patient \(marker.patient) started at \(marker.startedAt)")
    }

    /// Per tick of the service: reports an interrupted session once the
    /// table's force is known, and removes the marker once the session has
    /// ended and the force is released.
    private func reconcile(_ snapshot: ControlSnapshot, sink: NotificationSink?) {
        if var found = interrupted, !interruptedReported {
            interruptedReported = true
            found.tensionAtStartN = snapshot.measuredForce.value
            interrupted = found
            if let index = interruptedRecordIndex {
                records.update(index) { $0.peakMeasured = snapshot.measuredForce.value }
            }
            let tension = snapshot.measuredForce
            log("interrupted session: tension at restart \(Int(tension.value.rounded())) N; "
                + (tension < engineConfiguration.safety.slackForce ? "the cable is slack"
                   : "the self-test fails and the fault state releases it under control before any new session"))
            sink?.publish(.events, method: NotificationMethod.event, params: ControlJSON.value(EventNotification(
                tS: clock.seconds(snapshot.at), at: clock.text(snapshot.at), kind: "interrupted_session",
                interrupted: found)))
        }
        guard markerPending, awaitingRelease, session == nil,
              !snapshot.state.isSessionState, snapshot.state != .releasing, snapshot.state != .selfTest,
              snapshot.state != .offline, snapshot.state != .connecting,
              snapshot.measuredForce < engineConfiguration.safety.slackForce else { return }
        guard let directory = configuration.stateDirectory else { return }
        do {
            try SessionMarker.remove(in: directory)
            markerPending = false
            awaitingRelease = false
        } catch {
            recordsProblem = "the session marker could not be removed: \(error.description)"
            log("records: \(recordsProblem!)")
            markerPending = false
        }
    }

    // MARK: Events

    private func report(_ event: EngineEvent, sink: NotificationSink?) {
        switch event {
        case .safety(let safety): report(safety, sink: sink)
        case .selfTestStarted(let at):
            publishEvent(sink, at: at, kind: "self_test_started")
        case .selfTestFinished(let passed, let finding, _, let at):
            log("self-test \(passed ? "passed" : "FAILED: \(finding?.rawValue ?? "unknown")")")
            publishEvent(sink, at: at, kind: "self_test_finished") {
                $0.passed = passed
                $0.finding = finding?.rawValue
            }
        case .sessionArmed(let program, let patient, let at):
            log("session armed: program \(program), patient \(patient)")
            if session == nil, let match = pendingArms.first(where: { $0.value.reference == patient }) {
                beginSession(match.value)
            }
            publishEvent(sink, at: at, kind: "session_armed") {
                $0.program = self.session?.programName ?? program
                $0.patient = patient
            }
        case .sessionStarted(let at):
            log("session started")
            sessionStarted(at: at)
            publishEvent(sink, at: at, kind: "session_started")
        case .phaseEntered(let activity, let phaseIndex, _, _, let at):
            publishEvent(sink, at: at, kind: "phase_entered") {
                $0.activity = activity.rawValue
                $0.phase = phaseIndex >= 0 ? phaseIndex + 1 : nil
            }
        case .holdForceAdjusted(let requested, let granted, let by, let at):
            log("hold force adjusted by \(by): asked \(Int(requested.value.rounded())) N, "
                + "granted \(Int(granted.value.rounded())) N")
            publishEvent(sink, at: at, kind: "hold_force_adjusted") {
                $0.requestedN = requested.value
                $0.grantedN = granted.value
                $0.by = by
            }
        case .sessionEnded(let reason, let at):
            log("session ended: \(reason.rawValue)")
            sessionEnded(reason, at: at)
            publishEvent(sink, at: at, kind: "session_ended") { $0.reason = reason.rawValue }
        }
    }

    private func report(_ event: SafetyEvent, sink: NotificationSink?) {
        switch event {
        case .transition(let from, let to, let cause, _, let who, let at):
            guard from != to else { return }
            log("state \(from) -> \(to) on \(cause)\(who.map { " by \($0)" } ?? "")")
            sink?.publish(.session, method: NotificationMethod.session, params: ControlJSON.value(SessionNotification(
                tS: clock.seconds(at), at: clock.text(at), from: from.description, to: to.description,
                cause: String(describing: cause), by: who)))
        case .refused(let command, let state, let reason, let who, let at):
            guard let who else { return }
            log("refused \(command) in \(state) from \(who): \(reason)")
            publishEvent(sink, at: at, kind: "refused") {
                $0.command = String(describing: command)
                $0.reason = String(describing: reason)
                $0.by = who
            }
        case .alarmRaised(let code, let at):
            log("ALARM \(code.symbol) (\(code.priority)): \(code.message)")
            alarms[code] = TrackedAlarm(present: true, acknowledged: false, raisedAt: clock.text(at))
            if let index = session?.recordIndex {
                records.update(index) { if !$0.alarms.contains(code.symbol) { $0.alarms.append(code.symbol) } }
            }
            publishAlarm(sink, code: code, change: "raised", at: at)
        case .alarmConditionCleared(let code, _):
            alarms[code]?.present = false
        case .alarmAcknowledged(let code, let by, let at):
            log("alarm acknowledged: \(code.symbol) by \(by)")
            alarms[code]?.acknowledged = true
            publishAlarm(sink, code: code, change: "acknowledged", at: at)
        case .alarmEnded(let code, let at):
            log("alarm ended: \(code.symbol)")
            let info = alarmInfo(code)
            alarms.removeValue(forKey: code)
            sink?.publish(.alarms, method: NotificationMethod.alarm, params: ControlJSON.value(AlarmNotification(
                tS: clock.seconds(at), at: clock.text(at), change: "ended", alarm: info)))
        }
    }

    private func publishEvent(_ sink: NotificationSink?, at: MonotonicInstant, kind: String,
                              _ fill: (inout EventNotification) -> Void = { _ in }) {
        guard let sink else { return }
        var notification = EventNotification(tS: clock.seconds(at), at: clock.text(at), kind: kind)
        fill(&notification)
        sink.publish(.events, method: NotificationMethod.event, params: ControlJSON.value(notification))
    }

    private func publishAlarm(_ sink: NotificationSink?, code: AlarmCode, change: String, at: MonotonicInstant) {
        sink?.publish(.alarms, method: NotificationMethod.alarm, params: ControlJSON.value(AlarmNotification(
            tS: clock.seconds(at), at: clock.text(at), change: change, alarm: alarmInfo(code))))
    }

    private func publishTelemetry(_ snapshot: ControlSnapshot, to sink: NotificationSink) {
        guard sink.clientCount > 0 else { return }
        sink.publishTelemetry(tick: snapshot.ticks, loopRateHz: configuration.loopRateHz,
                              params: telemetryParams(snapshot))
    }

    /// The `telemetry` notification's params, built directly as a JSON tree:
    /// this runs at the loop rate, and going through Codable costs several
    /// times more. Same members as `TelemetryNotification` (absent when nil).
    func telemetryParams(_ snapshot: ControlSnapshot) -> JSONValue {
        var members: [String: JSONValue] = [
            "t_s": .number(clock.seconds(snapshot.at)), "tick": .number(Double(snapshot.ticks)),
            "state": .string(snapshot.state.description),
            "target_n": .number(snapshot.targetForce.value), "measured_n": .number(snapshot.measuredForce.value),
            "angles": .object(["flexion_deg": .number(snapshot.angles.flexion.value),
                               "lateral_tilt_deg": .number(snapshot.angles.lateralTilt.value),
                               "rotation_deg": .number(snapshot.angles.rotation.value)]),
            "time_left_s": .number(snapshot.timeLeft.value),
            "alarms": .array(snapshot.activeAlarms.isEmpty ? [] : snapshot.activeAlarms.codes.map { .string($0.symbol) }),
        ]
        if let activity = snapshot.activity { members["activity"] = .string(activity.rawValue) }
        if snapshot.phaseIndex >= 0 { members["phase"] = .number(Double(snapshot.phaseIndex + 1)) }
        return .object(members)
    }

    // MARK: Results

    func alarmInfo(_ code: AlarmCode) -> AlarmInfo {
        let tracked = alarms[code]
        let priority: String
        switch code.priority {
        case .high: priority = "high"
        case .medium: priority = "medium"
        case .low: priority = "low"
        case .information: priority = "information"
        }
        return AlarmInfo(code: code.symbol, priority: priority, present: tracked?.present ?? false,
                         latched: code.latches, acknowledged: tracked?.acknowledged ?? false, message: code.message,
                         raisedAt: tracked?.raisedAt)
    }

    /// Active alarms (present, or latched and not yet acknowledged), highest priority first.
    func activeAlarms() -> [AlarmInfo] {
        alarms.keys.sorted { ($0.priority, $1.rawValue) > ($1.priority, $0.rawValue) }.map(alarmInfo)
    }

    static func angles(_ angles: Angles) -> AnglesJSON {
        AnglesJSON(flexionDeg: angles.flexion.value, lateralTiltDeg: angles.lateralTilt.value,
                   rotationDeg: angles.rotation.value)
    }

    /// `status`: from the newest snapshot, without a round trip to the control loop.
    public func status(clients: Int) -> StatusResult {
        let snapshot = runtime.snapshot
        var sessionStatus: SessionStatus?
        if let current = session {
            let plan = current.plan
            sessionStatus = SessionStatus(
                program: current.programName, patient: current.patientReference,
                region: plan.patient.region.rawValue, weightKg: plan.patient.weight.value,
                firstSession: plan.patient.firstSession, activity: snapshot.activity?.rawValue,
                phase: snapshot.phaseIndex >= 0 ? snapshot.phaseIndex + 1 : nil,
                phases: plan.program.program.phases.count, elapsedS: snapshot.treatmentElapsed.value,
                timeLeftS: current.startedAt == nil ? plan.totalDuration.value : snapshot.timeLeft.value,
                totalS: plan.totalDuration.value, peakN: plan.peakForce.value,
                effectiveLimitN: plan.effectiveLimit.force.value, limitSource: plan.effectiveLimit.source.rawValue,
                armedBy: current.armedBy, startedAt: current.startedAt)
        }
        let thread = runtime.controlThread
        return StatusResult(
            state: snapshot.state.description, simulated: runtime.identity.simulated, session: sessionStatus,
            force: ForceStatus(targetN: snapshot.targetForce.value, measuredN: snapshot.measuredForce.value),
            angles: Self.angles(snapshot.angles), alarms: activeAlarms(), lastSessionEnd: lastSessionEnd,
            interruptedSession: interrupted,
            loop: LoopStatus(rateHz: configuration.loopRateHz,
                             realtime: thread?.realtimeMode.map(String.init(describing:)) ?? configuration.realtime,
                             degraded: thread?.realtimeMode?.isDegraded ?? configuration.realtimeDegraded,
                             p99LatenessUs: p99LatenessMicroseconds.rounded(),
                             overruns: thread?.overruns ?? snapshot.overruns),
            daemon: DaemonStatus(version: configuration.daemonVersion, uptimeS: clock.seconds(MonotonicClock.now()),
                                 clients: clients),
            recordsProblem: recordsProblem)
    }

    /// `status` as a JSON tree, built directly: it is the method clients
    /// poll, and a trip through Codable costs more than the rest of the
    /// round trip. The same members as `StatusResult` (absent when nil,
    /// except the documented nulls `session`, `last_session_end` and
    /// `interrupted_session`); a test holds the two equal.
    public func statusJSON(clients: Int) -> JSONValue { Self.json(status(clients: clients)) }

    /// A `StatusResult` as its JSON tree, without Codable.
    public static func json(_ result: StatusResult) -> JSONValue {
        func number(_ value: Double) -> JSONValue { .number(value) }
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var session: JSONValue = .null
        if let current = result.session {
            var members: [String: JSONValue] = [
                "program": .string(current.program), "patient": .string(current.patient),
                "region": .string(current.region), "weight_kg": number(current.weightKg),
                "first_session": .bool(current.firstSession), "phases": number(Double(current.phases)),
                "elapsed_s": number(current.elapsedS), "time_left_s": number(current.timeLeftS),
                "total_s": number(current.totalS), "peak_n": number(current.peakN),
                "effective_limit_n": number(current.effectiveLimitN), "limit_source": .string(current.limitSource),
                "armed_by": .string(current.armedBy),
            ]
            if let activity = current.activity { members["activity"] = .string(activity) }
            if let phase = current.phase { members["phase"] = number(Double(phase)) }
            if let startedAt = current.startedAt { members["started_at"] = .string(startedAt) }
            session = .object(members)
        }
        var interrupted: JSONValue = .null
        if let found = result.interruptedSession {
            var members: [String: JSONValue] = [
                "program": .string(found.program), "patient": .string(found.patient),
                "started_at": .string(found.startedAt), "detected_at": .string(found.detectedAt),
            ]
            if let tension = found.tensionAtStartN { members["tension_at_start_n"] = number(tension) }
            interrupted = .object(members)
        }
        let alarms: [JSONValue] = result.alarms.map { alarm in
            var members: [String: JSONValue] = [
                "code": .string(alarm.code), "priority": .string(alarm.priority), "present": .bool(alarm.present),
                "latched": .bool(alarm.latched), "acknowledged": .bool(alarm.acknowledged),
                "message": .string(alarm.message),
            ]
            if let raisedAt = alarm.raisedAt { members["raised_at"] = .string(raisedAt) }
            return .object(members)
        }
        var members: [String: JSONValue] = [
            "state": .string(result.state), "simulated": .bool(result.simulated), "session": session,
            "force": .object(["target_n": number(result.force.targetN), "measured_n": number(result.force.measuredN)]),
            "angles": .object(["flexion_deg": number(result.angles.flexionDeg),
                               "lateral_tilt_deg": number(result.angles.lateralTiltDeg),
                               "rotation_deg": number(result.angles.rotationDeg)]),
            "alarms": .array(alarms), "last_session_end": text(result.lastSessionEnd),
            "interrupted_session": interrupted,
            "loop": .object(["rate_hz": number(result.loop.rateHz), "realtime": .string(result.loop.realtime),
                             "degraded": .bool(result.loop.degraded),
                             "p99_lateness_us": number(result.loop.p99LatenessUs),
                             "overruns": number(Double(result.loop.overruns))]),
            "daemon": .object(["version": .string(result.daemon.version), "uptime_s": number(result.daemon.uptimeS),
                               "clients": number(Double(result.daemon.clients))]),
        ]
        if let problem = result.recordsProblem { members["records_problem"] = .string(problem) }
        return .object(members)
    }

    func deviceInfo() -> DeviceInfoResult {
        let identity = runtime.identity
        return DeviceInfoResult(
            serial: identity.serialNumber, firmware: identity.firmwareVersion,
            protocolVersion: Int(identity.protocolVersion), maxForceN: identity.maximumForce.value,
            maxTravelMm: identity.maximumTravel.value, leaseMs: (identity.lease.value * 1000).rounded(),
            axes: identity.angleAxes.map {
                AxisInfo(axis: $0.axis.rawValue, minDeg: $0.minimum.value, maxDeg: $0.maximum.value,
                         maxRateDegPerS: $0.maximumRate.value)
            },
            link: configuration.link, simulated: identity.simulated)
    }

    func programsList() -> ProgramsListResult {
        let entries = catalog.files().map { file in
            let text = FileManager.default.contents(atPath: file.file).map { String(decoding: $0, as: UTF8.self) }
            return catalog.entry(name: file.name, file: file.file, text: text).entry
        }
        return ProgramsListResult(programs: entries, directories: catalog.directories)
    }

    func programsShow(_ name: String) throws(ControlError) -> ProgramShowResult {
        guard let found = catalog.find(name) else { throw catalog.notFound(name) }
        let (entry, diagnostics) = catalog.entry(name: found.name, file: found.file, text: found.text)
        return ProgramShowResult(entry: entry, text: found.text, diagnostics: diagnostics)
    }

    // MARK: Configuration reload

    private func reloadConfiguration(by caller: ServiceCaller) throws(ControlError) -> ReloadResult {
        guard let reload else {
            throw ControlError(.configurationInvalid, "this daemon was started without a configuration file",
                               data: ["errors": .array([.string("no configuration file (start with --config PATH)")])])
        }
        let outcome: ServiceReload
        switch reload() {
        case .failure(let error): throw error
        case .success(let read): outcome = read
        }
        guard outcome.applicable else {
            log("configuration reload by \(caller.identity): not applied; restart needed for "
                + outcome.restartNeeded.joined(separator: ", "))
            return ReloadResult(applied: false, deferred: false, restartNeeded: outcome.restartNeeded)
        }
        let state = runtime.snapshot.state
        if session != nil || state.isSessionState || state == .releasing || awaitingRelease && markerPending {
            deferredReload = outcome
            log("configuration reload by \(caller.identity): deferred until the session has ended and released")
            return ReloadResult(applied: false, deferred: true, restartNeeded: outcome.restartNeeded)
        }
        apply(outcome)
        log("configuration reload by \(caller.identity): applied")
        return ReloadResult(applied: true, deferred: false, restartNeeded: outcome.restartNeeded)
    }

    private func applyDeferredReloadIfIdle(_ snapshot: ControlSnapshot) {
        guard let waiting = deferredReload, session == nil, !snapshot.state.isSessionState,
              snapshot.state != .releasing, !(awaitingRelease && markerPending) else { return }
        deferredReload = nil
        apply(waiting)
        log("deferred configuration reload applied")
    }

    private func apply(_ reload: ServiceReload) {
        configuration.programDirectories = reload.programDirectories
        var limits = catalog.limits
        if let newConfiguration = reload.engineConfiguration {
            let adapted = newConfiguration.adapted(to: runtime.identity)
            limits = adapted.therapyLimits
            if let id = runtime.submit(.replaceEngine(Engine(configuration: adapted, identity: runtime.identity)),
                                       by: "tractiond (configuration reload)") {
                engineConfiguration = adapted
                reloadEngineRequest = id
            } else {
                log("configuration reload: the control loop is busy; the engine limits stay as they were")
            }
        }
        catalog = ProgramCatalog(directories: reload.programDirectories, limits: limits)
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
            return ControlError(.tensionPresent, message, data: ["measured_n": .number(measured.value)])
        case .tareFailed(.noAnswer):
            return ControlError(.timeout, message)
        case .tareFailed(.driveEnabled):
            return ControlError(.notAllowedInState, message, data: ["state": .string("drive enabled")])
        case .tareFailed:
            // The protocol has no code of its own for a table that failed to
            // tare (a sensor fault or a broken line); say what happened.
            return ControlError(.internalError, message)
        }
    }
}

extension InterlockState {
    /// A session is armed or running (`releasing` is its tail, not counted).
    var isSessionState: Bool { self == .armed || self == .treating || self == .paused }
}
