import Foundation
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// What the engine reported, turned into log lines, records and the `event`,
/// `alarm` and `session` notifications of docs/control-protocol.md, section 7.
extension DaemonService {
    func report(_ event: EngineEvent, sink: NotificationSink?) {
        switch event {
        case .safety(let safety): report(safety, sink: sink)
        case .selfTestStarted(let at):
            publishEvent(sink, at: at, kind: "self_test_started")
        case .selfTestFinished(let passed, let finding, _, let at):
            log(passed ? .info : .error, "self-test \(passed ? "passed" : "FAILED: \(finding?.rawValue ?? "unknown")")")
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
            log("hold force adjusted by \(by): asked \(Int(saturatingRounded: requested.value)) N, "
                + "granted \(Int(saturatingRounded: granted.value)) N")
            publishEvent(sink, at: at, kind: "hold_force_adjusted") {
                $0.requestedN = requested.value
                $0.grantedN = granted.value
                $0.by = by
            }
        case .sessionEnded(let reason, let at):
            let cause = sessionEndingCause
            sessionEndingCause = nil
            log("session ended: \(reason.rawValue)\(cause.map { " (\($0))" } ?? "")")
            sessionEnded(reason, at: at)
            publishEvent(sink, at: at, kind: "session_ended") {
                $0.reason = reason.rawValue
                $0.cause = cause
            }
        case .tableLeaseExpiredAtStart(let force, let at):
            noteTableLeaseExpiredAtStart(force: force, at: at)
            publishEvent(sink, at: at, kind: "table_lease_expired") { $0.interrupted = self.interrupted }
        case .link(let event): report(event, sink: sink)
        }
    }

    /// What the table link reported; what the engine made of it follows as
    /// `session` and `alarm` notifications.
    func report(_ event: SerialLinkEvent, sink: NotificationSink?) {
        let kind: String, detail: String?, at: MonotonicInstant
        switch event {
        case .connected(let when):
            (kind, detail, at) = ("link_connected", nil, when)
            log("link: the table's port is open")
        case .handshakeDone(let identity, let when):
            (kind, detail, at) = ("link_handshake_done", "table \(identity.serialNumber)", when)
            log("link: table \(identity.serialNumber) identified (firmware \(identity.firmwareVersion))")
        case .lost(let silence, let when):
            let text = "no valid telemetry for \(Int(saturatingRounded: silence.milliseconds)) ms"
            (kind, detail, at) = ("link_lost", text, when)
            log(.error, "link LOST: \(text)")
        case .refused(let error, let when):
            let text = Self.refusalText(error)
            (kind, detail, at) = ("link_refused", text, when)
            log(.error, "link REFUSED: \(text)")
        case .transportFailed(let reason, let when):
            (kind, detail, at) = ("link_transport_failed", reason, when)
            log(.error, "link: the port failed: \(reason)")
        case .faultReport(let notice, let when):
            (kind, detail, at) = ("table_fault_report", notice.summary, when)
            log(.warning, "link: \(notice.summary)")
            publishEvent(sink, at: at, kind: kind) {
                $0.reason = detail
                $0.tableEvent = notice.eventName
                $0.detail = Double(notice.detail)
                $0.activeFaults = Double(notice.activeFaults)
            }
            return
        }
        publishEvent(sink, at: at, kind: kind) { $0.reason = detail }
    }

    /// A refusal in words a clinician can act on: what is wrong, that no
    /// treatment runs until it is put right, and that the daemon takes the
    /// table back by itself once it answers acceptably.
    static func refusalText(_ error: TableLinkError) -> String {
        let what: String
        switch error {
        case .protocolVersionMismatch(let host, let table):
            what = "the table speaks wire protocol version \(table), this tractiond speaks \(host); "
                + "update the table's firmware or tractiond so that they match"
        default:
            what = error.description
        }
        return "\(what). No treatment is possible meanwhile; the table is asked again every second "
            + "and taken back as soon as it answers acceptably"
    }

    func report(_ event: SafetyEvent, sink: NotificationSink?) {
        switch event {
        case .transition(let from, let to, let cause, let actions, let who, let at):
            // The engine reports the end of a session right after the
            // transition that ended it; its event names that cause.
            if actions.contains(.endSession) { sessionEndingCause = cause.name }
            guard from != to else { return }
            log(to.isLatched ? .warning : .info, "state \(from) -> \(to) on \(cause)\(who.map { " by \($0)" } ?? "")")
            sink?.publish(.session, method: NotificationMethod.session, params: ControlJSON.value(SessionNotification(
                tS: clock.seconds(at), at: clock.text(at), from: from.description, to: to.description,
                cause: String(describing: cause), by: who)))
        case .refused(let command, let state, let reason, let who, let at):
            guard let who else { return }
            log(.notice, "refused \(command) in \(state) from \(who): \(reason)")
            publishEvent(sink, at: at, kind: "refused") {
                $0.command = String(describing: command)
                $0.reason = String(describing: reason)
                $0.by = who
            }
        case .alarmRaised(let code, let at):
            if code == .telemetryStale { stalePeriods &+= 1 }
            log(code.priority.logLevel, "ALARM \(code.symbol) (\(code.priority)): \(code.message)")
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

    func publishEvent(_ sink: NotificationSink?, at: MonotonicInstant, kind: String,
                              _ fill: (inout EventNotification) -> Void = { _ in }) {
        guard let sink else { return }
        var notification = EventNotification(tS: clock.seconds(at), at: clock.text(at), kind: kind)
        fill(&notification)
        sink.publish(.events, method: NotificationMethod.event, params: ControlJSON.value(notification))
    }

    func publishAlarm(_ sink: NotificationSink?, code: AlarmCode, change: String, at: MonotonicInstant) {
        sink?.publish(.alarms, method: NotificationMethod.alarm, params: ControlJSON.value(AlarmNotification(
            tS: clock.seconds(at), at: clock.text(at), change: change, alarm: alarmInfo(code))))
    }

    func publishTelemetry(_ snapshot: ControlSnapshot, to sink: NotificationSink) {
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
}
