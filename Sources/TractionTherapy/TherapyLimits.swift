import TractionDevice

/// The limits a program and a session are held to. They come from the daemon
/// configuration (a later issue fills them from /etc/tractiond); every field
/// has a documented safe default here so that validation and planning work
/// offline and in tests.
///
/// Contract: the planner never yields a target force above the session's
/// effective limit (the smallest cap that applies), never changes the target
/// faster than `maximumRampRate` (increase) or `maximumReleaseRate`
/// (decrease), and never moves an angle while the target is above
/// `nonTherapeuticForce` unless the phase declares articulation.
public struct TherapyLimits: Sendable, Hashable, Codable {
    /// Per-region limits.
    public struct Region: Sendable, Hashable, Codable {
        /// Hard force cap for the region; no program may ask for more.
        public var forceCap: Newtons
        /// Largest `limits.body_weight_fraction` a program may declare.
        public var maximumBodyWeightFraction: Double
        /// Cap on a patient's first session, as a fraction of body weight.
        public var firstSessionBodyWeightFraction: Double
        /// A planned peak above this fraction of body weight needs an
        /// explicit operator confirmation before the session starts (H12).
        public var confirmationBodyWeightFraction: Double

        public init(forceCap: Newtons, maximumBodyWeightFraction: Double,
                    firstSessionBodyWeightFraction: Double, confirmationBodyWeightFraction: Double) {
            self.forceCap = forceCap
            self.maximumBodyWeightFraction = maximumBodyWeightFraction
            self.firstSessionBodyWeightFraction = firstSessionBodyWeightFraction
            self.confirmationBodyWeightFraction = confirmationBodyWeightFraction
        }

        /// Lumbar: 890 N (200 lbf) is the hard cap of common lumbar tables;
        /// clinical doses stay below 60 % of body weight; a first session is
        /// held to 25 % and anything above 40 % is confirmed by the operator.
        public static let lumbarDefault = Region(
            forceCap: DefaultForceLimits.lumbarCap, maximumBodyWeightFraction: 0.60,
            firstSessionBodyWeightFraction: 0.25, confirmationBodyWeightFraction: 0.40)

        /// Cervical: 200 N (about 45 lbf) is the top of the published
        /// effective range; about 7 % of body weight is the usual starting
        /// dose, so a first session is held to 10 %, and above 15 % needs
        /// confirmation.
        public static let cervicalDefault = Region(
            forceCap: DefaultForceLimits.cervicalCap, maximumBodyWeightFraction: 0.20,
            firstSessionBodyWeightFraction: 0.10, confirmationBodyWeightFraction: 0.15)
    }

    public var lumbar: Region
    public var cervical: Region
    /// The table's own maximum force (device cap). The daemon replaces it
    /// with the value the table reports in its handshake.
    public var deviceForceCap: Newtons
    /// Steepest allowed increase of the target force. Clinical application
    /// rates are 6-17 N/s; faster than 20-30 N/s is outside practice.
    public var maximumRampRate: NewtonsPerSecond
    /// Steepest allowed decrease of the target force in a program (ramp
    /// down, final release). Emergency releases are the safety kernel's and
    /// are not bound by this.
    public var maximumReleaseRate: NewtonsPerSecond
    /// Final release rate used when a program does not give one.
    public var defaultReleaseRate: NewtonsPerSecond
    /// Ramp used when a phase gives no `ramp_up` / `ramp_down`.
    public var defaultRampRate: NewtonsPerSecond
    /// Tension at or below which angle axes may move (harness pre-tension).
    public var nonTherapeuticForce: Newtons
    /// Speed at which the planner moves an angle axis.
    public var angleMoveRate: DegreesPerSecond
    /// Allowed program angle per axis.
    public var flexionRange: ClosedRange<Degrees>
    public var lateralTiltRange: ClosedRange<Degrees>
    public var rotationRange: ClosedRange<Degrees>
    /// Longest session, planned moves and final release included.
    public var maximumSessionDuration: Seconds
    /// Plausible patient body weights; outside it the planner refuses.
    public var patientWeightRange: ClosedRange<Kilograms>
    /// The planner never targets a force closer to the session's effective
    /// limit than this share of it (or `limitApproachMinimum`, whichever is
    /// larger): a hold the limit has capped sits just below it, so the
    /// controller's overshoot and the load cell's noise stay under the
    /// limit (docs/safety.md, H1: the effective limit is never exceeded).
    public var limitApproachFraction: Double
    /// The smallest distance between a planned force and the effective limit.
    public var limitApproachMinimum: Newtons
    /// The force ceiling sent to the table sits below the session's
    /// effective limit by this share of it (or `tableCeilingMarginMinimum`,
    /// whichever is larger). The table's own force limiter holds the force
    /// at its ceiling when the patient coughs or tenses (docs/wire-protocol.md
    /// section 10.2); the margin absorbs how far the force passes the ceiling
    /// before the limiter catches it, so that the patient never feels more
    /// than the effective limit (docs/safety.md, H1). It is smaller than the
    /// approach margin, so that the limiter never touches a steady hold.
    public var tableCeilingMarginFraction: Double
    public var tableCeilingMarginMinimum: Newtons

    public init(
        lumbar: Region = .lumbarDefault,
        cervical: Region = .cervicalDefault,
        deviceForceCap: Newtons = DefaultForceLimits.deviceCap,
        maximumRampRate: NewtonsPerSecond = 20,
        maximumReleaseRate: NewtonsPerSecond = 50,
        defaultReleaseRate: NewtonsPerSecond = 20,
        defaultRampRate: NewtonsPerSecond = 10,
        nonTherapeuticForce: Newtons = DefaultForceLimits.nonTherapeuticForce,
        angleMoveRate: DegreesPerSecond = 2,
        flexionRange: ClosedRange<Degrees> = Degrees(0)...Degrees(35),
        lateralTiltRange: ClosedRange<Degrees> = Degrees(-20)...Degrees(20),
        rotationRange: ClosedRange<Degrees> = Degrees(-15)...Degrees(15),
        maximumSessionDuration: Seconds = 3600,
        patientWeightRange: ClosedRange<Kilograms> = Kilograms(30)...Kilograms(200),
        limitApproachFraction: Double = 0.025,
        limitApproachMinimum: Newtons = 3.5,
        tableCeilingMarginFraction: Double = 0.015,
        tableCeilingMarginMinimum: Newtons = 2
    ) {
        self.lumbar = lumbar
        self.cervical = cervical
        self.deviceForceCap = deviceForceCap
        self.maximumRampRate = maximumRampRate
        self.maximumReleaseRate = maximumReleaseRate
        self.defaultReleaseRate = defaultReleaseRate
        self.defaultRampRate = defaultRampRate
        self.nonTherapeuticForce = nonTherapeuticForce
        self.angleMoveRate = angleMoveRate
        self.flexionRange = flexionRange
        self.lateralTiltRange = lateralTiltRange
        self.rotationRange = rotationRange
        self.maximumSessionDuration = maximumSessionDuration
        self.patientWeightRange = patientWeightRange
        self.limitApproachFraction = limitApproachFraction
        self.limitApproachMinimum = limitApproachMinimum
        self.tableCeilingMarginFraction = tableCeilingMarginFraction
        self.tableCeilingMarginMinimum = tableCeilingMarginMinimum
    }

    /// The highest force the planner targets in a session whose effective
    /// limit is `limit`: below it by `limitApproachFraction` of it, at least
    /// `limitApproachMinimum`.
    public func highestTarget(underLimit limit: Newtons) -> Newtons {
        max(.zero, limit - max(limit * limitApproachFraction, limitApproachMinimum))
    }

    /// The force ceiling to send the table in a session whose effective
    /// limit is `limit`.
    public func tableCeiling(forLimit limit: Newtons) -> Newtons {
        max(.zero, limit - max(limit * tableCeilingMarginFraction, tableCeilingMarginMinimum))
    }

    /// The documented safe defaults.
    public static let standard = TherapyLimits()

    public func region(_ region: TreatmentRegion) -> Region {
        switch region {
        case .lumbar: lumbar
        case .cervical: cervical
        }
    }

    public func range(of axis: AngleAxis) -> ClosedRange<Degrees> {
        switch axis {
        case .flexion: flexionRange
        case .lateralTilt: lateralTiltRange
        case .rotation: rotationRange
        }
    }

    /// The force angles move at when a phase does not say: 80 % of the
    /// non-therapeutic force. At the threshold itself, load-cell noise and
    /// the controller's tracking error put the measured force above it half
    /// the time, and the safety kernel then (rightly) stops the move.
    public var defaultAngleMoveForce: Newtons { nonTherapeuticForce * Self.angleMoveForceShare }
    public static let angleMoveForceShare = 0.8

    /// Narrows one axis's allowed range (to what a table can reach).
    public mutating func setRange(_ range: ClosedRange<Degrees>, of axis: AngleAxis) {
        switch axis {
        case .flexion: flexionRange = range
        case .lateralTilt: lateralTiltRange = range
        case .rotation: rotationRange = range
        }
    }
}
