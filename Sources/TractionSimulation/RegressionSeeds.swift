/// Seeds the simulator once failed on, each named for what it found. The
/// tests run every one (Tests/TractionSimulationTests); a seed that fails
/// again is a regression.
public enum RegressionSeeds {
    public struct Seed: Sendable {
        public var name: String
        public var seed: UInt64
        /// A shrunk scenario's kept events and duration, when the regression is the shrunk one.
        public var keep: [Int]?
        public var duration: Double?
        public var note: String

        public var scenario: Scenario { Simulation.scenario(seed: seed, keep: keep, duration: duration) }
    }

    /// Found, fixed, and kept passing.
    public static let fixed: [Seed] = []

    /// Found and not yet fixed: the batch reports them apart and does not
    /// count them as new failures; each names what is wrong. The tests
    /// expect them to fail still, so a fix moves them to `fixed`.
    public static let knownFailing: [Seed] = []

    public static func isKnownFailing(_ seed: UInt64) -> Bool { knownFailing.contains { $0.seed == seed && $0.keep == nil } }
}
