#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionTestSupport

@Suite struct LatenessRingTests {
    @Test func samplesArriveInOrderAndOverflowIsCountedNotBlocking() {
        let ring = LatenessRing(capacity: 4)
        #expect(ring.capacity == 4)
        for sample in 1...6 { ring.push(UInt64(sample)) }
        #expect(ring.dropped == 2)
        var seen: [UInt64] = []
        #expect(ring.drain { seen.append($0) } == 4)
        #expect(seen == [1, 2, 3, 4])
        ring.push(9)
        seen.removeAll()
        ring.drain { seen.append($0) }
        #expect(seen == [9])
    }
}

/// Counts ticks from the control thread; read after the thread has stopped.
private final class TickRecorder: @unchecked Sendable {
    let ticks = Atomic<Int>(0)
    let deadlinesIncreasing = Atomic<Bool>(true)
    var lastDeadline = MonotonicInstant.origin
}

@Suite(.serialized) struct ControlThreadTests {
    /// The thread takes exactly the rates the engine (and its kernel) accept.
    @Test func theThreadAllowsTheEnginesRates() {
        #expect(ControlLoopConfiguration.allowedRates == EngineConfiguration.allowedRates)
        #expect(!ControlLoopConfiguration.allowedRates.contains(249))
    }

    @Test func theThreadTicksOnIncreasingDeadlinesAndStopsWhenAsked() throws {
        let recorder = TickRecorder()
        let thread = ControlThread(configuration: ControlLoopConfiguration(rateHertz: 1000, realtime: .none)) { context in
            if context.deadline <= recorder.lastDeadline { recorder.deadlinesIncreasing.store(false, ordering: .relaxed) }
            recorder.lastDeadline = context.deadline
            recorder.ticks.wrappingAdd(1, ordering: .relaxed)
        }
        try thread.start()
        try #require(waitUntil(timeout: 30, poll: 0.001) { thread.ticks >= 50 })
        thread.stop()
        #expect(thread.hasFinished)
        let bodyTicks = UInt64(recorder.ticks.load(ordering: .relaxed))
        let deadlinesIncreased = recorder.deadlinesIncreasing.load(ordering: .relaxed)
        #expect(bodyTicks == thread.ticks)
        #expect(deadlinesIncreased)
        #expect(thread.lastTick > .origin)

        var statistics = LoopStatistics()
        statistics.collect(from: thread.latenessSamples)
        #expect(statistics.samples + thread.latenessSamples.dropped == thread.ticks)
    }

    @Test func aLoopDeniedRealTimeSaysItIsDegradedAndWhy() throws {
        let thread = ControlThread(configuration: ControlLoopConfiguration(rateHertz: 250, realtime: .none)) { _ in }
        try thread.start()
        let mode = try #require(thread.realtimeMode)
        thread.stop()
        #expect(mode.isDegraded)
        #expect(mode.fifoPriority == nil)
        #expect(mode.description.contains("degraded"))
        #expect(mode.description.contains("SCHED_FIFO not requested"))
    }

    @Test func aRequestedPriorityIsEitherGrantedOrReportedAsRefused() throws {
        let request = RealtimeRequest(fifoPriority: 10, lockMemory: false, timerSlackNanoseconds: 1)
        let thread = ControlThread(configuration: ControlLoopConfiguration(rateHertz: 250, realtime: request)) { _ in }
        try thread.start()
        let mode = try #require(thread.realtimeMode)
        thread.stop()
        if mode.fifoPriority == nil {
            let refusalReported = mode.problems.contains { $0.contains("SCHED_FIFO 10 refused") }
            #expect(refusalReported)
        } else {
            #expect(mode.fifoPriority == 10)
        }
        #expect(mode.timerSlackNanoseconds == 1)
    }
}
