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

    /// Adds a state-changing request to the current session's record.
    func noteAction(_ method: ControlMethod, caller: ServiceCaller, outcome: String) {
        guard method.changesState, method != .sessionArm || outcome == "ok" else { return }
        guard let index = session?.recordIndex else { return }
        records.update(index) {
            $0.actions.append(RecordAction(at: WallClock.rfc3339(Date()), method: method.rawValue,
                                           by: caller.identity, outcome: outcome))
        }
    }

    func sessionStarted(at instant: MonotonicInstant) {
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

    func sessionEnded(_ reason: SessionEndReason, at instant: MonotonicInstant) {
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
    func checkForInterruptedSession() {
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
        log("interrupted session: the table reports lease_expired (it released by itself after the previous "
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
            if let index = interruptedRecordIndex {
                records.update(index) { $0.peakMeasured = snapshot.measuredForce.value }
            }
            let tension = snapshot.measuredForce
            log("interrupted session: tension at restart \(Int(saturatingRounded: tension.value)) N; "
                + (tension <= engineConfiguration.safety.slackForce ? "the cable is slack"
                   : tension <= engineConfiguration.selfTest.largestIdleForce
                   ? "the table pays it out to slack once ready (the rest release), before any new session"
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
}
