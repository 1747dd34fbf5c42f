import TractionDevice
import TractionSafety
import TractionTherapy

/// Why a session ended.
public enum SessionEndReason: String, Sendable, Hashable, Codable {
    /// The program played to its end, final release included.
    case completed
    /// An operator stopped it; the table released at the normal rate.
    case stoppedByOperator = "stopped_by_operator"
    /// The safety kernel ended it for a condition other than the harness
    /// (an alarm, a fault, an emergency, a link loss); the interlock event
    /// that did is the `cause` of the transition. A daemon that died during
    /// the session records it so after its restart too.
    case interrupted
    /// An armed session was stopped before it started.
    case cancelled
    /// The harness was opened during the session (armed, treating or
    /// paused): its own reason, for it is not a fault of the table or the
    /// daemon, and the clinician needs to tell it from one.
    case harnessOpened = "harness_opened"
}

/// Why the self-test failed.
public enum SelfTestFinding: String, Sendable, Hashable, Codable {
    case noTelemetry = "no_telemetry"
    /// Tension on the cable with no session: the daemon restarted during a
    /// treatment, or the load cell needs a tare.
    case tensionPresent = "tension_present"
    case sensorsDisagree = "sensors_disagree"
    case patientSwitchPressed = "patient_switch_pressed"
    case emergencyStopPressed = "emergency_stop_pressed"
    case driveFault = "drive_fault"
    /// The safety kernel left self-test for fault or emergency before the end.
    case interruptedByAlarm = "interrupted_by_alarm"
}

/// Something the engine did, for the recorder, the status and the operator.
public enum EngineEvent: Sendable, Hashable {
    /// What the safety kernel did: transitions, refusals, alarms.
    case safety(SafetyEvent)
    case selfTestStarted(at: MonotonicInstant)
    case selfTestFinished(passed: Bool, finding: SelfTestFinding?, peakIdleForce: Newtons, at: MonotonicInstant)
    case sessionArmed(programName: String, patientReference: String, at: MonotonicInstant)
    case sessionStarted(at: MonotonicInstant)
    /// The planner moved to another part of the program.
    case phaseEntered(activity: TherapyActivity, phaseIndex: Int, step: Int, cycle: Int, at: MonotonicInstant)
    case holdForceAdjusted(requested: Newtons, granted: Newtons, by: String, at: MonotonicInstant)
    case sessionEnded(reason: SessionEndReason, at: MonotonicInstant)
    /// The table reported its `leaseExpired` latch before this engine had
    /// enabled the drive: the trace of an interrupted previous daemon (H6),
    /// not a drive fault. `force` is the load cell's reading then.
    case tableLeaseExpiredAtStart(force: Newtons, at: MonotonicInstant)
    /// What the table link reported (a connection, a handshake, a loss), as
    /// the link stamped it; what the engine made of it follows as `.safety`.
    case link(SerialLinkEvent)
}

/// The caller's buffer for the events of one tick or one command.
///
/// Created once and cleared before each tick with its storage kept, so the
/// control path appends without allocating; if a tick ever produces more
/// events than reserved, the buffer grows rather than lose one.
public struct EngineEventLog: Sendable {
    public private(set) var events: [EngineEvent]
    var safety: SafetyEventLog

    public init(capacity: Int = SafetyEventLog.worstCaseEventsPerTick + 8) {
        events = []
        events.reserveCapacity(capacity)
        safety = SafetyEventLog()
    }

    mutating func append(_ event: EngineEvent) { events.append(event) }

    /// Records a link event without applying it (history from before the
    /// engine ran; see `Engine.linkReported`).
    public mutating func recordLink(_ event: SerialLinkEvent) { events.append(.link(event)) }

    public mutating func removeAll() {
        events.removeAll(keepingCapacity: true)
        safety.removeAll()
    }

    public var isEmpty: Bool { events.isEmpty }
    public var count: Int { events.count }
}
