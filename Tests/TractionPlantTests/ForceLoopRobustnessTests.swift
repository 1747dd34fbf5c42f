import Testing
import TractionDevice
import TractionPlant
import TractionTherapy

@Suite struct ForceLoopRobustnessTests {
    /// Twice the default bandwidth is the same as a chain twice as stiff as
    /// the controller believes: the loop must still meet the goals (gain margin ≥ 2).
    @Test(arguments: [(150.0, 150.0), (80.0, 300.0), (45.0, 500.0)])
    func loopMeetsTheGoalsWithTwiceTheDesignedLoopGain(weightAndForce: (Double, Double)) throws {
        var doubled = ForceControllerConfiguration()
        doubled.bandwidthRadiansPerSecond *= 2
        for seed: UInt64 in 1...2 {
            let configuration = PlantConfiguration(seed: seed, patient: SimulatedPatient(bodyMass: Kilograms(weightAndForce.0)))
            let profile = TrapezoidProfile(holdForce: Newtons(weightAndForce.1), rampRate: 15, holdDuration: 40)
            let result = try runClosedLoop(profile: profile, plant: configuration, controllerConfiguration: doubled, tail: 0)
            #expect(meetsTrackingGoals(result, holdForce: profile.holdForce), "seed \(seed): \(result)")
        }
    }

    @Test func latchedSplitSectionStillHoldsTheMeasuredForce() throws {
        // With the latch engaged the body sticks and slips against a quarter of
        // body weight of friction; the loop holds the cable force regardless
        // (the spine sees less, which is the clinician's business, not the loop's).
        for seed: UInt64 in 1...2 {
            var configuration = PlantConfiguration(seed: seed, patient: SimulatedPatient(bodyMass: 80))
            configuration.disturbances = .none
            var rig = try ClosedLoopRig(configuration: configuration)
            rig.link.plant.inputs.splitSectionLatched = true
            try rig.hold(300, for: 40)
            var sumOfSquares = 0.0
            var count = 0.0
            for _ in 0..<(20 * 250) {
                try rig.hold(300, for: rig.period)
                let error = rig.telemetry.loadCellForce.value - 300
                sumOfSquares += error * error
                count += 1
            }
            #expect((sumOfSquares / count).squareRoot() <= 3)
            #expect(rig.link.plant.spineForce.value < 300 - 0.2 * Kilograms(80).weight.value)
        }
    }
}

@Suite struct PlantNumericsTests {
    @Test(arguments: [Int64(500_000), 2_000_000])
    func trackingFiguresDoNotDependOnThePlantSubStep(subStepNanoseconds: Int64) throws {
        let profile = TrapezoidProfile(holdForce: 100, rampRate: 10, holdDuration: 30)
        var reference = PlantConfiguration.still(seed: 8, bodyMass: 45, region: .cervical)
        let baseline = try runClosedLoop(profile: profile, plant: reference, tail: 0)
        reference.subStepNanoseconds = subStepNanoseconds
        let result = try runClosedLoop(profile: profile, plant: reference, tail: 0)
        #expect(meetsTrackingGoals(result, holdForce: 100), "\(result)")
        #expect(abs(result.holdRootMeanSquareError.value - baseline.holdRootMeanSquareError.value) < 0.2)
        #expect(abs(result.peakForce.value - baseline.peakForce.value) < 2)
    }
}

@Suite struct ForceLoopOverrideTests {
    /// If the safety clamp trimmed every demand by a fifth (and the engine
    /// reported it through `track`), the integral must still remove the
    /// creep: the hold stays within the goals.
    @Test func clampTrimmingEveryTickDoesNotDefeatIntegralAction() throws {
        let link = SimulatedTableLink(configuration: .still(seed: 2))
        try link.tare(at: .origin)
        var controller = ForceController()
        let period: Seconds = 0.004
        let profile = TrapezoidProfile(holdForce: 300, rampRate: 15, holdDuration: 120)
        var now = MonotonicInstant.origin
        var sumOfSquares = 0.0
        var samples = 0.0
        while now.secondsSinceOrigin < profile.holdEnd.value {
            let measured = link.latestTelemetry(at: now)!.loadCellForce
            let (target, rate) = profile.target(at: Seconds(now.secondsSinceOrigin))
            let demand = controller.update(target: target, targetRate: rate, measured: measured, period: period)
            let applied = MillimetresPerSecond(demand.value * 0.8)
            controller.track(applied: applied)
            try link.send(DriveCommand(driveEnabled: true, tractionVelocity: applied, forceCeiling: 400), at: now)
            if now.secondsSinceOrigin > profile.holdStart.value + 5 {
                let error = measured.value - target.value
                sumOfSquares += error * error
                samples += 1
            }
            now = now + period
        }
        #expect((sumOfSquares / samples).squareRoot() <= 3)
    }
}
