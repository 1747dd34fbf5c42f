import TractionDevice
import TractionPlant
import TractionTherapy

/// Drives a simulated table with the force controller at a fixed rate and
/// lets a test look at it between ticks.
struct ClosedLoopRig {
    let link: SimulatedTableLink
    var controller = ForceController()
    var now = MonotonicInstant.origin
    let period: Seconds

    init(configuration: PlantConfiguration, rateHertz: Double = 250) throws {
        link = SimulatedTableLink(configuration: configuration)
        period = Seconds(1 / rateHertz)
        try link.tare(at: .origin)
    }

    var telemetry: Telemetry { link.latestTelemetry(at: now)! }

    /// Closes the loop on `force` (ramping to it at `rate`) for `duration`.
    mutating func hold(_ force: Newtons, rampRate rate: NewtonsPerSecond = 15, for duration: Seconds,
                       ceiling: Newtons? = nil) throws {
        let end = now + duration
        var target = link.latestTelemetry(at: now)!.loadCellForce
        while now < end {
            let measured = link.latestTelemetry(at: now)!.loadCellForce
            let step = rate * period
            let rateNow: NewtonsPerSecond
            if target < force - step { target = target + step; rateNow = rate }
            else if target > force + step { target = target - step; rateNow = -rate }
            else { target = force; rateNow = .zero }
            let velocity = controller.update(target: target, targetRate: rateNow, measured: measured, period: period)
            try link.send(DriveCommand(driveEnabled: true, tractionVelocity: velocity,
                                       forceCeiling: ceiling ?? force * 1.2 + 20), at: now)
            now = now + period
        }
    }

    /// Sends `command` every tick for `duration`, calling `observe` after each.
    mutating func repeatCommand(_ command: DriveCommand, for duration: Seconds,
                                observe: (Telemetry, MonotonicInstant) -> Void = { _, _ in }) throws {
        let end = now + duration
        while now < end {
            try link.send(command, at: now)
            now = now + period
            observe(link.latestTelemetry(at: now)!, now)
        }
    }

    /// Sends nothing for `duration`, calling `observe` every tick.
    mutating func stayQuiet(for duration: Seconds, observe: (Telemetry, MonotonicInstant) -> Void = { _, _ in }) {
        let end = now + duration
        while now < end {
            now = now + period
            observe(link.latestTelemetry(at: now)!, now)
        }
    }
}

extension PlantConfiguration {
    /// A table with a still patient, for tests that time a reaction.
    static func still(seed: UInt64 = 1, bodyMass: Kilograms = 80, region: TreatmentRegion = .lumbar) -> PlantConfiguration {
        PlantConfiguration(seed: seed, patient: SimulatedPatient(bodyMass: bodyMass, region: region), disturbances: .none)
    }
}
