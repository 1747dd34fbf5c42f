/// Side effects a transition asks for. The kernel performs the ones that are
/// its own (alarms, drive latch); the engine performs the rest (session).
public struct InterlockActions: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The engine starts the planner of the prepared session.
    public static let startSession = InterlockActions(rawValue: 1 << 0)
    /// The session ends (completed or interrupted); the engine records why.
    public static let endSession = InterlockActions(rawValue: 1 << 1)
    /// The planner freezes its targets at the present force.
    public static let holdTension = InterlockActions(rawValue: 1 << 2)
    // Bits 3, 4 and 5 were `applyAdjustment`, `releaseNormal` and
    // `releaseEmergency`. No code read them: the engine applies an adjustment
    // when the kernel accepts `adjust` (`Engine.adjust`), and the release
    // follows the state entered (`InterlockState.policy`). They were removed;
    // the bits stay unused so that the other actions keep their values in the
    // Promela model and in anything already recorded.
    /// The drive is cut now and stays cut until a reset.
    public static let disableDrive = InterlockActions(rawValue: 1 << 6)
    /// Every active alarm is acknowledged by the operator who sent the event.
    public static let acknowledgeAlarms = InterlockActions(rawValue: 1 << 7)
    /// The engine runs the self-test.
    public static let runSelfTest = InterlockActions(rawValue: 1 << 8)
    /// The drive latch set by `disableDrive` or slack is cleared (reset only).
    public static let rearmDrive = InterlockActions(rawValue: 1 << 9)

    /// Every action with its name, in a fixed order.
    public static let named: [(action: InterlockActions, name: String)] = [
        (.startSession, "startSession"), (.endSession, "endSession"), (.holdTension, "holdTension"),
        (.disableDrive, "disableDrive"),
        (.acknowledgeAlarms, "acknowledgeAlarms"), (.runSelfTest, "runSelfTest"), (.rearmDrive, "rearmDrive"),
    ]

    /// Names of the actions in the set, in a fixed order, for records and diagrams.
    public var names: [String] {
        Self.named.filter { contains($0.action) }.map(\.name)
    }
}

/// A precondition a transition checks against the kernel's alarm state.
public enum TransitionGuard: UInt8, Sendable, Hashable, Codable, CaseIterable {
    /// Always passes.
    case none = 0
    /// No alarm condition is present (reset out of fault or emergency).
    case noConditionPresent = 1
    /// No condition is present and no latched alarm is active: the patient is
    /// secured, the link is healthy and every high alarm was acknowledged
    /// (arm, start, resume: anything that leads towards tension).
    case clearToTreat = 2
}

/// Why an event was not applied. Recorded with the event, never dropped.
public enum RefusalReason: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The event has no meaning in the current state (e.g. `start` while offline).
    case notAllowedInState = 1
    /// An alarm condition is still present.
    case conditionPresent = 2
    /// A latched alarm is still active (not acknowledged, or its condition present).
    case latchedAlarmActive = 3
    /// `reset` outside fault or emergency: there is nothing to reset.
    case nothingToReset = 4

    public var description: String {
        switch self {
        case .notAllowedInState: "not allowed in this state"
        case .conditionPresent: "an alarm condition is still present"
        case .latchedAlarmActive: "a latched alarm is still active; acknowledge it first"
        case .nothingToReset: "nothing to reset"
        }
    }
}

/// The defined outcome of one (state, event) pair.
public enum TransitionOutcome: Sendable, Hashable {
    /// Go to `target` (possibly the same state) with `actions`, provided the
    /// guard holds; when it does not, the event is refused with the guard's reason.
    case accept(target: InterlockState, actions: InterlockActions, guard: TransitionGuard)
    /// The event is refused and the refusal recorded.
    case refuse(RefusalReason)

    public var isAccepted: Bool {
        if case .accept = self { true } else { false }
    }
}
