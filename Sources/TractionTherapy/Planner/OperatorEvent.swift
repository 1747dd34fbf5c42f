import TractionDevice

/// What an operator can do to a running session.
public enum OperatorCommand: Sendable, Hashable, Codable {
    /// Hold the current force and angles; stop the treatment clock.
    case pause
    /// Continue from where the pause stopped.
    case resume
    /// Make this the hold force of the current cycle; every later hold (and
    /// every rest given as a percentage) scales by the same ratio. Clamped
    /// to the plan's highest target, just below the effective limit. A running hold or rest ramps to its new level
    /// and then restarts its full time.
    case adjustHoldForce(Newtons)
    /// Start the final release now.
    case stop
}

/// A command with the instant it was given.
public struct OperatorEvent: Sendable, Hashable, Codable {
    public var instant: MonotonicInstant
    public var command: OperatorCommand

    public init(at instant: MonotonicInstant, _ command: OperatorCommand) {
        self.instant = instant
        self.command = command
    }
}

/// What the planner did with a command.
public enum OperatorEventOutcome: Sendable, Hashable {
    case applied
    /// An adjustment above the plan's highest target, applied at it.
    case clampedToLimit(Newtons)
    case ignored(IgnoredReason)

    public enum IgnoredReason: String, Sendable, Hashable, Codable {
        case alreadyPaused = "already_paused"
        case notPaused = "not_paused"
        /// The final release is under way; it is never paused or raised.
        case releasing
        case finished
        /// A hold force that is not a positive finite number.
        case invalidForce = "invalid_force"
    }
}

/// The planner's targets for one instant.
public struct PlannerOutput: Sendable, Hashable {
    public var targetForce: Newtons
    public var targetAngles: Angles
    public var activity: TherapyActivity
    /// 0-based phase index; -1 during the final release and after it.
    public var phaseIndex: Int
    /// 1-based step and cycle within the phase (0 outside cycles).
    public var step: Int
    public var cycle: Int
    /// Treatment time still to play (pauses excluded, as the clock stops).
    public var timeLeft: Seconds
    /// Treatment time played so far (pauses excluded).
    public var treatmentElapsed: Seconds
    /// Angles may move under tension now because the phase declared it.
    public var articulating: Bool
    /// An angle move is under way (also while paused in one).
    public var movingAngles: Bool
    public var effectiveLimit: Newtons
    public var limitSource: LimitSource
    /// The operator's hold scale (1 until an adjustment).
    public var holdScale: Double
    /// The fastest the force may climb back to the target after tension was
    /// held back (a pause, stale readings, an alarm that held tension): the
    /// current phase's ramp-up rate, within the therapy maximum.
    public var recoveryRate: NewtonsPerSecond
    public var isFinished: Bool
}
