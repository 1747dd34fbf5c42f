import Testing
import TractionDevice
import TractionTherapy

/// The angle position controllers on their own, without the plant.
@Suite struct AnglePositionControllerTests {
    let range = AngleAxisRange(axis: .flexion, minimum: 0, maximum: 30, maximumRate: 2)

    @Test func demandNeverExceedsTheAxisRate() {
        var controller = AnglePositionController(range: range)
        var largest = DegreesPerSecond.zero
        for _ in 0..<1000 {
            largest = max(largest, controller.update(target: 30, measured: 0, period: 0.004).magnitude)
        }
        #expect(largest == range.maximumRate)
    }

    @Test func targetOutsideTheRangeIsClampedIntoIt() {
        var controller = AnglePositionController(range: range)
        for _ in 0..<1000 { _ = controller.update(target: -10, measured: 0, period: 0.004) }
        #expect(controller.lastOutput == .zero)
    }

    @Test func withinTheArrivalToleranceTheAxisIsToldToStandStill() {
        var controller = AnglePositionController(range: range)
        for _ in 0..<1000 { _ = controller.update(target: 10, measured: 10.04, period: 0.004) }
        #expect(controller.lastOutput == .zero)
    }

    @Test func absentAxesAreCommandedToStandStill() {
        var controllers = AngleControllers(axes: [range])
        var rates = AngleRates.zero
        for _ in 0..<100 {
            rates = controllers.update(targets: Angles(flexion: 20, lateralTilt: 5, rotation: 5), measured: .zero, period: 0.004)
        }
        #expect(rates.flexion > .zero)
        #expect(rates.lateralTilt == .zero && rates.rotation == .zero)
    }
}
