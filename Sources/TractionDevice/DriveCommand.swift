/// How the table must release tension when the host asks for a release, or
/// when it releases on its own after a lease expires.
public enum ReleaseProfile: UInt8, Sendable, Hashable, Codable, CaseIterable {
    /// No release requested: the velocity demand applies.
    case none = 0
    /// Controlled release at the normal release rate.
    case normal = 1
    /// Release at the emergency rate (patient switch, hard cap, e-stop path).
    case emergency = 2
}

/// What the host asks the table to do until the next command or until the
/// lease runs out, whichever comes first.
///
/// The host closes the force loop: it commands the traction axis velocity. The
/// table enforces `forceCeiling` and the lease on its own, so a host that dies
/// or lies cannot hold tension beyond them.
public struct DriveCommand: Sendable, Hashable, Codable {
    /// Power the drive. When false every velocity is ignored and the axes coast
    /// to a stop with the brake applied (only once slack, see SAFETY.md H2/H8).
    public var driveEnabled: Bool
    /// Traction axis velocity demand; positive pulls (increases tension).
    public var tractionVelocity: MillimetresPerSecond
    /// Angle axis velocity demands.
    public var angleVelocities: AngleRates
    /// The table must stop pulling when its load cell reads above this.
    public var forceCeiling: Newtons
    /// When not `.none` the table releases by itself at the profile's rate and
    /// ignores `tractionVelocity`.
    public var releaseProfile: ReleaseProfile
    /// How long this command stays valid at the table. When no new valid
    /// command arrives within it, the table releases at its own safe rate.
    public var lease: Seconds

    public init(
        driveEnabled: Bool = false,
        tractionVelocity: MillimetresPerSecond = .zero,
        angleVelocities: AngleRates = .zero,
        forceCeiling: Newtons = .zero,
        releaseProfile: ReleaseProfile = .none,
        lease: Seconds = DriveCommand.defaultLease
    ) {
        self.driveEnabled = driveEnabled
        self.tractionVelocity = tractionVelocity
        self.angleVelocities = angleVelocities
        self.forceCeiling = forceCeiling
        self.releaseProfile = releaseProfile
        self.lease = lease
    }

    /// The default command lease (SAFETY.md H5/H6: table lease <= 100 ms).
    public static let defaultLease: Seconds = 0.100

    /// The safe command: drive off, nothing moves.
    public static let disabled = DriveCommand()
}
