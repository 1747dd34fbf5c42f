import TractionDevice
import TractionPlant

/// The serial link between the simulated table and the engine in a replay:
/// what reaches the host of each telemetry sample, and whether commands
/// reach the table. Healthy, it delivers every sample the tick it is taken.
/// The faults it plays are the ones a real line shows (docs/replay.md):
///
/// - a stall: nothing in either direction;
/// - a telemetry gap: no telemetry reaches the host, commands still reach
///   the table (frames lost on one direction of the line);
/// - a delay: every sample reaches the host `delay` late; when the delay
///   begins nothing arrives for that long, then samples flow again, each as
///   old as the delay;
/// - frame loss: each sample is lost with a probability, drawn from the
///   replay's own seeded stream, as frames with a bad CRC are dropped.
///
/// Like a real link's newest-telemetry slot, the host is handed the newest
/// sample that arrived, stamped with the instant it arrived; a sample that
/// is not renewed grows old, and the safety kernel judges its age.
///
/// Pure value, no allocation per tick: the delay line is a fixed ring.
struct TelemetryPath: Sendable {
    var stalled = false
    var telemetryGap = false
    var delay: Seconds = .zero
    var frameLossProbability = 0.0

    private var random: SplitMix64
    /// The samples taken, newest last, for the delay line.
    private var ring: [Telemetry]
    private var ringNext = 0
    private var ringCount = 0
    /// When the newest sample delivered to the host was taken at the table.
    private var lastDeliveredTakenAt: MonotonicInstant?
    /// The newest sample that reached the host, as it arrived.
    private var lastDelivered: Telemetry?

    /// Enough for a 250 ms delay at 1 kHz.
    static let ringCapacity = 256
    /// The longest delay the ring can play.
    static func longestDelay(atRateHertz rate: Double) -> Seconds { Seconds(Double(ringCapacity - 1) / rate) }

    init(seed: UInt64) {
        random = .stream(3, of: seed)
        ring = Array(repeating: Telemetry(), count: Self.ringCapacity)
    }

    var commandsReachTable: Bool { !stalled }

    /// The newest telemetry the host holds after this tick, given `sample`,
    /// taken at the table now: a sample that arrived now, or the last one
    /// that did (nil before any).
    mutating func deliver(_ sample: Telemetry, at now: MonotonicInstant) -> Telemetry? {
        ring[ringNext] = sample
        ringNext = (ringNext + 1) % Self.ringCapacity
        ringCount = min(ringCount + 1, Self.ringCapacity)
        if stalled || telemetryGap { return lastDelivered }
        let lost = frameLossProbability > 0 && random.nextBernoulli(probability: frameLossProbability)
        guard var arriving = newestTaken(atOrBefore: now - delay) else { return lastDelivered }
        if let last = lastDeliveredTakenAt, arriving.receivedAt <= last { return lastDelivered }
        if lost { return lastDelivered }
        lastDeliveredTakenAt = arriving.receivedAt
        arriving.receivedAt = now
        lastDelivered = arriving
        return arriving
    }

    /// True when the sample `deliver` returned this tick arrived this tick.
    func arrived(_ telemetry: Telemetry?, at now: MonotonicInstant) -> Bool { telemetry?.receivedAt == now }

    /// The newest sample in the ring taken at or before `instant`; samples
    /// carry the instant they were taken in `receivedAt` until delivered.
    private func newestTaken(atOrBefore instant: MonotonicInstant) -> Telemetry? {
        var index = ringNext
        for _ in 0..<ringCount {
            index = (index + Self.ringCapacity - 1) % Self.ringCapacity
            if ring[index].receivedAt <= instant { return ring[index] }
        }
        return nil
    }
}
