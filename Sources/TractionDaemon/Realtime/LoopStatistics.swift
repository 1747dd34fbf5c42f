import Histogram

/// Lateness statistics of the control loop, kept off the control thread.
///
/// A reporter (any non-real-time thread) calls `collect()` periodically; it
/// drains the control thread's lock-free ring into an HDR histogram, whose
/// percentiles the daemon reports and the benchmark compares with its goals.
public struct LoopStatistics: Sendable {
    /// Lateness in nanoseconds; one second is far beyond any tolerable value,
    /// larger samples are clamped to it.
    public private(set) var latenessNanoseconds = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    /// Moves every waiting sample from `ring` into the histogram.
    public mutating func collect(from ring: LatenessRing) {
        ring.drain { sample in
            _ = latenessNanoseconds.record(Swift.max(1, Swift.min(sample, 1_000_000_000)))
        }
    }

    public var samples: UInt64 { latenessNanoseconds.totalCount }

    /// Lateness at `percentile` (0-100), in microseconds.
    public func latenessMicroseconds(atPercentile percentile: Double) -> Double {
        Double(latenessNanoseconds.valueAtPercentile(percentile)) / 1000
    }

    /// The exact largest lateness recorded, in microseconds.
    public var maximumLatenessMicroseconds: Double { Double(latenessNanoseconds.maxRecorded) / 1000 }
}
