/// The interlock's transition table: for every (state, event) pair, the one
/// defined outcome. SAFETY.md asks for `(state, event) -> (state, actions)` as
/// a pure function small enough to read in one sitting; this is it.
///
/// The table is written as rules below, one line per (event, source states)
/// group. Every pair no rule names is refused with `notAllowedInState` (or
/// `nothingToReset` for `reset`), and that refusal is recorded by the kernel,
/// so no event is ever ignored silently. The rules are compiled once into a
/// flat array, so a lookup on the control path is one index and no allocation.
///
/// A rule's actions are the one-off side effects of taking it (start, hold or
/// end the session, latch or rearm the drive, acknowledge, run the self-test),
/// each read by the kernel or the engine.
/// The release is not among them: it belongs to the state entered, not to the
/// way in. `InterlockState.policy` gives releasing and fault the normal
/// release and emergency the emergency release, and `CommandEnvelope.clamp`
/// applies it on every tick for as long as the state lasts, so no rule can
/// forget it and no rule claims it.
public enum InterlockTable {
    /// One rule: `event` in any of `from` leads to `target` (nil: stay in the
    /// same state) with `actions`, when `condition` holds.
    public struct Rule: Sendable {
        public var event: InterlockEvent
        public var from: [InterlockState]
        public var target: InterlockState?
        public var actions: InterlockActions
        public var condition: TransitionGuard
    }

    private static let all = InterlockState.allCases
    private static let sessionStates: [InterlockState] = [.armed, .treating, .paused]
    private static let idleStates: [InterlockState] = [.offline, .connecting, .selfTest, .ready]

    private static func on(_ event: InterlockEvent, from: [InterlockState], to target: InterlockState? = nil,
                           _ actions: InterlockActions = [], requiring condition: TransitionGuard = .none) -> Rule {
        Rule(event: event, from: from, target: target, actions: actions, condition: condition)
    }

    /// The rules for the non-condition events, written out one by one.
    private static let commandAndLinkRules: [Rule] = [
        // Link: a table appears, shakes hands, disappears. Losing it with a
        // session in progress is a latched fault; the table's lease releases.
        on(.linkConnected, from: [.offline], to: .connecting),
        on(.linkConnected, from: [.fault, .emergency]),
        on(.handshakeDone, from: [.connecting], to: .selfTest, .runSelfTest),
        on(.handshakeDone, from: [.fault, .emergency]),
        on(.linkLost, from: [.offline, .fault, .emergency]),
        on(.linkLost, from: [.connecting, .selfTest, .ready], to: .offline),
        on(.linkLost, from: [.armed, .treating, .paused, .releasing], to: .fault, .endSession),
        on(.telemetryLost, from: [.offline, .fault, .emergency]),
        on(.telemetryLost, from: [.connecting, .selfTest, .ready], to: .offline),
        on(.telemetryLost, from: [.armed, .treating, .paused, .releasing], to: .fault, .endSession),

        on(.selfTestPassed, from: [.selfTest], to: .ready),
        on(.selfTestFailed, from: [.selfTest], to: .fault),

        // Operator commands. Everything that leads towards tension is guarded.
        on(.arm, from: [.ready], to: .armed, requiring: .clearToTreat),
        on(.start, from: [.armed], to: .treating, .startSession, requiring: .clearToTreat),
        on(.pause, from: [.treating], to: .paused, .holdTension),
        on(.resume, from: [.paused], to: .treating, requiring: .clearToTreat),
        // Accepted, no action: the engine applies the adjustment once the kernel accepts it.
        on(.adjust, from: [.armed, .treating, .paused]),
        // Stop is never refused: where nothing is running it is recorded and changes nothing.
        on(.stop, from: [.armed], to: .ready, .endSession),
        on(.stop, from: [.treating, .paused], to: .releasing, .endSession),
        on(.stop, from: [.offline, .connecting, .selfTest, .ready, .releasing, .fault, .emergency]),
        on(.acknowledge, from: all, .acknowledgeAlarms),
        on(.reset, from: [.fault, .emergency], to: .selfTest,
           [.acknowledgeAlarms, .rearmDrive, .runSelfTest], requiring: .noConditionPresent),

        // Session progress.
        on(.sessionComplete, from: [.treating], to: .releasing, .endSession),
        on(.slackReached, from: [.releasing], to: .ready),
        on(.slackReached, from: [.fault, .emergency], .disableDrive),
    ]

    /// The rules of one reaction class, applied to one detected condition.
    private static func conditionRules(_ event: InterlockEvent, _ reaction: InterlockEvent.ConditionReaction) -> [Rule] {
        let nonSession: [InterlockState] = [.offline, .connecting, .selfTest, .ready]
        switch reaction {
        case .cutDrive:
            return [
                on(event, from: nonSession + [.fault], to: .emergency, .disableDrive),
                on(event, from: sessionStates + [.releasing], to: .emergency, [.disableDrive, .endSession]),
                on(event, from: [.emergency], .disableDrive),
            ]
        case .emergencyRelease:
            return [
                on(event, from: nonSession + [.fault], to: .emergency),
                on(event, from: sessionStates + [.releasing], to: .emergency, .endSession),
                on(event, from: [.emergency]),
            ]
        case .fault:
            return [
                on(event, from: nonSession, to: .fault),
                on(event, from: sessionStates + [.releasing], to: .fault, .endSession),
                on(event, from: [.fault, .emergency]),
            ]
        case .releaseOrFault:
            return [
                on(event, from: nonSession, to: .fault),
                on(event, from: sessionStates, to: .releasing, .endSession),
                on(event, from: [.releasing, .fault, .emergency]),
            ]
        case .releaseSession:
            return [
                on(event, from: sessionStates, to: .releasing, .endSession),
                on(event, from: nonSession + [.releasing, .fault, .emergency]),
            ]
        case .holdTension:
            return [on(event, from: all)]
        }
    }

    /// Every rule of the table.
    public static let rules: [Rule] = commandAndLinkRules + InterlockEvent.allCases.flatMap { event in
        event.conditionReaction.map { conditionRules(event, $0) } ?? []
    }

    /// The outcome of a pair no rule names.
    private static func defaultOutcome(for event: InterlockEvent) -> TransitionOutcome {
        event == .reset ? .refuse(.nothingToReset) : .refuse(.notAllowedInState)
    }

    private static let compiled: (cells: [TransitionOutcome], duplicates: [String]) = {
        var cells: [TransitionOutcome?] = Array(repeating: nil, count: all.count * InterlockEvent.allCases.count)
        var duplicates: [String] = []
        for rule in rules {
            for state in rule.from {
                let index = cellIndex(state, rule.event)
                if cells[index] != nil { duplicates.append("\(state) + \(rule.event)") }
                cells[index] = .accept(target: rule.target ?? state, actions: rule.actions, guard: rule.condition)
            }
        }
        let complete = cells.enumerated().map { index, cell in
            cell ?? defaultOutcome(for: InterlockEvent(rawValue: UInt8(index % InterlockEvent.allCases.count))!)
        }
        return (complete, duplicates)
    }()

    // Stored once: `allCases` builds a new array on every call.
    private static let eventCount = InterlockEvent.allCases.count

    private static func cellIndex(_ state: InterlockState, _ event: InterlockEvent) -> Int {
        Int(state.rawValue) * eventCount + Int(event.rawValue)
    }

    /// Pairs that more than one rule names. Must be empty; a test checks it.
    public static var conflictingRules: [String] { compiled.duplicates }

    /// The defined outcome of `event` in `state`.
    public static func outcome(of event: InterlockEvent, in state: InterlockState) -> TransitionOutcome {
        compiled.cells[cellIndex(state, event)]
    }

    /// Events an operator procedure may use to bring the table back to
    /// `ready` once every condition is clear: operator commands plus the
    /// events the link, the self-test and a release produce on their own.
    public static let recoveryEvents: [InterlockEvent] = [
        .stop, .acknowledge, .reset, .linkConnected, .handshakeDone, .selfTestPassed, .slackReached,
    ]

    /// For every state, the first event of a shortest recovery path to
    /// `ready` (nil for `ready` itself, or when no path exists, which a test
    /// rules out). Guards are taken as passing: conditions are clear.
    public static let recoveryStep: [InterlockState: InterlockEvent] = {
        var step: [InterlockState: InterlockEvent] = [:]
        var reached: Set<InterlockState> = [.ready]
        var frontier: [InterlockState] = [.ready]
        while !frontier.isEmpty {
            var next: [InterlockState] = []
            for state in all where !reached.contains(state) {
                for event in recoveryEvents {
                    if case .accept(let target, _, _) = outcome(of: event, in: state),
                       target != state, frontier.contains(target) {
                        step[state] = event
                        next.append(state)
                        break
                    }
                }
            }
            reached.formUnion(next)
            frontier = next
        }
        return step
    }()
}
