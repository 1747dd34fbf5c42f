import TractionDevice
import TractionPlant
import TractionTherapy

/// A trapezoid force profile: ramp up at `rampRate`, hold, ramp down at the
/// same rate. A stand-in for the planner (another target) that keeps these
/// tests about the controller and the plant alone.
struct TrapezoidProfile {
    var holdForce: Newtons
    var rampRate: NewtonsPerSecond
    var holdDuration: Seconds

    var rampDuration: Seconds { holdForce / rampRate }
    var holdStart: Seconds { rampDuration }
    var holdEnd: Seconds { rampDuration + holdDuration }
    var end: Seconds { holdEnd + rampDuration }

    /// Target force and its rate at `time` since the start.
    func target(at time: Seconds) -> (force: Newtons, rate: NewtonsPerSecond) {
        let t = time.value
        if t <= 0 { return (.zero, .zero) }
        if t < holdStart.value { return (rampRate * time, rampRate) }
        if t < holdEnd.value { return (holdForce, .zero) }
        if t < end.value { return (holdForce - rampRate * (time - holdEnd), -rampRate) }
        return (.zero, .zero)
    }
}

/// The figures of one closed-loop run.
struct ClosedLoopResult {
    /// RMS of (measured − target) over the hold, disturbances included.
    var holdRootMeanSquareError: Newtons
    /// Largest (measured − hold target) from the start of the ramp to 10 s
    /// into the hold, leaving out samples during or within 1 s after a
    /// disturbance (a cough is the patient's overshoot, not the controller's).
    var overshoot: Newtons
    /// Largest measured force over the whole run, disturbances included.
    var peakForce: Newtons
    /// Time from the start until the measured force first reached 98 % of the hold force.
    var timeToHold: Seconds
    var disturbanceCount: Int
    var finalForce: Newtons
}

/// Runs `profile` against a simulated table at `rateHertz`, closing the force
/// loop with `ForceController`, as the engine will.
func runClosedLoop(profile: TrapezoidProfile, plant configuration: PlantConfiguration,
                   rateHertz: Double = 250,
                   controllerConfiguration: ForceControllerConfiguration = ForceControllerConfiguration(),
                   tail: Seconds = 5) throws -> ClosedLoopResult {
    let link = SimulatedTableLink(configuration: configuration)
    var controller = ForceController(configuration: controllerConfiguration)
    let periodNanoseconds = Int64((1e9 / rateHertz).rounded())
    let period = Seconds(Double(periodNanoseconds) / 1e9)
    // The cable is slack at the start: zero the load cell as a technician would.
    try link.tare(at: .origin)

    var sumOfSquares = 0.0
    var holdSamples = 0
    var overshoot = -Double.infinity
    var peak = -Double.infinity
    var timeToHold = Double.infinity
    var disturbanceCount = 0
    var wasDisturbed = false
    var lastDisturbedAt = -Double.infinity
    var now = MonotonicInstant.origin
    var lastMeasured = 0.0
    let end = (profile.end + tail).value
    while now.secondsSinceOrigin <= end {
        let time = now.secondsSinceOrigin
        guard let telemetry = link.latestTelemetry(at: now) else { break }
        let measured = telemetry.loadCellForce
        lastMeasured = measured.value
        let (target, rate) = profile.target(at: Seconds(time))
        let velocity = controller.update(target: target, targetRate: rate, measured: measured, period: period)
        let command = DriveCommand(driveEnabled: true, tractionVelocity: velocity,
                                   forceCeiling: profile.holdForce * 1.15 + 20, releaseProfile: .none)
        try link.send(command, at: now)

        let disturbed = link.plant.disturbanceActivity.any
        if disturbed { lastDisturbedAt = time }
        if disturbed && !wasDisturbed { disturbanceCount += 1 }
        wasDisturbed = disturbed
        peak = max(peak, measured.value)
        if measured.value >= 0.98 * profile.holdForce.value, timeToHold.isInfinite { timeToHold = time }
        if time >= profile.holdStart.value, time < profile.holdEnd.value {
            let error = measured.value - target.value
            sumOfSquares += error * error
            holdSamples += 1
        }
        if time < profile.holdStart.value + 10, time - lastDisturbedAt > 1 {
            overshoot = max(overshoot, measured.value - profile.holdForce.value)
        }
        now = now + period
    }
    return ClosedLoopResult(
        holdRootMeanSquareError: Newtons((sumOfSquares / Double(max(holdSamples, 1))).squareRoot()),
        overshoot: Newtons(overshoot),
        peakForce: Newtons(peak),
        timeToHold: Seconds(timeToHold),
        disturbanceCount: disturbanceCount,
        finalForce: Newtons(lastMeasured)
    )
}

/// The tracking goals: hold RMS ≤ 1 % of target; overshoot ≤ 2 % or ≤ 5 N.
func meetsTrackingGoals(_ result: ClosedLoopResult, holdForce: Newtons) -> Bool {
    result.holdRootMeanSquareError.value <= 0.01 * holdForce.value
        && result.overshoot.value <= max(0.02 * holdForce.value, 5)
}
