import TractionDevice

/// The table controller's own logic, which holds whatever the host does:
/// command validation, the lease, the force ceiling, the release profiles and
/// the re-arm latches. See docs/simulation.md, "Table firmware".
struct TableFirmware: Sendable, Hashable {
    let drive: DriveParameters
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
    private(set) var rejectedCommandCount = 0

    init(drive: DriveParameters) { self.drive = drive }

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
        }
        return true
    }

    mutating func noteExpiryIfDue(at nanoseconds: Int64) {
        if let deadline = leaseDeadline, nanoseconds >= deadline, command.driveEnabled {
            leaseExpiredLatched = true
        }
    }

    mutating func notePowerReturned() { powerFailLatched = true }

    /// The command's angle demand, or stopped when the drive may not move.
    func angleDemand(at nanoseconds: Int64, powered: Bool) -> AngleRates {
        guard powered, commandIsLive(at: nanoseconds), command.driveEnabled,
              !leaseExpiredLatched, !powerFailLatched else { return .zero }
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
        if leaseExpiredLatched || powerFailLatched {
            return slack ? .hold : .velocity(-drive.normalReleaseVelocity.value, hardStop: false)
        }
        guard commandIsLive(at: nanoseconds), command.driveEnabled else { return .unpowered }
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
        if force > ceiling, force > drive.slackForce.value {
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
        return faults
    }
}
