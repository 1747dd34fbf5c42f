import TractionDevice
import TractionWire

/// Command-to-telemetry latencies: from the write of a COMMAND to the receipt
/// of the first TELEMETRY whose `last_command_sequence` echoes it.
///
/// Kept as a fixed histogram so that recording never allocates: buckets of
/// `bucketWidth` up to `bucketCount * bucketWidth`, and one overflow bucket.
public struct LatencyHistogram: Sendable, Hashable {
    /// 50 µs resolves the sub-millisecond latencies of a healthy line.
    public static let bucketWidth: Seconds = 0.000_050
    /// 2000 buckets cover 100 ms, the lease: a command echoed later than its
    /// lease is a link failure, not a latency.
    public static let bucketCount = 2_000

    public private(set) var count: UInt64 = 0
    public private(set) var minimum: Seconds?
    public private(set) var maximum: Seconds?
    public private(set) var total: Seconds = .zero
    /// Samples above the last bucket.
    public private(set) var overflowCount: UInt64 = 0
    private var buckets = [UInt32](repeating: 0, count: LatencyHistogram.bucketCount)

    public init() {}

    public mutating func record(_ latency: Seconds) {
        count &+= 1
        total = total + latency
        minimum = Swift.min(minimum ?? latency, latency)
        maximum = Swift.max(maximum ?? latency, latency)
        let index = Int(saturating: (Swift.max(0, latency.value) / Self.bucketWidth.value).rounded(.down))
        if index < Self.bucketCount {
            buckets[index] &+= 1
        } else {
            overflowCount &+= 1
        }
    }

    public var mean: Seconds? { count == 0 ? nil : Seconds(total.value / Double(count)) }

    /// The upper edge of the bucket holding the `fraction` quantile (0...1),
    /// nil without samples; the maximum when it falls in the overflow bucket.
    public func quantile(_ fraction: Double) -> Seconds? {
        guard count > 0 else { return nil }
        let rank = UInt64((Swift.min(Swift.max(fraction, 0), 1) * Double(count)).rounded(.up))
        var seen: UInt64 = 0
        for (index, bucketCount) in buckets.enumerated() {
            seen += UInt64(bucketCount)
            if seen >= Swift.max(rank, 1) { return Seconds(Double(index + 1) * Self.bucketWidth.value) }
        }
        return maximum
    }
}

/// What a `SerialTableLink` has seen since it was created
/// (docs/wire-protocol.md section 12).
public struct LinkStatistics: Sendable, Hashable {
    /// The receive decoder's counters: frames decoded, CRC errors, malformed,
    /// oversize, other version, unknown type, invalid payload,
    /// resynchronisations, discarded bytes.
    public var decoder = DecoderStatistics()
    /// Frames written to the table, of any type.
    public var framesSent: UInt64 = 0
    /// COMMAND frames written.
    public var commandsSent: UInt64 = 0
    /// Commands the caller handed over that were replaced by a newer one
    /// before the I/O thread wrote them (the caller sends faster than the
    /// thread polls; only the newest command matters).
    public var commandsSuperseded: UInt64 = 0
    /// Valid TELEMETRY frames accepted (after the handshake).
    public var telemetryReceived: UInt64 = 0
    /// Table frames lost, from gaps in the table's sequence numbers.
    public var framesLost: UInt64 = 0
    /// Arrivals that followed at least one lost frame.
    public var sequenceGaps: UInt64 = 0
    /// Successful handshakes (the first one and every reconnection).
    public var handshakes: UInt64 = 0
    /// Times the link was declared lost.
    public var losses: UInt64 = 0
    /// Times the port had to be reopened after a transport failure.
    public var reopens: UInt64 = 0
    /// FAULT_REPORT frames received.
    public var faultReports: UInt64 = 0
    /// FAULT_REPORTs beyond `TableFaultNotice.maximumPerSecond` in a second:
    /// counted and kept as `lastFaultReport`, not posted as events.
    public var faultReportsNotReported: UInt64 = 0
    /// Times the table was refused for a new reason (version mismatch, an
    /// unsuitable declaration).
    public var refusals: UInt64 = 0
    public var commandToTelemetryLatency = LatencyHistogram()

    public init() {}
}
