import PropertyBased
import Testing
import TractionDaemon
import TractionDevice

@Suite struct DeadlineScheduleTests {
    let fourMilliseconds: Int64 = 4_000_000

    @Test func deadlinesFollowTheStartByWholePeriods() {
        var schedule = DeadlineSchedule(start: .origin, rateHertz: 250)
        #expect(schedule.periodNanoseconds == fourMilliseconds)
        #expect(schedule.nextDeadline.nanoseconds == fourMilliseconds)
        for tick in 1...10 {
            let finishedAt = MonotonicInstant(nanoseconds: Int64(tick) * fourMilliseconds + 500_000)
            let overran = schedule.tickFinished(at: finishedAt)
            #expect(!overran)
            #expect(schedule.nextDeadline.nanoseconds == Int64(tick + 1) * fourMilliseconds)
        }
        #expect(schedule.ticks == 10)
        #expect(schedule.overruns == 0)
    }

    @Test func aTickEndingPastTheFollowingDeadlineIsAnOverrunAndSkipsWithoutCatchUp() {
        var schedule = DeadlineSchedule(start: .origin, periodNanoseconds: fourMilliseconds)
        // The tick for 4 ms runs until 13 ms: deadlines 8 and 12 ms have passed.
        let overran = schedule.tickFinished(at: MonotonicInstant(nanoseconds: 13_000_000))
        #expect(overran)
        #expect(schedule.overruns == 1)
        #expect(schedule.skippedDeadlines == 2)
        #expect(schedule.nextDeadline.nanoseconds == 16_000_000)
    }

    @Test func finishingExactlyOnTheFollowingDeadlineCountsAsAnOverrun() {
        var schedule = DeadlineSchedule(start: .origin, periodNanoseconds: fourMilliseconds)
        let overran = schedule.tickFinished(at: MonotonicInstant(nanoseconds: 8_000_000))
        #expect(overran)
        #expect(schedule.nextDeadline.nanoseconds == 12_000_000)
        #expect(schedule.skippedDeadlines == 1)
    }

    @Test func latenessIsNeverNegative() {
        let schedule = DeadlineSchedule(start: .origin, periodNanoseconds: fourMilliseconds)
        #expect(schedule.lateness(wokeAt: MonotonicInstant(nanoseconds: 3_900_000)) == 0)
        #expect(schedule.lateness(wokeAt: MonotonicInstant(nanoseconds: 4_025_000)) == 25_000)
    }

    @Test func theNextDeadlineIsAlwaysInTheFutureAndAlignedToThePeriod() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...40_000_000).array(of: 1...50)) { workDurations in
            var schedule = DeadlineSchedule(start: .origin, periodNanoseconds: fourMilliseconds)
            var overruns: UInt64 = 0
            for work in workDurations {
                let finishedAt = MonotonicInstant(nanoseconds: schedule.nextDeadline.nanoseconds + Int64(work))
                if schedule.tickFinished(at: finishedAt) { overruns += 1 }
                #expect(schedule.nextDeadline > finishedAt)
                #expect(schedule.nextDeadline.nanoseconds % fourMilliseconds == 0)
            }
            #expect(schedule.overruns == overruns)
            #expect(schedule.ticks == UInt64(workDurations.count))
        }
    }
}
