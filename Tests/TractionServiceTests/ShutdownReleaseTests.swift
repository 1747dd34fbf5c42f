import Testing
import TractionDevice
@testable import TractionService

/// The wait of a termination for the release (docs/deployment.md, TimeoutStopSec).
@Suite struct ShutdownReleaseTests {
    @Test func theDefaultConfigurationsWorstReleaseFitsTheUnitsStopTimeout() {
        // 900 N (the device cap) at the default 20 N/s, with the unit's TimeoutStopSec=90s.
        let shutdown = ShutdownRelease(releaseRate: 20, stopTimeout: 90)
        #expect(shutdown.needed(for: 900) == 45)
        let (wait, fits) = shutdown.wait(for: 900)
        #expect(fits)
        #expect(wait >= 45)
        #expect(wait <= shutdown.bound)
        #expect(shutdown.bound == 85)
    }

    @Test func aReleaseThatCannotFitIsCutToTheBoundAndSaysSo() {
        // 900 N at the slowest allowed rate, 1 N/s: 900 s, far beyond any stop timeout.
        let shutdown = ShutdownRelease(releaseRate: 1, stopTimeout: 90)
        let (wait, fits) = shutdown.wait(for: 900)
        #expect(!fits)
        #expect(wait == shutdown.bound)
        #expect(wait < shutdown.stopTimeout)
    }

    @Test func aSlackCableWaitsOnlyTheMarginAndNeverANegativeTime() {
        let shutdown = ShutdownRelease(releaseRate: 20, stopTimeout: 90)
        #expect(shutdown.needed(for: 0) == 0)
        #expect(shutdown.needed(for: -3) == 0)
        #expect(shutdown.wait(for: 0).wait == ShutdownRelease.margin)
        #expect(ShutdownRelease(releaseRate: 20, stopTimeout: 2).bound == 0)
    }

    @Test func theWaitGrowsWithTheForceAndShrinksWithTheRate() {
        let slow = ShutdownRelease(releaseRate: 10, stopTimeout: 300)
        let fast = ShutdownRelease(releaseRate: 40, stopTimeout: 300)
        #expect(slow.wait(for: 400).wait > slow.wait(for: 200).wait)
        #expect(slow.wait(for: 400).wait > fast.wait(for: 400).wait)
        // Always at least the time the release needs at the rate.
        for force in stride(from: 0.0, through: 900, by: 50) {
            let (wait, fits) = slow.wait(for: Newtons(force))
            if fits { #expect(wait >= slow.needed(for: Newtons(force))) }
        }
    }
}
