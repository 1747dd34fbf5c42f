import TractionDevice

/// The figures of one replay. Field names are the JSON names documented in
/// docs/replay.md; times are seconds since the session started unless a
/// name says otherwise.
public struct ReplayReport: Sendable, Codable, Hashable {
    public struct Phase: Sendable, Codable, Hashable {
        /// 1-based phase number in the program; 0 is the final release.
        public var phase: Int
        public var name: String
        public var mode: String
        public var startSeconds: Double
        public var endSeconds: Double
        /// The highest hold target of the phase (after limits and adjustments).
        public var targetHoldNewtons: Double?
        /// Mean measured force over the phase's holds.
        public var achievedHoldNewtons: Double?
        /// RMS of measured minus target over the holds, disturbances included.
        public var holdRmsErrorNewtons: Double?
        public var holdRmsErrorPercent: Double?
        /// Largest measured force above the hold target from each ramp's
        /// start to 10 s into its hold, outside patient disturbances.
        public var overshootNewtons: Double?
        public var overshootPercent: Double?
        /// From each ramp's start until the force first reaches 98 % of the
        /// hold target; the first and the slowest cycle.
        public var timeToHoldFirstSeconds: Double?
        public var timeToHoldWorstSeconds: Double?
        /// Measured angles at the end of the phase.
        public var flexionDegrees: Double
        public var lateralTiltDegrees: Double
        public var rotationDegrees: Double
        /// The tracking goals (RMS <= 1 %, overshoot <= 2 % or <= 5 N) hold.
        public var meetsTrackingGoals: Bool?
    }

    public struct Alarm: Sendable, Codable, Hashable {
        public var code: String
        public var priority: String
        public var raisedSeconds: Double
        public var endedSeconds: Double?
    }

    /// An operator action the replay played, and what the engine made of it.
    public struct Action: Sendable, Codable, Hashable {
        public var atSeconds: Double
        /// `pause`, `resume`, `stop`, `ack`, `reset` or `adjust=150N`.
        public var action: String
        /// `accepted`, or the refusal's code and reason.
        public var outcome: String
        /// The measured force (the larger channel) and the true cable force
        /// at the instant of the action.
        public var measuredForceNewtons: Double
        public var trueForceNewtons: Double
    }

    public var program: String
    public var region: String
    public var weightKilograms: Double
    public var seed: UInt64
    public var rateHertz: Double
    /// Always true: a replay is a simulation, never a treatment (H15).
    public var simulated: Bool
    public var effectiveLimitNewtons: Double
    public var limitSource: String
    public var confirmationRequired: Bool
    public var plannedDurationSeconds: Double
    /// From the start command until the session ended.
    public var sessionDurationSeconds: Double
    public var sessionEnd: String
    public var finalState: String
    /// The highest measured force (the larger of the two force channels).
    public var peakForceNewtons: Double
    /// The highest true cable force of the simulated table from the start
    /// on: what the patient felt, which a sensor fault can hide from the
    /// measured figure. Only a simulation knows it.
    public var truePeakForceNewtons: Double
    public var finalForceNewtons: Double
    public var phases: [Phase]
    public var alarms: [Alarm]
    public var faults: [String]
    public var actions: [Action]
    public var ticks: Int

    /// Every phase with holds meets the tracking goals.
    public var meetsTrackingGoals: Bool { phases.allSatisfy { $0.meetsTrackingGoals ?? true } }
}

/// A replay's report together with what the chart needs.
public struct ReplayResult: Sendable {
    public var report: ReplayReport
    public var chart: ForceChartData
}
