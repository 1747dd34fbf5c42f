import TractionDevice
import TractionSafety
import TractionTherapy

/// Why an operator's request was not carried out. Each case has a stable
/// symbolic code (for support and for the control protocol) and a message a
/// clinician understands.
public enum OperatorRefusal: Sendable, Hashable, CustomStringConvertible {
    case notAllowedInState(InterlockState)
    /// Alarm conditions are present (e.g. the harness is open).
    case conditionsPresent([AlarmCode])
    /// Latched alarms must be acknowledged (and their conditions gone) first.
    case latchedAlarmsActive([AlarmCode])
    case nothingToReset
    case noSessionArmed
    case sessionInProgress
    /// The planned peak force needs an explicit confirmation (H12).
    case confirmationRequired(peak: Newtons, threshold: Newtons)
    /// A first session whose first-session cap lowered what the program
    /// asks for: the clinician confirms the reduced plan (H12).
    case firstSessionConfirmationRequired(programmed: Newtons, cap: Newtons)
    case invalidForce(Newtons)
    /// Acknowledging an alarm that is not active.
    case alarmNotActive(AlarmCode)
    /// Tare with tension on the cable (measured force at or above the slack force).
    case tensionPresent(Newtons)
    /// The table did not carry out the tare.
    case tareFailed(TareFailure)
    /// An adjustment while the program's final release plays (the state is
    /// still `treating`): the release is never raised.
    case finalReleaseUnderWay

    public var code: String {
        switch self {
        case .notAllowedInState: "NOT_ALLOWED_IN_STATE"
        case .conditionsPresent: "CONDITION_PRESENT"
        case .latchedAlarmsActive: "ALARM_NOT_ACKNOWLEDGED"
        case .nothingToReset: "NOTHING_TO_RESET"
        case .noSessionArmed: "NO_SESSION_ARMED"
        case .sessionInProgress: "SESSION_IN_PROGRESS"
        case .confirmationRequired, .firstSessionConfirmationRequired: "CONFIRMATION_REQUIRED"
        case .invalidForce: "INVALID_FORCE"
        case .alarmNotActive: "ALARM_NOT_ACTIVE"
        case .tensionPresent: "TENSION_PRESENT"
        case .tareFailed(let failure): failure == .tensionPresent ? "TENSION_PRESENT" : "TARE_FAILED"
        case .finalReleaseUnderWay: "NOT_ALLOWED_IN_STATE"
        }
    }

    public var description: String {
        switch self {
        case .notAllowedInState(let state): "not possible while the table is \(state)"
        case .conditionsPresent(let codes): "refused while \(codes.map(Self.conditionText).joined(separator: ", "))"
        case .latchedAlarmsActive(let codes):
            "acknowledge the alarms first: \(codes.map(\.symbol).joined(separator: ", "))"
        case .nothingToReset: "there is no fault to reset"
        case .noSessionArmed: "no session is prepared; arm one first"
        case .sessionInProgress: "a session is already prepared or running; stop it first"
        case .confirmationRequired(let peak, let threshold):
            "the program pulls up to \(Self.forceText(peak)), above \(Self.forceText(threshold)); confirm to start"
        case .firstSessionConfirmationRequired(let programmed, let cap):
            "the program asks for up to \(Self.forceText(programmed)); this first session is limited to "
                + "\(Self.forceText(cap)); confirm the reduced plan to start"
        case .invalidForce(let force): "\(force.value) N is not a usable hold force"
        case .alarmNotActive(let code): "the alarm \(code.symbol) is not active"
        case .tensionPresent(let force):
            "the load cell reads \(Self.forceText(force)); tare only with no tension on the cable"
        case .tareFailed(let failure): "the table did not tare: \(failure)"
        case .finalReleaseUnderWay: "not possible during the session's final release"
        }
    }

    static func forceText(_ force: Newtons) -> String {
        "\(Int(force.value.rounded())) N (\(Int(force.kilogramsForce.rounded())) kg)"
    }

    static func conditionText(_ code: AlarmCode) -> String {
        switch code {
        case .harnessOpen: "the harness is open"
        case .patientRelease: "the patient switch is pressed"
        case .emergencyStop: "the emergency stop is pressed"
        case .linkLost, .telemetryStale: "the table is not answering"
        default: code.symbol
        }
    }
}

public enum OperatorOutcome: Sendable, Hashable {
    case accepted
    case refused(OperatorRefusal)

    public var isAccepted: Bool { self == .accepted }
}

extension Engine {
    /// Prepares a session. The plan was built (and validated) off the control path.
    public mutating func arm(_ plan: SessionPlan, patientReference: String, by operatorIdentity: String,
                             at now: MonotonicInstant, into log: inout EngineEventLog) -> OperatorOutcome {
        guard armedSession == nil && planner == nil else { return .refused(.sessionInProgress) }
        let outcome = send(.arm, by: operatorIdentity, at: now, into: &log)
        if outcome.isAccepted {
            armedSession = ArmedSession(plan: plan, patientReference: patientReference, armedBy: operatorIdentity)
            log.append(.sessionArmed(programName: plan.program.program.name, patientReference: patientReference,
                                     at: now))
        }
        return outcome
    }

    /// Starts the armed session. A plan whose peak force exceeds the
    /// confirmation threshold, or whose first-session cap lowered what the
    /// program asked for, starts only with `confirmed` (H12).
    public mutating func start(confirmed: Bool, by operatorIdentity: String, at now: MonotonicInstant,
                               into log: inout EngineEventLog) -> OperatorOutcome {
        // Another client's session already running is not "nothing armed":
        // saying so would send a clinician to arm a second session.
        guard let armed = armedSession else { return .refused(planner != nil ? .sessionInProgress : .noSessionArmed) }
        if armed.plan.requiresConfirmation && !confirmed {
            if armed.plan.peakForce > armed.plan.confirmationThreshold {
                return .refused(.confirmationRequired(peak: armed.plan.peakForce,
                                                      threshold: armed.plan.confirmationThreshold))
            }
            return .refused(.firstSessionConfirmationRequired(programmed: armed.plan.programmedPeakForce,
                                                              cap: armed.plan.effectiveLimit.force))
        }
        return send(.start, by: operatorIdentity, at: now, into: &log)
    }

    public mutating func pause(by operatorIdentity: String, at now: MonotonicInstant,
                               into log: inout EngineEventLog) -> OperatorOutcome {
        send(.pause, by: operatorIdentity, at: now, into: &log)
    }

    public mutating func resume(by operatorIdentity: String, at now: MonotonicInstant,
                                into log: inout EngineEventLog) -> OperatorOutcome {
        send(.resume, by: operatorIdentity, at: now, into: &log)
    }

    /// Stop is never refused (SAFETY.md): where nothing runs it is recorded.
    public mutating func stop(by operatorIdentity: String, at now: MonotonicInstant,
                              into log: inout EngineEventLog) -> OperatorOutcome {
        send(.stop, by: operatorIdentity, at: now, into: &log)
    }

    /// Sets the hold force of the running (or armed) session, within its limit.
    public mutating func adjust(holdForce: Newtons, by operatorIdentity: String, at now: MonotonicInstant,
                                into log: inout EngineEventLog) -> OperatorOutcome {
        guard holdForce.isFinite, holdForce > .zero else { return .refused(.invalidForce(holdForce)) }
        let outcome = send(.adjust, by: operatorIdentity, at: now, into: &log)
        guard outcome.isAccepted else { return outcome }
        if planner != nil {
            let result = planner!.apply(OperatorEvent(at: now, .adjustHoldForce(holdForce)))
            let granted: Newtons
            switch result {
            case .applied: granted = holdForce
            case .clampedToLimit(let limited): granted = limited
            case .ignored(.invalidForce): return .refused(.invalidForce(holdForce))
            case .ignored: return .refused(.finalReleaseUnderWay)
            }
            log.append(.holdForceAdjusted(requested: holdForce, granted: granted, by: operatorIdentity, at: now))
        } else if armedSession != nil {
            let granted = min(holdForce, armedSession!.plan.highestTarget)
            armedSession!.pendingHoldForce = granted
            log.append(.holdForceAdjusted(requested: holdForce, granted: granted, by: operatorIdentity, at: now))
        }
        return outcome
    }

    /// Acknowledges every active alarm (an alarm whose condition is still
    /// present stays active: acknowledging never hides it).
    public mutating func acknowledge(by operatorIdentity: String, at now: MonotonicInstant,
                                     into log: inout EngineEventLog) -> OperatorOutcome {
        send(.acknowledge, by: operatorIdentity, at: now, into: &log)
    }

    /// Acknowledges the one alarm `code`. Refused with `alarmNotActive` when
    /// that alarm is not active; an alarm whose condition is still present
    /// stays active after it.
    public mutating func acknowledge(code: AlarmCode, by operatorIdentity: String, at now: MonotonicInstant,
                                     into log: inout EngineEventLog) -> OperatorOutcome {
        guard kernel.alarms[code].active else { return .refused(.alarmNotActive(code)) }
        kernel.acknowledge(code, by: operatorIdentity, at: now, into: &log.safety)
        react(to: &log, at: now)
        return .accepted
    }

    /// Leaves fault or emergency once every condition is clear; the self-test runs again.
    public mutating func reset(by operatorIdentity: String, at now: MonotonicInstant,
                               into log: inout EngineEventLog) -> OperatorOutcome {
        send(.reset, by: operatorIdentity, at: now, into: &log)
    }

    /// Hands the command to the kernel and reads its verdict from the events.
    private mutating func send(_ command: TractionSafety.OperatorCommand, by operatorIdentity: String,
                               at now: MonotonicInstant, into log: inout EngineEventLog) -> OperatorOutcome {
        kernel.command(command, by: operatorIdentity, at: now, into: &log.safety)
        var refusal: RefusalReason?
        for event in log.safety.events {
            if case .refused(_, _, let reason, let identity, _) = event, identity == operatorIdentity {
                refusal = reason
            }
        }
        react(to: &log, at: now)
        guard let refusal else { return .accepted }
        switch refusal {
        case .notAllowedInState: return .refused(.notAllowedInState(kernel.state))
        case .conditionPresent: return .refused(.conditionsPresent(kernel.alarms.presentConditions.codes))
        case .latchedAlarmActive: return .refused(.latchedAlarmsActive(kernel.alarms.activeLatched.codes))
        case .nothingToReset: return .refused(.nothingToReset)
        }
    }
}
