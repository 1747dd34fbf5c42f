import Testing
import TractionDevice
import TractionPlant

/// Force sensors and the faults the emulator and the scenario tests inject.
@Suite struct SensorAndFaultTests {
    @Test func loadCellNoiseAndTaredOffsetAreSmall() throws {
        var rig = try ClosedLoopRig(configuration: PlantConfiguration(seed: 4, disturbances: .none))
        var readings: [Double] = []
        rig.stayQuiet(for: 1) { telemetry, _ in readings.append(telemetry.loadCellForce.value) }
        let mean = readings.reduce(0, +) / Double(readings.count)
        let spread = (readings.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(readings.count)).squareRoot()
        #expect(abs(mean) < 0.2, "tared at slack")
        #expect(spread > 0.2 && spread < 0.6)
    }

    @Test func redundantEstimateAgreesWithTheLoadCellWithinItsErrorBudget() throws {
        for seed: UInt64 in 1...5 {
            var rig = try ClosedLoopRig(configuration: .still(seed: seed))
            try rig.hold(400, for: 40)
            var largestGap = 0.0
            try rig.hold(400, for: 2)
            rig.stayQuiet(for: 0.05) { telemetry, _ in
                largestGap = max(largestGap, (telemetry.redundantForce - telemetry.loadCellForce).magnitude.value)
            }
            // Budget: 3 % gain + 5 N offset + 8 N transmission friction + noise (≈ 4 σ of 3 N).
            let budget: Double = 0.03 * 400 + 5 + 8 + 12
            #expect(largestGap < budget)
        }
    }

    @Test func stuckLoadCellFreezesWhileTheTrueForceMoves() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(200, for: 20)
        rig.link.plant.faults.sensors.loadCellStuck = true
        let frozen = rig.telemetry.loadCellForce
        try rig.repeatCommand(DriveCommand(driveEnabled: true, tractionVelocity: 2, forceCeiling: 400), for: 2)
        #expect(rig.telemetry.loadCellForce == frozen)
        #expect(rig.link.plant.trueCableForce.value > frozen.value + 30)
        #expect(rig.telemetry.redundantForce.value > frozen.value + 20, "the redundant estimate still sees it")
    }

    @Test func loadCellGainErrorMakesItDisagreeWithTheRedundantChannel() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        rig.link.plant.faults.sensors.loadCellGainError = -0.3
        try rig.hold(200, for: 25, ceiling: 600)
        // A loop closed on channel A alone holds the faulty reading at 200 N;
        // the cable really carries ≈ 286 N, and channel B says so.
        #expect(abs(rig.telemetry.loadCellForce.value - 200) < 5)
        #expect(rig.telemetry.redundantForce.value > 270)
        #expect(abs(rig.telemetry.redundantForce.value - rig.link.plant.trueCableForce.value) < 3)
    }

    @Test func theTablesCeilingJudgesTheLargerChannelSoALowLoadCellCannotPullPastIt() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        rig.link.plant.faults.sensors.loadCellGainError = -0.3
        try rig.hold(200, for: 25, ceiling: 240)
        // Channel A reads 30 % low and asks for more, but channel B reaches
        // the ceiling first: the table stops pulling (and pays out above it).
        #expect(rig.link.plant.trueCableForce.value <= 240 + 1)
        #expect(rig.telemetry.loadCellForce.value < 175)
    }

    @Test func injectedDriveFaultIsReportedAndCutsDrivePower() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        rig.link.plant.faults.driveFaults = .overcurrent
        let pull = DriveCommand(driveEnabled: true, tractionVelocity: 5, forceCeiling: 600)
        try rig.repeatCommand(pull, for: 0.004)
        #expect(rig.telemetry.driveFaults.contains(.overcurrent))
        #expect(!rig.telemetry.driveEnabled)
        try rig.repeatCommand(pull, for: 4)
        #expect(rig.telemetry.loadCellForce.value < 10)
    }

    @Test func faultBitThatDoesNotCutPowerIsOnlyReported() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(100, for: 10)
        rig.link.plant.faults.driveFaults = .loadCellFault
        try rig.hold(100, for: 1)
        #expect(rig.telemetry.driveFaults.contains(.loadCellFault))
        #expect(rig.telemetry.driveEnabled)
    }

    @Test func powerLossSilencesTelemetryAndLatchesPowerFailUntilReArmed() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        let beforeLoss = rig.telemetry
        rig.link.plant.faults.powerLost = true
        rig.stayQuiet(for: 3)
        let during = rig.telemetry
        #expect(during == beforeLoss, "no new sample while the table is dark")
        #expect(rig.link.plant.trueCableForce.value < 10, "dynamic braking released the patient")
        rig.link.plant.faults.powerLost = false
        let pull = DriveCommand(driveEnabled: true, tractionVelocity: 5, forceCeiling: 600)
        try rig.repeatCommand(pull, for: 1)
        #expect(rig.telemetry.driveFaults.contains(.powerFail))
        #expect(rig.telemetry.loadCellForce.value < 10, "no pulling before a re-arm")
        try rig.repeatCommand(.disabled, for: 0.01)
        #expect(!rig.telemetry.driveFaults.contains(.powerFail))
    }
}
