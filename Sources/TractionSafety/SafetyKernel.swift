import TractionDevice

/// Operator commands. Each arrives with the identity of the person who sent it.
public enum OperatorCommand: Sendable, Hashable, CaseIterable {
    case arm, start, pause, resume, adjust, stop, acknowledge, reset

    var event: InterlockEvent {
        switch self {
        case .arm: .arm
        case .start: .start
        case .pause: .pause
        case .resume: .resume
        case .adjust: .adjust
        case .stop: .stop
        case .acknowledge: .acknowledge
        case .reset: .reset
        }
    }
}

/// What the link layer reports about the connection to the table.
public enum LinkEvent: Sendable, Hashable, CaseIterable {
    case connected, handshakeDone, lost
}

/// The safety kernel: the interlock state machine, the detection of
/// hazardous conditions, the alarm table and the command envelope.
///
/// Pure and deterministic: no I/O, no clock, no threads; every instant is
/// passed in. The engine calls, once per tick, `observe` (safety first) and
/// `clamp` (safety last); operator commands, link events and self-test and
/// session results come in through their own methods between ticks or
/// within one. Every call appends what happened to the caller's
/// `SafetyEventLog`; a tick without news appends nothing and allocates nothing.
public struct SafetyKernel: Sendable {
    public let configuration: SafetyConfiguration
    public private(set) var state: InterlockState = .offline
    public private(set) var alarms = AlarmTable()
    /// The drive was cut (e-stop, or slack reached in fault or emergency)
    /// and stays cut until a reset.
    public private(set) var driveLatchedOff = false
    /// The handshake is done and the link has not been lost since.
    public private(set) var linkUp = false

    private var detector: ConditionDetector
    private var linkUpAt = MonotonicInstant.origin
    /// The link was lost and has not yet delivered fresh telemetry again.
    private var linkLossPending = false
    private var commandedOverHardCap = false
    private var context = TickContext()
    private var freshSample: Telemetry?
    private var previousCeiling: Newtons = .zero
    /// The last command asked the table to release (a release profile with
    /// the drive on): the release H19 supervises.
    private var releaseCommanded = false
    /// The force a pause holds: the measured force when the session was
    /// paused, never above the ceiling then in force. While `paused`, the
    /// envelope lets the table restore tension lost to the patient's creep up
    /// to this force, never above it; nil outside `paused`.
    public private(set) var pausedHoldForce: Newtons?
    /// The last `clamp` let the force ceiling rise and the table pull (a
    /// state that allows it, nothing blocking, a fresh sample below the
    /// level). The engine re-anchors its setpoint at the measured force
    /// whenever this is false, so tension held back by the kernel comes
    /// back at the program's ramp rate, not in a step.
    public private(set) var tensionMayRise = false

    /// The order in which rising conditions are applied within one tick:
    /// the most severe reaction first, so that a lesser one arriving in the
    /// same tick cannot delay it. An order, not a property of one alarm, so
    /// it stays a list here; `apply` sets only the codes it names, and a test
    /// checks that it names every lasting condition exactly once.
    static let severityOrder: [AlarmCode] = [
        .emergencyStop, .patientRelease, .forceOverHardCap, .releaseNotProgressing, .linkLost, .forceSensorOutOfRange,
        .forceSensorStuck, .forceSensorImplausible, .patientSwitchFault, .driveFault, .controlLoopFailure,
        .forceOverLimit, .harnessOpen, .angleOutOfRange, .angleMovedUnderTension, .angleFollowingError,
        .forceRateHigh, .telemetryStale, .controlLoopOverrun,
    ]

    public init(configuration: SafetyConfiguration = SafetyConfiguration()) {
        self.configuration = configuration
        detector = ConditionDetector(configuration: configuration)
    }

    // MARK: Safety first

    /// Evaluates the newest telemetry and the tick's context at `now`,
    /// raises and clears alarms and applies the events they cause.
    public mutating func observe(_ telemetry: Telemetry?, context: TickContext, at now: MonotonicInstant,
                                 into events: inout SafetyEventLog) {
        self.context = context
        var present = alarms.presentConditions

        let overruns = detector.countOverrun(missed: context.deadlineMissed, at: now)
        present.set(.controlLoopOverrun, present: overruns.budget)
        present.set(.controlLoopFailure, present: overruns.hardBudget)

        freshSample = nil
        if linkUp {
            let age = ConditionDetector.telemetryAge(telemetry, linkUpAt: linkUpAt, now: now)
            let lost = detector.isLost(age: age)
            present.set(.telemetryStale, present: detector.isStale(age: age) && !lost)
            // A sample from before the latest handshake is history, never fresh.
            if let telemetry, telemetry.receivedAt >= linkUpAt, !detector.isStale(age: now - telemetry.receivedAt) {
                freshSample = telemetry
                if detector.isNew(telemetry) {
                    detector.evaluate(telemetry, context: context, releaseCommanded: releaseCommanded, at: now)
                }
                linkLossPending = false
            }
            present.set(.linkLost, present: lost || linkLossPending)
            let sampleCodes = detector.sampleConditions
            for code in Self.sampleCodes {
                present.set(code, present: sampleCodes.contains(code))
            }
        } else {
            present.set(.telemetryStale, present: false)
            present.set(.linkLost, present: linkLossPending)
        }
        present.set(.forceOverHardCap, present: detector.measuredOverHardCap || commandedOverHardCap)
        apply(present, at: now, events: &events)

        if let sample = freshSample, sample.measuredForce <= configuration.slackForce,
           state == .releasing || (state.isLatched && !driveLatchedOff) {
            dispatch(.slackReached, by: nil, at: now, events: &events)
        }
    }

    // MARK: Safety last

    /// Clamps the controller's demand to the envelope of the current state.
    /// A commanded force above the hard cap is itself an emergency (H2), and
    /// its release applies to the command returned from this same call.
    public mutating func clamp(_ demand: DriveDemand, at now: MonotonicInstant,
                               into events: inout SafetyEventLog) -> DriveCommand {
        let cap = configuration.hardCap(for: context.region)
        commandedOverHardCap = !(demand.command.forceCeiling <= cap) || !(demand.targetForce <= cap)
        var present = alarms.presentConditions
        present.set(.forceOverHardCap, present: detector.measuredOverHardCap || commandedOverHardCap)
        apply(present, at: now, events: &events)

        let inputs = EnvelopeInputs(
            policy: state.policy,
            driveLatchedOff: driveLatchedOff,
            alarmBlocks: alarmsBlockTensionIncrease,
            sample: freshSample,
            forceMaximum: min(context.sessionForceLimit ?? configuration.idleForceLimit, cap),
            previousCeiling: previousCeiling,
            pausedHoldForce: state == .paused ? pausedHoldForce : nil,
            articulationDeclared: context.articulationDeclared)
        let clamped = CommandEnvelope.clamp(demand.command, inputs, configuration: configuration)
        previousCeiling = clamped.command.forceCeiling
        tensionMayRise = clamped.tensionMayRise
        releaseCommanded = clamped.command.releaseProfile != .none && clamped.command.driveEnabled
        return clamped.command
    }

    /// True while any condition is present or any latched alarm is active.
    public var alarmsBlockTensionIncrease: Bool {
        !alarms.presentConditions.isEmpty || !alarms.activeLatched.isEmpty
    }

    // MARK: Events from outside

    /// Applies an operator command sent by `operatorIdentity`.
    public mutating func command(_ command: OperatorCommand, by operatorIdentity: String,
                                 at now: MonotonicInstant, into events: inout SafetyEventLog) {
        dispatch(command.event, by: operatorIdentity, at: now, events: &events)
    }

    /// Acknowledges the one alarm `code` (the `acknowledge` event of the
    /// transition table, with its action narrowed to that alarm). An
    /// inactive alarm is left alone; the caller refuses that beforehand.
    public mutating func acknowledge(_ code: AlarmCode, by operatorIdentity: String, at now: MonotonicInstant,
                                     into events: inout SafetyEventLog) {
        dispatch(.acknowledge, by: operatorIdentity, acknowledging: code, at: now, events: &events)
    }

    /// Applies what the link layer reports.
    public mutating func link(_ linkEvent: LinkEvent, at now: MonotonicInstant, into events: inout SafetyEventLog) {
        switch linkEvent {
        case .connected:
            dispatch(.linkConnected, by: nil, at: now, events: &events)
        case .handshakeDone:
            if dispatch(.handshakeDone, by: nil, at: now, events: &events) {
                linkUp = true
                linkUpAt = now
            }
        case .lost:
            if linkUp { linkLossPending = true }
            linkUp = false
            freshSample = nil
            alarms.setCondition(.linkLost, present: linkLossPending, at: now, events: &events)
            dispatch(.linkLost, by: nil, at: now, events: &events)
        }
    }

    /// Applies the result of the self-test the engine ran after `runSelfTest`.
    public mutating func selfTest(passed: Bool, at now: MonotonicInstant, into events: inout SafetyEventLog) {
        if passed {
            dispatch(.selfTestPassed, by: nil, at: now, events: &events)
            return
        }
        let wasRunning = state == .selfTest
        dispatch(.selfTestFailed, by: nil, at: now, events: &events)
        if wasRunning {
            // A failed self-test is an event, not a lasting condition: the
            // alarm latches until acknowledged, and reset re-runs the test.
            alarms.setCondition(.selfTestFailed, present: true, at: now, events: &events)
            alarms.setCondition(.selfTestFailed, present: false, at: now, events: &events)
        }
    }

    /// The planner finished the program.
    public mutating func sessionComplete(at now: MonotonicInstant, into events: inout SafetyEventLog) {
        dispatch(.sessionComplete, by: nil, at: now, events: &events)
    }

    // MARK: The state machine

    /// Looks the event up in the table, checks the guard, moves and acts.
    /// Returns whether the event was applied; a refusal is recorded.
    @discardableResult
    private mutating func dispatch(_ event: InterlockEvent, by operatorIdentity: String?,
                                   acknowledging onlyCode: AlarmCode? = nil,
                                   at now: MonotonicInstant, events: inout SafetyEventLog) -> Bool {
        switch InterlockTable.outcome(of: event, in: state) {
        case .refuse(let reason):
            events.append(.refused(event, state: state, reason: reason, operatorIdentity: operatorIdentity, at: now))
            return false
        case .accept(let target, let actions, let transitionGuard):
            if let reason = refusal(by: transitionGuard) {
                events.append(.refused(event, state: state, reason: reason, operatorIdentity: operatorIdentity, at: now))
                return false
            }
            let from = state
            state = target
            events.append(.transition(from: from, to: target, cause: event, actions: actions,
                                      operatorIdentity: operatorIdentity, at: now))
            if actions.contains(.holdTension) {
                let measured = freshSample?.measuredForce ?? previousCeiling
                pausedHoldForce = max(.zero, min(previousCeiling, measured.isFinite ? measured : .zero))
            } else if target != .paused {
                pausedHoldForce = nil
            }
            if actions.contains(.disableDrive) { driveLatchedOff = true }
            if actions.contains(.rearmDrive) { driveLatchedOff = false }
            if actions.contains(.acknowledgeAlarms) {
                if let onlyCode {
                    alarms.acknowledge(onlyCode, by: operatorIdentity ?? "interlock", at: now, events: &events)
                } else {
                    alarms.acknowledgeAll(by: operatorIdentity ?? "interlock", at: now, events: &events)
                }
            }
            return true
        }
    }

    private func refusal(by transitionGuard: TransitionGuard) -> RefusalReason? {
        switch transitionGuard {
        case .none:
            return nil
        case .noConditionPresent:
            return alarms.presentConditions.isEmpty ? nil : .conditionPresent
        case .clearToTreat:
            if !alarms.presentConditions.isEmpty { return .conditionPresent }
            return alarms.activeLatched.isEmpty ? nil : .latchedAlarmActive
        }
    }

    /// Records every change of condition and sends each rising edge through
    /// the table, most severe first.
    private mutating func apply(_ present: AlarmConditions, at now: MonotonicInstant, events: inout SafetyEventLog) {
        guard present != alarms.presentConditions else { return }
        for code in Self.severityOrder {
            if alarms.setCondition(code, present: present.contains(code), at: now, events: &events) {
                dispatch(code.risingEdgeEvent, by: nil, at: now, events: &events)
            }
        }
    }

    /// Codes judged from telemetry samples alone. A stored array: `allCases`
    /// builds a new array on every call, which the tick must not do.
    private static let sampleCodes = AlarmCode.allCases.filter { $0.evidence == .sample }
}
