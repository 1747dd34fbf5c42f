import Testing
import TractionDevice
import TractionTherapy

/// The force controller on its own, without the plant.
@Suite struct ForceControllerTests {
    let period: Seconds = 0.004

    @Test func withNoErrorTheOutputIsThePlannersRateOverTheEstimatedStiffness() {
        var controller = ForceController()
        var output = MillimetresPerSecond.zero
        for _ in 0..<500 {
            output = controller.update(target: 200, targetRate: 15, measured: 200, period: period)
        }
        let stiffness = ForceControllerConfiguration().stiffness.newtonsPerMillimetre(at: 200)
        #expect(abs(output.value - 15 / stiffness) < 1e-9)
    }

    @Test func outputNeverChangesFasterThanTheAccelerationLimit() {
        var controller = ForceController()
        let limit = ForceControllerConfiguration().largestAccelerationMillimetresPerSecondSquared * period.value
        var previous = 0.0
        for tick in 0..<2000 {
            let measured: Newtons = tick % 200 < 100 ? 0 : 800
            let output = controller.update(target: 300, targetRate: 0, measured: measured, period: period).value
            #expect((output - previous).magnitude <= limit + 1e-12)
            previous = output
        }
    }

    @Test func outputStaysWithinTheSpeedLimit() {
        var controller = ForceController()
        var largest = 0.0
        for _ in 0..<5000 {
            largest = max(largest, controller.update(target: 900, targetRate: 17, measured: 0, period: period).value.magnitude)
        }
        #expect(largest <= ForceControllerConfiguration().largestVelocity.value)
    }

    @Test func integralDoesNotWindUpWhileTheOutputIsSaturated() {
        var controller = ForceController()
        // A minute of a large error the drive cannot answer (cable slack).
        for _ in 0..<15_000 {
            _ = controller.update(target: 300, targetRate: 0, measured: 0, period: period)
        }
        #expect(controller.integralVelocity.magnitude <= ForceControllerConfiguration().largestIntegralVelocity.value)
        // Once the force overshoots, the demand turns negative within a few
        // ticks of rate-limited travel, not after unwinding a minute of integral.
        var ticksToReverse = 0
        while controller.update(target: 300, targetRate: 0, measured: 320, period: period).value > 0 {
            ticksToReverse += 1
            if ticksToReverse > 1000 { break }
        }
        let rateLimitedTicks = ForceControllerConfiguration().largestVelocity.value
            / (ForceControllerConfiguration().largestAccelerationMillimetresPerSecondSquared * period.value)
        #expect(Double(ticksToReverse) <= rateLimitedTicks + 2)
    }

    @Test func retuningDoesNotMoveTheOutput() {
        var controller = ForceController()
        for _ in 0..<300 {
            _ = controller.update(target: 300, targetRate: 0, measured: 290, period: period)
        }
        let before = controller.update(target: 300, targetRate: 0, measured: 290, period: period)
        var stiffer = ForceControllerConfiguration()
        stiffer.bandwidthRadiansPerSecond *= 2
        controller.retune(stiffer, at: 300)
        let after = controller.update(target: 300, targetRate: 0, measured: 290, period: Seconds(1e-6))
        #expect((after - before).magnitude.value < 1e-3)
    }

    @Test func trackingAnOverriddenOutputResumesFromItWithoutAJump() {
        var controller = ForceController()
        for _ in 0..<300 {
            _ = controller.update(target: 300, targetRate: 15, measured: 250, period: period)
        }
        controller.track(applied: 0)
        let resumed = controller.update(target: 300, targetRate: 15, measured: 250, period: period)
        let step = ForceControllerConfiguration().largestAccelerationMillimetresPerSecondSquared * period.value
        #expect(resumed.value <= step + 1e-12)
    }

    @Test func aLongOverrideConditionsTheIntegralSoThatResumingDoesNotKick() {
        var controller = ForceController()
        // Wind the integral up against a force that stays low.
        for _ in 0..<2000 {
            _ = controller.update(target: 300, targetRate: 0, measured: 299, period: period)
        }
        #expect(controller.integralVelocity > 1)
        // A two-second pause at the target force: the clamp holds the drive still.
        for _ in 0..<500 {
            _ = controller.update(target: 300, targetRate: 0, measured: 300, period: period)
            controller.track(applied: 0)
        }
        #expect(controller.integralVelocity.magnitude < 0.01)
        var largest = 0.0
        for _ in 0..<250 {
            largest = max(largest, controller.update(target: 300, targetRate: 0, measured: 300, period: period).value.magnitude)
        }
        #expect(largest < 0.01, "at zero error the resumed demand stays at rest")
    }

    @Test func nonFiniteInputsRepeatTheLastOutputAndLeaveTheStateAlone() {
        var controller = ForceController()
        let last = controller.update(target: 100, targetRate: 0, measured: 90, period: period)
        let state = controller
        #expect(controller.update(target: 100, targetRate: 0, measured: Newtons(.nan), period: period) == last)
        #expect(controller.update(target: 100, targetRate: 0, measured: 90, period: 0) == last)
        #expect(controller == state)
    }

    @Test func gainFallsAsTheChainStiffens() {
        let configuration = ForceControllerConfiguration()
        #expect(configuration.proportionalGain(at: 50) > configuration.proportionalGain(at: 500))
        #expect(configuration.stiffness.newtonsPerMillimetre(at: 10_000) == configuration.stiffness.highestNewtonsPerMillimetre)
        #expect(configuration.stiffness.newtonsPerMillimetre(at: -50) == configuration.stiffness.atZeroForceNewtonsPerMillimetre)
    }
}
