/// The force figures both the safety kernel (`SafetyConfiguration`) and the
/// planner (`TherapyLimits`) start from, written once. A fresh installation
/// runs with them; the daemon's configuration file overrides them
/// (docs/configuration.md), and the table's handshake lowers the device cap
/// to what the table itself allows.
public enum DefaultForceLimits {
    /// The table's absolute maximum force (SAFETY.md H2: about 900 N).
    public static let deviceCap: Newtons = 900
    /// Lumbar therapy cap: 890 N (200 lbf), the hard cap of common lumbar tables.
    public static let lumbarCap: Newtons = 890
    /// Cervical therapy cap: 200 N (about 45 lbf), the top of the published
    /// effective range.
    public static let cervicalCap: Newtons = 200
    /// Angles move only at or below this tension (the harness pre-tension),
    /// and outside a session no more is expected (H1, H9).
    public static let nonTherapeuticForce: Newtons = 50
    /// The most tension a table may still call slack (docs/wire-protocol.md
    /// section 10.2): it stops paying out and brakes at or below this. The
    /// host's own slack force must lie above it, or the host's releases
    /// would wait for a force the table never pays out to.
    public static let tableSlackBound: Newtons = 5
}
