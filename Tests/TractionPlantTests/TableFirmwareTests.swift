import Testing
import TractionDevice
import TractionPlant

/// The table's own protections, which hold whatever the host does.
@Suite struct TableFirmwareTests {
    @Test func leaseExpiryReleasesTensionWithinLeasePlusReleaseTimeAndFlagsIt() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 30)
        let configuration = rig.link.plant.configuration
        // Release time bound: the harness stretch at 300 N plus the body's
        // elastic elongation, paid out at the normal release speed, plus the
        // velocity loop's settling.
        let payOut = configuration.harness.stretchMillimetres(atForceNewtons: 300) + 2.0
        let releaseTime = payOut / configuration.drive.normalReleaseVelocity.value + 0.2
        let bound = DriveCommand.defaultLease.value + releaseTime
        var flaggedAt: Double?
        var slackAt: Double?
        let start = rig.now.secondsSinceOrigin
        rig.stayQuiet(for: 8) { telemetry, now in
            let elapsed = now.secondsSinceOrigin - start
            if flaggedAt == nil, telemetry.driveFaults.contains(.leaseExpired) { flaggedAt = elapsed }
            if slackAt == nil, telemetry.loadCellForce.value < 5 { slackAt = elapsed }
        }
        #expect(try #require(flaggedAt) <= DriveCommand.defaultLease.value + 0.005)
        #expect(try #require(slackAt) <= bound)
        #expect(try #require(slackAt) > 1.0, "a normal release is controlled, not a drop")
    }

    @Test func afterLeaseExpiryTheTableRefusesToPullUntilReArmed() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(200, for: 20)
        rig.stayQuiet(for: 6)
        let pull = DriveCommand(driveEnabled: true, tractionVelocity: 5, forceCeiling: 400)
        try rig.repeatCommand(pull, for: 2)
        #expect(rig.telemetry.loadCellForce.value < 5)
        #expect(rig.telemetry.driveFaults.contains(.leaseExpired))
        try rig.repeatCommand(.disabled, for: 0.02)
        #expect(!rig.telemetry.driveFaults.contains(.leaseExpired))
        try rig.repeatCommand(pull, for: 3)
        #expect(rig.telemetry.loadCellForce.value > 20)
    }

    @Test func forceCeilingIsEnforcedByTheTable() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        let ceiling: Newtons = 200
        var largest = 0.0
        var largestTrue = 0.0
        let pull = DriveCommand(driveEnabled: true, tractionVelocity: 10, forceCeiling: ceiling)
        let link = rig.link
        try rig.repeatCommand(pull, for: 20) { telemetry, _ in
            largest = max(largest, telemetry.loadCellForce.value)
            largestTrue = max(largestTrue, link.plant.trueCableForce.value)
        }
        // Reaching the ceiling at 10 mm/s and ~30 N/mm, a hard stop at the
        // drive's 1500 mm/s² adds ≈ 1 mm: ≤ 10 N past the ceiling.
        #expect(largest <= ceiling.value + 10)
        #expect(largestTrue <= ceiling.value + 12)
        #expect(rig.telemetry.loadCellForce.value > ceiling.value - 20, "the ceiling stops the pull, it does not release")
    }

    @Test func loweredCeilingMakesTheTablePayOutOnItsOwn() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        let lowered = DriveCommand(driveEnabled: true, tractionVelocity: 0, forceCeiling: 150)
        try rig.repeatCommand(lowered, for: 5)
        // The table's own force limiter brings the force back to the ceiling.
        #expect(rig.telemetry.measuredForce.value <= 150 + 2)
        #expect(rig.link.plant.trueCableForce.value <= 150 + 1)
    }

    @Test func emergencyReleaseBringsForceBelowTenPercentWithinOneSecond() throws {
        for weight: Kilograms in [45, 80, 150] {
            var rig = try ClosedLoopRig(configuration: .still(bodyMass: weight))
            try rig.hold(600, rampRate: 17, for: 45)
            let atPress = rig.telemetry.loadCellForce.value
            #expect(atPress > 590)
            let release = DriveCommand(driveEnabled: true, forceCeiling: 650, releaseProfile: .emergency)
            var belowTenPercentAfter: Double?
            let start = rig.now.secondsSinceOrigin
            try rig.repeatCommand(release, for: 2) { telemetry, now in
                if belowTenPercentAfter == nil, telemetry.loadCellForce.value < 0.1 * atPress {
                    belowTenPercentAfter = now.secondsSinceOrigin - start
                }
            }
            #expect(try #require(belowTenPercentAfter) <= 1.0)
        }
    }

    @Test func normalReleaseIsSlowerThanEmergencyRelease() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        try rig.repeatCommand(DriveCommand(driveEnabled: true, forceCeiling: 350, releaseProfile: .normal), for: 0.5)
        let afterHalfSecond = rig.telemetry.loadCellForce.value
        #expect(afterHalfSecond > 150 && afterHalfSecond < 290)
        try rig.repeatCommand(DriveCommand(driveEnabled: true, forceCeiling: 350, releaseProfile: .normal), for: 5)
        #expect(rig.telemetry.loadCellForce.value < 5)
    }

    @Test func aDriveOffCommandUnderTensionAppliesTheBrakeAndHoldsTheTension() throws {
        // docs/wire-protocol.md section 10.2, read to the letter: drive off
        // means power stage off, brakes applied. The host therefore sends it
        // only once the cable is slack (docs/safety.md section 5).
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        let heldAt = rig.telemetry.tractionPosition
        try rig.repeatCommand(.disabled, for: 2)
        #expect(!rig.telemetry.driveEnabled)
        #expect(rig.telemetry.tractionPosition == heldAt)
        #expect(rig.telemetry.loadCellForce.value > 250, "the brake holds the tension")
    }

    @Test func aPowerCutUnderTensionLetsTheLoadBackDriveTheWinchUntilSlack() throws {
        // Dynamic braking: with the power stage cut (e-stop, power loss) the
        // shorted windings let the tension pay the cable out, then the brake
        // holds at slack.
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        rig.link.plant.faults.driveFaults = .overcurrent
        try rig.repeatCommand(.disabled, for: 4)
        #expect(rig.telemetry.loadCellForce.value < 8)
        let heldAt = rig.telemetry.tractionPosition
        try rig.repeatCommand(.disabled, for: 2)
        #expect(rig.telemetry.tractionPosition == heldAt)
        #expect(heldAt.value > 0, "the brake holds where the cable went slack, not at home")
    }

    @Test func aPatientSwitchPressStartsTheTablesOwnEmergencyReleaseWhateverTheHostCommands() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        rig.link.plant.inputs.patientSwitch = PatientSwitchChannels(channelAPressed: true, channelBPressed: false)
        let pull = DriveCommand(driveEnabled: true, tractionVelocity: 5, forceCeiling: 600)
        let atPress = rig.telemetry.loadCellForce.value
        var belowTenPercentAfter: Double?
        let start = rig.now.secondsSinceOrigin
        try rig.repeatCommand(pull, for: 1.5) { telemetry, now in
            if belowTenPercentAfter == nil, telemetry.loadCellForce.value < atPress * 0.1 {
                belowTenPercentAfter = now.secondsSinceOrigin - start
            }
        }
        #expect(belowTenPercentAfter.map { $0 <= 1.0 } == true, "10 % after \(belowTenPercentAfter ?? -1) s")
        #expect(rig.telemetry.driveFaults.contains(.patientSwitchRelease))
        // Released switch: the latch stays until the host turns the drive off.
        rig.link.plant.inputs.patientSwitch = .released
        try rig.repeatCommand(pull, for: 1)
        #expect(rig.telemetry.loadCellForce.value < 10, "no pull while the latch is set")
        try rig.repeatCommand(.disabled, for: 0.1)
        #expect(!rig.telemetry.driveFaults.contains(.patientSwitchRelease))
    }

    @Test func aTableBuiltToRevision10LeavesThePatientSwitchToTheHost() throws {
        var configuration = PlantConfiguration.still()
        configuration.variant = .literalRevision10
        var rig = try ClosedLoopRig(configuration: configuration)
        try rig.hold(300, for: 25)
        rig.link.plant.inputs.patientSwitch = .pressed
        try rig.repeatCommand(DriveCommand(driveEnabled: true, tractionVelocity: 0, forceCeiling: 600), for: 1)
        #expect(rig.telemetry.loadCellForce.value > 250)
        #expect(!rig.telemetry.driveFaults.contains(.patientSwitchRelease))
    }

    @Test func emergencyStopUnpowersTheDriveWhateverTheHostCommands() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(300, for: 25)
        rig.link.plant.inputs.emergencyStopPressed = true
        let pull = DriveCommand(driveEnabled: true, tractionVelocity: 10, forceCeiling: 600)
        var reportedAfter: Double?
        let start = rig.now.secondsSinceOrigin
        try rig.repeatCommand(pull, for: 3) { telemetry, now in
            if reportedAfter == nil, telemetry.emergencyStopPressed, !telemetry.driveEnabled {
                reportedAfter = now.secondsSinceOrigin - start
            }
        }
        #expect(try #require(reportedAfter) <= rig.period.value + 1e-9)
        #expect(rig.telemetry.loadCellForce.value < 10)
    }

    @Test func malformedCommandsAreRejectedAndTheLeaseRunsOut() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(200, for: 20)
        let malformed = [
            DriveCommand(driveEnabled: true, tractionVelocity: MillimetresPerSecond(.nan), forceCeiling: 300),
            DriveCommand(driveEnabled: true, tractionVelocity: 1, forceCeiling: 300, lease: 0),
            DriveCommand(driveEnabled: true, tractionVelocity: 1, forceCeiling: 300, lease: 30),
            DriveCommand(driveEnabled: true, tractionVelocity: 1, forceCeiling: -1),
        ]
        for command in malformed {
            #expect(rig.link.plant.receive(command, at: rig.now) == false)
        }
        #expect(rig.link.plant.rejectedCommandCount == malformed.count)
        try rig.repeatCommand(malformed[0], for: 0.2)
        #expect(rig.telemetry.driveFaults.contains(.leaseExpired))
    }

    @Test func identityIsMarkedSimulated() throws {
        let link = SimulatedTableLink()
        let identity = try link.identify()
        #expect(identity.simulated)
        #expect(identity.has(.flexion) && identity.has(.lateralTilt) && identity.has(.rotation))
        #expect(identity.maximumForce == 900)
    }

    @Test func tareIsRefusedUnderTension() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(100, for: 10)
        #expect(throws: TableLinkError.self) { try rig.link.tare(at: rig.now) }
    }

    /// The firmware's answers to a tare, each for its own cause.
    @Test func tareAnswersSayWhyATareWasNotDone() throws {
        var rig = try ClosedLoopRig(configuration: .still())
        try rig.hold(100, for: 10)
        #expect(rig.link.requestTare(at: rig.now) == .failed(.tensionPresent))

        let stuck = SimulatedTableLink(configuration: .still())
        _ = try stuck.identify()
        stuck.plant.faults.sensors.loadCellStuck = true
        #expect(stuck.requestTare(at: .seconds(1)) == .failed(.sensorFault))
        #expect(stuck.tareProgress(at: .seconds(1)) == .failed(.sensorFault))

        let unpowered = SimulatedTableLink(configuration: .still())
        unpowered.plant.faults.powerLost = true
        #expect(unpowered.requestTare(at: .seconds(1)) == .failed(.noAnswer))

        let healthy = SimulatedTableLink(configuration: .still())
        #expect(healthy.requestTare(at: .seconds(1)) == .done)
    }
}
