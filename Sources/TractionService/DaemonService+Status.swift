import Foundation
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// The answers built on the service thread without a trip to the control
/// loop: status, alarms, device info and programs.
extension DaemonService {
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
            daemon: DaemonStatus(version: configuration.daemonVersion, uptimeS: clock.seconds(configuration.clock()),
                                 clients: clients),
            recordsProblem: recordsProblem, link: linkHealth())
    }

    /// The serial link's phase and counters (nil for the simulated table),
    /// with the stale periods the safety kernel saw.
    func linkHealth() -> LinkHealthStatus? {
        guard let source = configuration.linkHealth else { return nil }
        let health = source.health
        var status = LinkHealthStatus(phase: health.phase)
        status.refusal = health.refusal.map(Self.refusalText)
        status.framesDecoded = health.framesDecoded
        status.crcErrors = health.crcErrors
        status.malformedFrames = health.malformedFrames
        status.oversizeFrames = health.oversizeFrames
        status.otherVersionFrames = health.otherVersionFrames
        status.unknownTypeFrames = health.unknownTypeFrames
        status.invalidPayloadFrames = health.invalidPayloadFrames
        status.resynchronisations = health.resynchronisations
        status.discardedBytes = health.discardedBytes
        status.telemetryReceived = health.telemetryReceived
        status.framesLost = health.framesLost
        status.sequenceGaps = health.sequenceGaps
        status.stalePeriods = stalePeriods
        status.losses = health.losses
        status.handshakes = health.handshakes
        status.refusals = health.refusals
        status.reopens = health.reopens
        status.faultReports = health.faultReports
        status.faultReportsNotReported = health.faultReportsNotReported
        status.framesSent = health.framesSent
        status.commandsSent = health.commandsSent
        status.latencyP99Ms = health.latencyP99.map { ($0.milliseconds * 1000).rounded() / 1000 }
        status.lastFaultReport = health.lastFaultReport?.summary
        return status
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
                "table_lease_expired": .bool(found.tableLeaseExpired),
            ]
            if let tension = found.tensionAtStartN { members["tension_at_start_n"] = number(tension) }
            if let lastAlive = found.lastAliveAt { members["last_alive_at"] = .string(lastAlive) }
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
        if let link = result.link { members["link"] = link.json }
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
            link: linkInfo(), simulated: identity.simulated)
    }

    /// How the daemon reaches the table, with the link's health at this moment.
    func linkInfo() -> LinkInfo {
        var link = configuration.link
        link.health = linkHealth()
        return link
    }

    func programsList() -> ProgramsListResult {
        let entries = catalog.files().map { file in
            catalog.entry(name: file.name, file: file.file, source: ProgramCatalog.read(file.file)).entry
        }
        return ProgramsListResult(programs: entries, directories: catalog.directories)
    }

    func programsShow(_ name: String) throws(ControlError) -> ProgramShowResult {
        guard let found = catalog.find(name) else { throw catalog.notFound(name) }
        let (entry, diagnostics) = catalog.entry(name: found.name, file: found.file, source: found.source)
        return ProgramShowResult(entry: entry, text: found.text, diagnostics: diagnostics)
    }
}
