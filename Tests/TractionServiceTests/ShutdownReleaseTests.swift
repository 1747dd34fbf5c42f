import Testing
import TractionDevice
@testable import TractionService

/// The wait of a termination for the release, and when the daemon extends
/// systemd's stop timeout (docs/deployment.md, "Stopping"). Instants are
/// passed in: no wall clock.
@Suite struct ShutdownReleaseTests {
    static let plan = ShutdownRelease(releaseRate: 20, deviceForceCap: 900)

    @Test func theWaitIsTheComputedReleaseTimeWithNoStopTimeoutCap() {
        // 900 N (the device cap) at the default 20 N/s: 45 s, a wait of 59.25 s.
        #expect(Self.plan.needed(for: 900) == 45)
        #expect(Self.plan.wait(for: 900) == Seconds(45 * 1.25 + 3))
        // At 1 N/s the same force waits 1128 s: no TimeoutStopSec cuts it.
        let slowest = ShutdownRelease(releaseRate: 1, deviceForceCap: 900)
        #expect(slowest.wait(for: 900) == Seconds(900 * 1.25 + 3))
        #expect(slowest.wait(for: 900) > Seconds(90))
    }

    @Test func theCeilingIsTheDeviceCapAtTheSlowestRateAndHoldsForNonsense() {
        #expect(Self.plan.ceiling == Seconds(900 * 1.25 + 3))
        // No valid rate and force under the cap reach the ceiling...
        for rate in [1.0, 2, 10, 20, 50] {
            let plan = ShutdownRelease(releaseRate: NewtonsPerSecond(rate), deviceForceCap: 900)
            #expect(plan.wait(for: 900) <= plan.ceiling)
        }
        // ...a nonsensical reading is held to it.
        #expect(Self.plan.wait(for: 1e9) == Self.plan.ceiling)
        #expect(Self.plan.wait(for: Newtons(.nan)) == Self.plan.ceiling)
        #expect(Self.plan.wait(for: Newtons(.infinity)) == Self.plan.ceiling)
    }

    @Test func aSlackCableWaitsOnlyTheMarginAndNeverANegativeTime() {
        #expect(Self.plan.needed(for: 0) == 0)
        #expect(Self.plan.needed(for: -3) == 0)
        #expect(Self.plan.wait(for: 0) == ShutdownRelease.margin)
        #expect(Self.plan.wait(for: -3) == ShutdownRelease.margin)
    }

    @Test func theWaitGrowsWithTheForceAndShrinksWithTheRate() {
        let slow = ShutdownRelease(releaseRate: 10, deviceForceCap: 900)
        let fast = ShutdownRelease(releaseRate: 40, deviceForceCap: 900)
        #expect(slow.wait(for: 400) > slow.wait(for: 200))
        #expect(slow.wait(for: 400) > fast.wait(for: 400))
        for force in stride(from: 0.0, through: 900, by: 50) {
            #expect(slow.wait(for: Newtons(force)) >= slow.needed(for: Newtons(force)))
        }
    }

    @Test func theExtensionOutlastsSeveralMissedRepeatsAndTheStallWindowIsShorter() {
        #expect(ShutdownRelease.timeoutExtension >= ShutdownRelease.extensionInterval * 5)
        #expect(ShutdownRelease.stallWindow < ShutdownRelease.timeoutExtension)
        // The slowest allowed release comes down more than one progress step per stall window.
        #expect(ShutdownRelease.slowestReleaseRate * ShutdownRelease.stallWindow > ShutdownRelease.progressStep * 2)
    }

    // MARK: The shutdown, tick by tick

    /// Runs a shutdown on a virtual clock: `force(t)` the measured force,
    /// `ticking(t)` whether the control thread ticks, every 10 ms (a service
    /// tick), until the watch decides. Returns the outcome, its time and the
    /// times of the extensions.
    static func run(_ plan: ShutdownRelease = plan, slack: Newtons = 15, upTo limit: Double = 2000,
                    force: (Double) -> Double, ticking: (Double) -> Bool = { _ in true },
                    released: (Double) -> Bool = { _ in false })
        -> (outcome: ShutdownWatch.Outcome, at: Double, extensions: [Double], holdings: [ShutdownWatch.Holding]) {
        var lastTick = MonotonicInstant.origin
        var watch = ShutdownWatch(plan: plan, slackForce: slack, force: Newtons(force(0)), at: .origin)
        var extensions: [Double] = []
        var holdings: [ShutdownWatch.Holding] = []
        for index in 0...Int(limit * 100) {
            let t = Double(index) / 100
            let now = MonotonicInstant.seconds(t)
            if ticking(t) { lastTick = now }
            let step = watch.observe(now: now, force: Newtons(force(t)), released: released(t), lastControlTick: lastTick)
            if step.extend { extensions.append(t) }
            if holdings.last != step.holding { holdings.append(step.holding) }
            if step.outcome != .waiting { return (step.outcome, t, extensions, holdings) }
        }
        return (.waiting, limit, extensions, holdings)
    }

    @Test func aProgressingReleaseIsExtendedAboutEverySecondUntilItIsReleased() {
        // 600 N coming down at 20 N/s: slack (15 N) at 29.25 s, released at 29.5 s.
        let result = Self.run(force: { max(600 - 20 * $0, 5) }, released: { $0 >= 29.5 })
        #expect(result.outcome == .released)
        #expect(abs(result.at - 29.5) < 0.02)
        #expect(result.extensions.first == 0)
        #expect(result.extensions.count >= 29 && result.extensions.count <= 31)
        let gaps = zip(result.extensions.dropFirst(), result.extensions).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= 0.999 && $0 < 1.02 })
        #expect(result.holdings == [.none])
    }

    @Test func theSlowestConfiguredReleaseOfTheDeviceCapIsFollowedToTheEnd() {
        // 900 N at 1 N/s: 885 s to slack, far past any TimeoutStopSec.
        let plan = ShutdownRelease(releaseRate: 1, deviceForceCap: 900)
        let result = Self.run(plan, force: { max(900 - $0, 0) }, released: { $0 >= 886 })
        #expect(result.outcome == .released)
        #expect(result.extensions.count >= 880)
        #expect(result.extensions.last.map { result.at - $0 <= 1.01 } == true)
    }

    @Test func aForceThatStopsComingDownAboveSlackIsGivenUpAfterTheStallWindow() {
        // Comes down to 300 N in 10 s, then stays there (a stuck release).
        let result = Self.run(force: { max(500 - 20 * $0, 300) })
        guard case .notProgressing(let time) = result.outcome else {
            Issue.record("expected notProgressing, got \(result.outcome)")
            return
        }
        #expect(time >= ShutdownRelease.stallWindow)
        // The last new low (by 1 N) was at 9.95 s; given up 5 s later.
        #expect(result.at >= 14.9 && result.at <= 15.05)
        // No extension after the force stopped coming down for the stall window.
        #expect(result.extensions.allSatisfy { $0 < result.at })
        #expect(result.extensions.last.map { $0 >= 13 } == true)
    }

    @Test func aCoughThatRaisesTheForceForAMomentIsNotAStall() {
        // 400 N at 20 N/s with a 2 s rise of 80 N at 5 s.
        let result = Self.run(force: { t in max(400 - 20 * t, 5) + (t >= 5 && t < 7 ? 80 : 0) },
                              released: { $0 >= 20 })
        #expect(result.outcome == .released)
        #expect(result.extensions.count >= 19)
    }

    @Test func atOrBelowSlackTheReleaseCountsAsProgressing() {
        // Slack (12 N) from 14.4 s; the session ends only at 21 s, longer
        // than the stall window after the last new low (a slow slack check).
        let result = Self.run(force: { max(300 - 20 * $0, 12) }, released: { $0 >= 21 })
        #expect(result.outcome == .released)
        #expect(result.extensions.contains { $0 >= 20 })
    }

    @Test func aSilentControlThreadGetsNoExtensionAndItsFrozenForceEndsTheWait() {
        // The control thread stops at 3 s; the snapshot's force freezes with it.
        let result = Self.run(force: { t in 600 - 20 * min(t, 3) }, ticking: { $0 < 3 })
        guard case .notProgressing = result.outcome else {
            Issue.record("expected notProgressing, got \(result.outcome)")
            return
        }
        #expect(result.extensions.allSatisfy { $0 <= 3.5 })
        #expect(result.holdings == [.none, .controlThreadSilent])
        #expect(result.at < 8.1)
    }

    @Test func extensionsResumeWhenTheControlThreadTicksAgain() {
        // A one-second gap in the control thread's ticks (2 s to 3 s).
        let result = Self.run(force: { max(300 - 20 * $0, 5) }, ticking: { $0 < 2 || $0 >= 3 },
                              released: { $0 >= 15 })
        #expect(result.outcome == .released)
        #expect(result.holdings == [.none, .controlThreadSilent, .none])
        #expect(!result.extensions.contains { $0 > 2.5 && $0 < 3 })
        #expect(result.extensions.contains { $0 >= 3 && $0 < 3.02 })
    }

    @Test func theWaitComputedAtTheStopStillEndsAReleaseThatIsTooSlow() {
        // 200 N at the configured 20 N/s should take 10 s (wait 15.5 s); the
        // table releases at 5 N/s, progressing but far slower.
        let result = Self.run(force: { max(200 - 5 * $0, 0) })
        #expect(result.outcome == .waitOver(Seconds(200.0 / 20 * 1.25 + 3)))
        #expect(abs(result.at - 15.5) < 0.02)
    }

    @Test func aReleasedTableEndsTheWaitAtOnce() {
        let result = Self.run(force: { _ in 3 }, released: { _ in true })
        #expect(result.outcome == .released)
        #expect(result.at == 0)
        #expect(result.extensions.isEmpty)
    }
}
