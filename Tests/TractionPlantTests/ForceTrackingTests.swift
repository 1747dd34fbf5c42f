import PropertyBased
import Testing
import TractionDevice
import TractionPlant
import TractionTherapy

/// Controller and plant together, against the tracking goals:
/// hold-phase RMS error ≤ 1 % of target; overshoot ≤ 2 % of target or ≤ 5 N.
/// Disturbances (coughs, shifts, tensing) stay on at their default rates.
@Suite struct ForceTrackingTests {
    @Test func lumbarTrapezoidAt300NewtonsFor80KilogramsMeetsTheGoalsOverSeveralSeeds() throws {
        for seed: UInt64 in 1...4 {
            let configuration = PlantConfiguration(seed: seed, patient: SimulatedPatient(bodyMass: 80, region: .lumbar))
            let profile = TrapezoidProfile(holdForce: 300, rampRate: 15, holdDuration: 60)
            let result = try runClosedLoop(profile: profile, plant: configuration)
            #expect(meetsTrackingGoals(result, holdForce: 300), "seed \(seed): \(result)")
            #expect(result.timeToHold.value < profile.holdStart.value + 1, "seed \(seed): the ramp is followed, not lagged")
            #expect(result.finalForce.value < 5, "seed \(seed): the ramp down returns to slack")
        }
    }

    @Test func cervicalTrapezoidAt100NewtonsMeetsTheGoalsOverSeveralSeeds() throws {
        for seed: UInt64 in 1...4 {
            let configuration = PlantConfiguration(seed: seed, patient: SimulatedPatient(bodyMass: 70, region: .cervical))
            let profile = TrapezoidProfile(holdForce: 100, rampRate: 10, holdDuration: 60)
            let result = try runClosedLoop(profile: profile, plant: configuration)
            #expect(meetsTrackingGoals(result, holdForce: 100), "seed \(seed): \(result)")
        }
    }

    @Test func lumbarTrackingMeetsTheGoalsForAnyWeightForceRateAndSeed() async {
        let input = zip(Gen.int(in: 45...150), Gen.int(in: 150...500), Gen.double(in: 10...17), Gen.int(in: 0...1_000_000))
        await propertyCheck(count: 12, input: input) { weight, force, rate, seed in
            let configuration = PlantConfiguration(
                seed: UInt64(seed), patient: SimulatedPatient(bodyMass: Kilograms(Double(weight)), region: .lumbar))
            let profile = TrapezoidProfile(holdForce: Newtons(Double(force)), rampRate: NewtonsPerSecond(rate), holdDuration: 60)
            let result = try runClosedLoop(profile: profile, plant: configuration, tail: 0)
            #expect(meetsTrackingGoals(result, holdForce: profile.holdForce), "\(result)")
        }
    }

    @Test func cervicalTrackingMeetsTheGoalsForAnyWeightForceAndSeed() async {
        let input = zip(Gen.int(in: 45...150), Gen.int(in: 50...150), Gen.int(in: 0...1_000_000))
        await propertyCheck(count: 8, input: input) { weight, force, seed in
            let configuration = PlantConfiguration(
                seed: UInt64(seed), patient: SimulatedPatient(bodyMass: Kilograms(Double(weight)), region: .cervical))
            let profile = TrapezoidProfile(holdForce: Newtons(Double(force)), rampRate: 10, holdDuration: 60)
            let result = try runClosedLoop(profile: profile, plant: configuration, tail: 0)
            #expect(meetsTrackingGoals(result, holdForce: profile.holdForce), "\(result)")
        }
    }

    @Test(arguments: [100.0, 500.0, 1000.0])
    func trackingMeetsTheGoalsAtEveryControlRate(rateHertz: Double) throws {
        let configuration = PlantConfiguration(seed: 21, patient: SimulatedPatient(bodyMass: 80, region: .lumbar))
        let profile = TrapezoidProfile(holdForce: 300, rampRate: 17, holdDuration: 30)
        let result = try runClosedLoop(profile: profile, plant: configuration, rateHertz: rateHertz)
        #expect(meetsTrackingGoals(result, holdForce: 300), "\(rateHertz) Hz: \(result)")
    }

    @Test func loopStaysStableUnderTenTimesTheDefaultDisturbances() throws {
        let busy = DisturbanceParameters(coughsPerMinute: 4, shiftsPerMinute: 5, tensingsPerMinute: 3)
        for seed: UInt64 in 1...3 {
            let configuration = PlantConfiguration(seed: seed, patient: SimulatedPatient(bodyMass: 80), disturbances: busy)
            let profile = TrapezoidProfile(holdForce: 300, rampRate: 15, holdDuration: 60)
            let result = try runClosedLoop(profile: profile, plant: configuration)
            #expect(result.disturbanceCount >= 5, "seed \(seed): the run must meet disturbances")
            // Not the 1 % goal (that is for realistic rates), but no instability:
            // RMS within 1.5 %, and no peak beyond the largest cough's share.
            #expect(result.holdRootMeanSquareError.value <= 4.5, "seed \(seed): \(result)")
            #expect(result.peakForce.value <= 300 * 1.1, "seed \(seed): \(result)")
        }
    }

    @Test func holdingOneThirdBodyWeightFor25MinutesCreepsSingleDigitMillimetres() throws {
        var rig = try ClosedLoopRig(configuration: PlantConfiguration(seed: 5, patient: SimulatedPatient(bodyMass: 80)))
        let force: Newtons = Kilograms(80).weight / 3.0
        try rig.hold(force, for: 900)
        let at15 = rig.link.plant.regionElongation.value
        try rig.hold(force, for: 600)
        let at25 = rig.link.plant.regionElongation.value
        #expect(at25 > 5 && at25 < 10)
        #expect(at15 > 0.8 * at25)
        #expect(abs(rig.telemetry.loadCellForce.value - force.value) < 5, "the loop took up the creep")
        #expect(rig.telemetry.tractionPosition.value > at25 + 10, "the drive paid in the creep plus the harness stretch")
    }
}
