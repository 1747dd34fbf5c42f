import TractionDevice

/// The table controller's own logic, which holds whatever the host does:
/// command validation, the lease, the force ceiling, the release profiles and
/// the re-arm latches. See docs/simulation.md, "Table firmware".
struct TableFirmware: Sendable, Hashable {
    let drive: DriveParameters
    let variant: TableVariant
    private(set) var command = DriveCommand.disabled
    /// The instant (ns) after which `command` is no longer valid; nil before
    /// the first valid command.
    private(set) var leaseDeadline: Int64?
    /// Set when a lease ran out while the drive was enabled; cleared only by a
    /// valid command with `driveEnabled == false` (a deliberate re-arm), so a
    /// host that comes back cannot resume pulling without first disabling.
    private(set) var leaseExpiredLatched = false
    /// Set when power returns after a loss; cleared like the lease latch.
    private(set) var powerFailLatched = false
    /// Set when a patient-switch channel reads pressed (the table releases at
    /// the emergency rate by itself, whatever the host does); cleared by a
    /// valid command with the drive off while the switch is released.
    private(set) var patientReleaseLatched = false
    /// The patient switch as the firmware last read it.
    private var patientSwitchPressed = false
    private(set) var rejectedCommandCount = 0

    init(drive: DriveParameters, variant: TableVariant) {
        self.drive = drive
        self.variant = variant
    }

    /// Validates and takes a command. Returns false (and ignores it) when it
    /// is malformed: a non-finite value, a negative ceiling, or a lease that is
    /// not in (0, longestAcceptedLease].
    mutating func accept(_ command: DriveCommand, at nanoseconds: Int64) -> Bool {
        let lease = command.lease.value
        let valid = lease > 0 && lease <= drive.longestAcceptedLease.value
            && command.tractionVelocity.isFinite
            && command.angleVelocities.flexion.isFinite
            && command.angleVelocities.lateralTilt.isFinite
            && command.angleVelocities.rotation.isFinite
            && command.forceCeiling.isFinite && command.forceCeiling.value >= 0
        guard valid else {
            rejectedCommandCount += 1
            return false
        }
        self.command = command
        leaseDeadline = nanoseconds &+ Int64((lease * 1e9).rounded())
        if !command.driveEnabled {
            leaseExpiredLatched = false
            powerFailLatched = false
            if !patientSwitchPressed { patientReleaseLatched = false }
        }
        return true
    }

    mutating func noteExpiryIfDue(at nanoseconds: Int64) {
        if let deadline = leaseDeadline, nanoseconds >= deadline, command.driveEnabled {
            leaseExpiredLatched = true
        }
    }

    mutating func notePowerReturned() { powerFailLatched = true }

    /// Reads the patient switch; a press on either channel latches the
    /// table's own emergency release (when the variant has it).
    mutating func notePatientSwitch(_ channels: PatientSwitchChannels) {
        patientSwitchPressed = channels.eitherPressed
        if patientSwitchPressed && variant.releasesOnPatientSwitch { patientReleaseLatched = true }
    }

    /// The command's angle demand, or stopped when the drive may not move.
    func angleDemand(at nanoseconds: Int64, powered: Bool) -> AngleRates {
        guard powered, commandIsLive(at: nanoseconds), command.driveEnabled,
              !leaseExpiredLatched, !powerFailLatched, !patientReleaseLatched else { return .zero }
        return command.angleVelocities
    }

    private func commandIsLive(at nanoseconds: Int64) -> Bool {
        guard let deadline = leaseDeadline else { return false }
        return nanoseconds < deadline
    }

    /// What the motor does in the sub-step starting at `nanoseconds`.
    /// - Parameters:
    ///   - powered: mains present, e-stop released, no power-cutting fault.
    ///   - loadCell, redundant: the latest sensor readings, N.
    ///   - driveVelocity: the present winch velocity, mm/s.
    func demand(at nanoseconds: Int64, powered: Bool, loadCell: Double, redundant: Double,
                driveVelocity: Double) -> DriveDemand {
        guard powered else { return .unpowered }
        let slack = max(loadCell, redundant) <= drive.slackForce.value
        if patientReleaseLatched {
            return slack ? .hold : .velocity(-drive.emergencyReleaseVelocity.value, hardStop: true)
        }
        if leaseExpiredLatched || powerFailLatched {
            return slack ? .hold : .velocity(-drive.normalReleaseVelocity.value, hardStop: false)
        }
        guard commandIsLive(at: nanoseconds), command.driveEnabled else { return variant.driveOff }
        switch command.releaseProfile {
        case .normal:
            return slack ? .hold : .velocity(-drive.normalReleaseVelocity.value, hardStop: false)
        case .emergency:
            return slack ? .hold : .velocity(-drive.emergencyReleaseVelocity.value, hardStop: true)
        case .none:
            break
        }
        // The ceiling is judged on the larger force channel, as the host
        // judges it (docs/wire-protocol.md section 10.2).
        let force = max(loadCell, redundant)
        let ceiling = command.forceCeiling.value
        let demanded = command.tractionVelocity.value
        // Only a taut cable can be paid out: below slack the limiter would
        // drive the axis into its home stop.
        if variant.limitsForceAtCeiling, force > ceiling, force > drive.slackForce.value {
            let payOut = min(drive.emergencyReleaseVelocity.value,
                             (force - ceiling) * drive.ceilingLimiterGainMillimetresPerSecondPerNewton)
            return .velocity(min(-payOut, demanded), hardStop: true)
        }
        if force >= ceiling, demanded > 0 || driveVelocity > 0 {
            return .velocity(min(demanded, 0), hardStop: true)
        }
        return .velocity(demanded, hardStop: false)
    }

    /// The fault bits the firmware itself contributes.
    var latchedFaults: DriveFaults {
        var faults = DriveFaults.none
        if leaseExpiredLatched { faults.insert(.leaseExpired) }
        if powerFailLatched { faults.insert(.powerFail) }
        if patientReleaseLatched { faults.insert(.patientSwitchRelease) }
        return faults
    }
}

/// How a table reads the parts of the wire protocol that revision 1.1
/// tightened (docs/wire-protocol.md). The default is a revision-1.1 table;
/// the emulator and the tests also play tables built to older or stricter
/// readings, and the host must keep the patient safe with every one.
public struct TableVariant: Sendable, Hashable {
    /// Above its force ceiling the table pays out by itself (section 10.2,
    /// a "should"); a table without it only stops pulling there.
    public var limitsForceAtCeiling: Bool
    /// A patient-switch press starts the table's own emergency release,
    /// whatever the host does (section 9.5, revision 1.1).
    public var releasesOnPatientSwitch: Bool
    /// What the drive does on a COMMAND with the drive off (or with no live
    /// command): section 10.2 says "power stage off, brakes applied", which
    /// holds whatever tension the cable carries.
    public var driveOff: DriveDemand

    public init(limitsForceAtCeiling: Bool = true, releasesOnPatientSwitch: Bool = true,
                driveOff: DriveDemand = .brake) {
        self.limitsForceAtCeiling = limitsForceAtCeiling
        self.releasesOnPatientSwitch = releasesOnPatientSwitch
        self.driveOff = driveOff
    }

    /// A revision-1.1 table.
    public static let standard = TableVariant()
    /// A table built to revision 1.0 read to its letter: no force limiter,
    /// no release of its own on a patient-switch press, brakes on drive off.
    public static let literalRevision10 = TableVariant(limitsForceAtCeiling: false, releasesOnPatientSwitch: false)
}
