import Testing
import TractionDevice
@testable import TractionTherapy

@Suite("Units in program files")
struct QuantityTextTests {
    @Test func forcesAcceptNewtonsKilogramsForceAndPoundsForce() throws {
        #expect(try QuantityText.force("300 N").get() == 300)
        #expect(try QuantityText.force("300N").get() == 300)
        #expect(abs(try QuantityText.force("25 kg").get().value - 245.166_25) < 1e-9)
        #expect(try QuantityText.force("25 kgf").get() == QuantityText.force("25 kg").get())
        #expect(abs(try QuantityText.force("50 lbf").get().value - 222.411) < 0.001)
    }

    @Test func aBareNumberIsAMissingUnit() {
        #expect(QuantityText.force("300") == .failure(.missingUnit))
        #expect(QuantityText.duration("60") == .failure(.missingUnit))
        #expect(QuantityText.angle("20") == .failure(.missingUnit))
        #expect(QuantityText.percentage("0.5") == .failure(.missingUnit))
    }

    @Test func aUnitOfTheWrongKindIsRefused() {
        #expect(QuantityText.force("300 s") == .failure(.wrongUnit("s")))
        #expect(QuantityText.duration("60 N") == .failure(.wrongUnit("N")))
        #expect(QuantityText.angle("0.3 rad") == .failure(.wrongUnit("rad")))
        #expect(QuantityText.rampSpeed("10 mph") == .failure(.wrongUnit("mph")))
        #expect(QuantityText.force("heavy") == .failure(.notANumber))
    }

    @Test func durationsRatesAnglesAndPercentagesConvert() throws {
        #expect(try QuantityText.duration("1.5 min").get() == 90)
        #expect(try QuantityText.duration("45 s").get() == 45)
        #expect(try QuantityText.rampSpeed("15 N/s").get() == .rate(15))
        #expect(try QuantityText.rampSpeed("30 s").get() == .duration(30))
        #expect(try QuantityText.angle("20 deg").get() == 20)
        #expect(try QuantityText.angle("-5°").get() == -5)
        #expect(try QuantityText.percentage("50 %").get() == 0.5)
    }

    @Test func sessionClockPrintsMinutesAndSeconds() {
        #expect(SessionClock.minutesAndSeconds(59.6) == "1:00")
        #expect(SessionClock.minutesAndSeconds(605) == "10:05")
        #expect(SessionClock.minutesAndSeconds(3725) == "1:02:05")
    }
}

@Suite("Ramp shapes")
struct RampShapeTests {
    /// VAX-D's logarithmic pull reaches 50 % at 17-20 s, 70 % at 25-28 s and
    /// 90 % at 42-45 s of a 60 s pull (PLANT-FACTS.md).
    @Test func logarithmicShapeFollowsTheVAXDPull() {
        let shape = RampShape.logarithmic
        #expect(shape.fraction(atProgress: 17.0 / 60) >= 0.45 && shape.fraction(atProgress: 20.0 / 60) <= 0.60)
        #expect(abs(shape.fraction(atProgress: 0.30) - 0.50) < 0.03)
        #expect(abs(shape.fraction(atProgress: 0.45) - 0.70) < 0.03)
        #expect(abs(shape.fraction(atProgress: 0.72) - 0.90) < 0.03)
    }

    @Test(arguments: RampShape.allCases)
    func shapesRunFromZeroToOneAndNeverDecrease(_ shape: RampShape) {
        #expect(shape.fraction(atProgress: 0) == 0)
        #expect(shape.fraction(atProgress: 1) == 1)
        var previous = 0.0
        for step in 0...1000 {
            let value = shape.fraction(atProgress: Double(step) / 1000)
            #expect(value >= previous)
            previous = value
        }
    }

    @Test(arguments: RampShape.allCases)
    func peakSlopeFactorIsTheShapesSteepestSlope(_ shape: RampShape) {
        let samples = 10_000
        var steepest = 0.0
        for step in 0..<samples {
            let u = Double(step) / Double(samples)
            let slope = (shape.fraction(atProgress: u + 1.0 / Double(samples)) - shape.fraction(atProgress: u))
                * Double(samples)
            steepest = max(steepest, slope)
        }
        #expect(steepest <= shape.peakSlopeFactor + 1e-9)
        #expect(steepest >= shape.peakSlopeFactor - 1e-3)
    }

    @Test func aRateSpecifiedRampIsTheShapesPeakRate() {
        let ramp = Ramp(speed: .rate(10), shape: .logarithmic)
        let duration = ramp.nominalDuration(forChange: 200)
        #expect(duration == 40)
        #expect(ramp.peakRate(forChange: 200, over: duration) == 10)
    }
}
