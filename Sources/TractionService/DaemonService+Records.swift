import Foundation
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// Sessions and their records: a session begins, starts and ends; who did
/// what is noted; and, at start, an interrupted session (a marker left
/// behind, or the table's lease latch) is reported, recorded and reconciled
/// (docs/safety.md, H6 and H14).
extension DaemonService {
    func beginSession(_ arm: PendingArm) {
        guard session == nil else { return }
        interrupted = nil
        let index = records.append(RecordDraft(program: arm.programName, patient: arm.reference,
                                               armedBy: arm.caller.identity, armedAt: arm.armedAt))
        session = CurrentSession(plan: arm.plan, programName: arm.programName, patientReference: arm.reference,
                                 armedBy: arm.caller.identity, recordIndex: index)
    }

    /// Adds a state-changing request to the current session's record, and
    /// to its marker at once: an action is what a record of an interrupted
    /// session must not lose.
    func noteAction(_ method: ControlMethod, caller: ServiceCaller, outcome: String) {
        guard method.changesState, method != .sessionArm || outcome == "ok" else { return }
        guard let index = session?.recordIndex else { return }
        records.update(index) {
            $0.actions.append(RecordAction(at: WallClock.rfc3339(Date()), method: method.rawValue,
                                           by: caller.identity, outcome: outcome))
        }
        rewriteMarker(now: configuration.clock())
    }

    func sessionStarted(at instant: MonotonicInstant) {
        guard var current = session else { return }
        let startedAt = clock.text(instant)
        current.startedAt = startedAt
        session = current
        records.update(current.recordIndex) { $0.startedAt = startedAt }
        awaitingRelease = false
        guard markerWriter != nil else { return }
        markerLive = true
        markerPending = true
        rewriteMarker(now: configuration.clock())
    }

    /// The marker of the running session as its record stands now.
    func currentMarker() -> SessionMarker? {
        guard let current = session, let startedAt = current.startedAt,
              let draft = records.draft(current.recordIndex) else { return nil }
        let actions = Array(draft.actions.suffix(SessionMarker.maximumActions))
        return SessionMarker(
            program: current.programName, patient: current.patientReference, startedAt: startedAt,
            armedBy: current.armedBy, region: current.plan.patient.region.rawValue,
            weightKg: current.plan.patient.weight.value, armedAt: draft.armedAt, peakMeasuredN: draft.peakMeasured,
            lastPhase: draft.lastPhase, lastActivity: draft.lastActivity, alarms: draft.alarms, actions: actions,
            actionsOmitted: draft.actions.count - actions.count, lastAliveAt: WallClock.rfc3339(Date()))
    }

    /// Hands the writer the marker as the record stands now. It writes on
    /// its own thread; the service thread never waits for the disk.
    func rewriteMarker(now: MonotonicInstant) {
        guard markerLive, let writer = markerWriter, let marker = currentMarker() else { return }
        writer.submit(.write(marker))
        lastMarkerRewrite = now
    }

    /// Per service tick: the marker of a running session is rewritten about
    /// once a second (its peak, phase and last-alive time), and what the
    /// writer did is reported.
    func keepMarker(now: MonotonicInstant) {
        guard let writer = markerWriter else { return }
        for outcome in writer.takeOutcomes() {
            switch outcome {
            case .written:
                if recordsProblem != nil { log("records: the session marker is written again") }
                recordsProblem = nil
            case .removed:
                break
            case .writeFailed(let error):
                // Never block the session (or its stop) on the disk: say so.
                noteRecordsProblem("the session marker could not be written: \(error.description); "
                    + "an interruption of this session would not be reported after a restart")
            case .removeFailed(let error):
                noteRecordsProblem("the session marker could not be removed: \(error.description)")
            }
        }
        if markerLive, now - lastMarkerRewrite >= Self.markerRewriteInterval { rewriteMarker(now: now) }
    }

    /// Often enough that a record of an interrupted session ends within
    /// about a second of the daemon's death; seldom enough that the fsync
    /// of each rewrite costs the disk nothing to speak of.
    static let markerRewriteInterval = Seconds(1)

    private func noteRecordsProblem(_ text: String) {
        // A failing disk fails every rewrite: the log says it once.
        if recordsProblem != text { log(.error, "records: \(text)") }
        recordsProblem = text
    }

    func sessionEnded(_ reason: SessionEndReason, at instant: MonotonicInstant) {
        lastSessionEnd = reason.rawValue
        if let current = session {
            let endedAt = clock.text(instant)
            records.update(current.recordIndex) {
                $0.endedAt = endedAt
                $0.endReason = reason.rawValue
            }
        }
        // The last rewrite carries the session's whole peak and actions; the
        // marker itself stays until the force is released.
        rewriteMarker(now: configuration.clock())
        markerLive = false
        session = nil
        awaitingRelease = true
    }

    /// At start: a marker left behind means the previous daemon died during
    /// a session. Its record is closed with what the marker last said: the
    /// peak, the last phase, the actions, and the last instant the previous
    /// daemon was known alive as its end.
    func checkForInterruptedSession() {
        guard let directory = configuration.stateDirectory else { return }
        guard let found = SessionMarker.read(in: directory) else { return }
        let detectedAt = WallClock.rfc3339(Date())
        let marker: SessionMarker
        switch found {
        case .success(let read): marker = read
        case .failure(let problem):
            log(.warning, "records: \(problem.description); treating it as an interrupted session of unknown program")
            marker = SessionMarker(program: "unknown", patient: "unknown", startedAt: "unknown", armedBy: "unknown",
                                   region: "unknown", weightKg: 0)
        }
        interrupted = InterruptedSession(program: marker.program, patient: marker.patient,
                                         startedAt: marker.startedAt, detectedAt: detectedAt, tensionAtStartN: nil,
                                         lastAliveAt: marker.lastAliveAt)
        lastSessionEnd = SessionEndReason.interrupted.rawValue
        var draft = RecordDraft(
            program: marker.program, patient: marker.patient, armedBy: marker.armedBy,
            armedAt: marker.armedAt ?? marker.startedAt, startedAt: marker.startedAt,
            endedAt: marker.lastAliveAt ?? detectedAt, endReason: SessionEndReason.interrupted.rawValue)
        draft.peakMeasured = Self.checkedPeak(marker.peakMeasuredN) ?? 0
        draft.lastPhase = marker.lastPhase
        draft.lastActivity = marker.lastActivity
        draft.alarms = marker.alarms ?? []
        draft.actions = marker.actions ?? []
        interruptedRecordIndex = records.append(draft)
        markerPending = true
        awaitingRelease = true
        log(.warning, "interrupted session: program \(marker.program) patient \(marker.patient) started at \(marker.startedAt)"
            + (marker.lastAliveAt.map { ", last known alive at \($0)" } ?? "")
            + (Self.checkedPeak(marker.peakMeasuredN).map { ", peak \(Int(saturatingRounded: $0)) N" } ?? ""))
    }

    /// A peak read from the disk: a finite force of 0 N or more, else unknown.
    static func checkedPeak(_ value: Double?) -> Double? {
        guard let value, value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// The table still latched `lease_expired` when this daemon started: it
    /// released by itself because the previous daemon stopped commanding with
    /// the drive enabled (H6). Evidence of an interrupted session, not a drive
    /// fault; the engine's drive-off commands clear the latch. Without a
    /// marker (the previous daemon died armed, or could not write it) the
    /// interruption is still reported and recorded, its program and patient
    /// unknown: a treatment the table was giving must not go unrecorded (H14).
    func noteTableLeaseExpiredAtStart(force: Newtons, at instant: MonotonicInstant) {
        if interrupted == nil {
            let detectedAt = clock.text(instant)
            interrupted = InterruptedSession(program: "unknown", patient: "unknown", startedAt: "unknown",
                                             detectedAt: detectedAt, tensionAtStartN: nil)
            lastSessionEnd = SessionEndReason.interrupted.rawValue
            interruptedRecordIndex = records.append(RecordDraft(
                program: "unknown", patient: "unknown", armedBy: "unknown", armedAt: "unknown",
                startedAt: nil, endedAt: detectedAt, endReason: SessionEndReason.interrupted.rawValue))
        }
        interrupted?.tableLeaseExpired = true
        log(.warning, "interrupted session: the table reports lease_expired (it released by itself after the previous "
            + "daemon stopped commanding, \(Int(saturatingRounded: force.value)) N now); not a drive fault: "
            + "the drive-off commands clear the latch before the self-test decides")
    }

    /// Per tick of the service: reports an interrupted session once the
    /// table's force is known, and removes the marker once the session has
    /// ended and the force is released.
    func reconcile(_ snapshot: ControlSnapshot, sink: NotificationSink?) {
        if var found = interrupted, !interruptedReported {
            interruptedReported = true
            found.tensionAtStartN = snapshot.measuredForce.value
            interrupted = found
            // The session pulled at least what the cable still holds now.
            if let index = interruptedRecordIndex {
                records.update(index) { $0.peakMeasured = max($0.peakMeasured, snapshot.measuredForce.value) }
            }
            let tension = snapshot.measuredForce
            log(.warning, "interrupted session: tension at restart \(Int(saturatingRounded: tension.value)) N; "
                + (tension <= engineConfiguration.safety.slackForce ? "the cable is slack"
                   : tension <= engineConfiguration.selfTest.largestIdleForce
                   ? "the table pays it out to slack once ready (the rest release), before any new session"
                   : "the self-test fails and the fault state releases it under control before any new session"))
            let event = ControlJSON.value(EventNotification(
                tS: clock.seconds(snapshot.at), at: clock.text(snapshot.at), kind: "interrupted_session",
                interrupted: found))
            interruptedEvent = event
            sink?.publish(.events, method: NotificationMethod.event, params: event)
        }
        guard markerMayGo(snapshot) else { return }
        markerWriter?.submit(.remove)
        markerPending = false
        awaitingRelease = false
    }

    /// The session of the marker has ended and the table is released and
    /// settled (not still in its self-test after a restart).
    func markerMayGo(_ snapshot: ControlSnapshot) -> Bool {
        markerPending && awaitingRelease && session == nil
            && !snapshot.state.isSessionState && snapshot.state != .releasing && snapshot.state != .selfTest
            && snapshot.state != .offline && snapshot.state != .connecting
            && snapshot.measuredForce < engineConfiguration.safety.slackForce
    }

    /// The `interrupted_session` event again, for a client that subscribes
    /// to events while the interruption is still reported (until the next
    /// session is armed): the daemon published it at its first tick, before
    /// any client could be connected and subscribed.
    public func eventsForNewSubscriber() -> [JSONValue] {
        guard interrupted != nil, let interruptedEvent else { return [] }
        return [interruptedEvent]
    }

    /// Before the daemon exits: removes the marker of a session that has
    /// ended and released (the last service tick may not have), and waits a
    /// little for the writer, so a clean exit never leaves a marker that
    /// the next start would take for an interrupted session.
    public func closeRecordsForExit() {
        guard let writer = markerWriter else { return }
        if markerMayGo(runtime.snapshot) {
            writer.submit(.remove)
            markerPending = false
            awaitingRelease = false
        }
        if !writer.waitUntilIdle(atMost: Self.exitWriteWait) {
            log(.warning, "records: the session marker was still being written at exit")
        }
        keepMarker(now: configuration.clock())
    }

    /// A write that takes longer is a failing disk; the exit does not wait for it.
    static let exitWriteWait = Seconds(2)
}
