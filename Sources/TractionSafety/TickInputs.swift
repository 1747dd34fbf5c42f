import TractionDevice

/// What the engine tells the kernel about the tick besides telemetry. None
/// of it can lift an absolute limit: the session limit is itself capped by
/// the hard cap of the region, and the articulation flag only permits angle
/// moves that the validated program (hazard H12) declares, within each
/// axis's range and speed.
public struct TickContext: Sendable, Hashable {
    /// The force limit of the running session (program and patient limits
    /// combined); nil outside a session, when the idle limit applies.
    public var sessionForceLimit: Newtons?
    /// The region being treated; selects the hard cap.
    public var region: TreatmentRegion
    /// Targets of the angle axes this tick, for the following-error check;
    /// nil when no axis is being positioned.
    public var angleTargets: Angles?
    /// The program asks to change angles with tension held constant this
    /// tick (SAFETY.md H9); angle moves are then allowed above the
    /// non-therapeutic force and do not count as moved under tension.
    public var articulationDeclared: Bool
    /// The previous tick missed its deadline (H11).
    public var deadlineMissed: Bool

    public init(sessionForceLimit: Newtons? = nil, region: TreatmentRegion = .lumbar, angleTargets: Angles? = nil,
                articulationDeclared: Bool = false, deadlineMissed: Bool = false) {
        self.sessionForceLimit = sessionForceLimit
        self.region = region
        self.angleTargets = angleTargets
        self.articulationDeclared = articulationDeclared
        self.deadlineMissed = deadlineMissed
    }
}

/// What the controller asks for, before the kernel clamps it.
public struct DriveDemand: Sendable, Hashable {
    /// The controller's command. Its force ceiling counts as a commanded force (H2).
    public var command: DriveCommand
    /// The force the planner is steering to this tick (H2: a commanded force
    /// above the hard cap is an emergency, whatever was measured).
    public var targetForce: Newtons

    public init(command: DriveCommand, targetForce: Newtons = .zero) {
        self.command = command
        self.targetForce = targetForce
    }
}
