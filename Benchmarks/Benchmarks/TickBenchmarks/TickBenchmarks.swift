import Benchmark
import TractionDaemon
import TractionDevice

/// Per-tick costs on the control thread. Each benchmark's goal is zero
/// allocations per tick; `.mallocCountTotal` is checked against a threshold
/// of 0, so a regression fails `make bench`.
let benchmarks: @Sendable () -> Void = {
    let allocationFree = Benchmark.Configuration(
        metrics: [.mallocCountTotal, .wallClock],
        scalingFactor: .kilo,
        thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])]
    )

    Benchmark("control thread bookkeeping per tick (schedule + lateness ring)", configuration: allocationFree) { benchmark in
        var schedule = DeadlineSchedule(start: .origin, rateHertz: 250)
        // A full ring drops samples instead of blocking; that path is allocation-free too.
        let ring = LatenessRing(capacity: 1 << 16)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let woke = schedule.nextDeadline + Seconds(0.000_02)
            ring.push(UInt64(schedule.lateness(wokeAt: woke)))
            schedule.tickFinished(at: woke + Seconds(0.000_1))
        }
        benchmark.stopMeasurement()
        blackHole(schedule)
        ring.drain { blackHole($0) }
    }

    engineBenchmarks()
    runtimeBenchmarks()
}
