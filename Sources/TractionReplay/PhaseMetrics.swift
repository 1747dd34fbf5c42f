import TractionDevice
import TractionTherapy

/// Accumulates the tracking figures of each program phase while a replay runs.
///
/// Definitions (docs/replay.md):
/// - hold RMS error: RMS of (measured - target) over every hold sample of the
///   phase, disturbances included; in percent, relative to each sample's target;
/// - overshoot: for each ramp-and-hold cycle, the largest measured force
///   above that cycle's hold target, from the start of the ramp up to 10 s
///   into the hold, leaving out samples during a patient disturbance and
///   1 s after it (a cough is the patient's force, not the controller's);
/// - time to hold: from the start of a ramp up until the measured force
///   first reaches 98 % of the hold target.
struct PhaseMetrics {
    /// How far into a hold overshoot is still looked for.
    static let overshootWindow = 10.0
    /// Samples this soon after a disturbance are left out of the overshoot.
    static let disturbanceSettling = 1.0
    static let reachedFraction = 0.98

    struct Accumulator {
        var name: String
        var mode: String
        var start: Double
        var end: Double
        var holdSamples = 0
        var sumOfSquaredErrors = 0.0
        var sumOfSquaredRelativeErrors = 0.0
        var sumOfMeasured = 0.0
        var highestHoldTarget = 0.0
        var overshoot = -Double.infinity
        var overshootPercent = -Double.infinity
        var overshootGoalMet = true
        var timesToHold: [Double] = []
        var lastAngles = Angles.zero
    }

    let program: TreatmentProgram
    var phases: [Int: Accumulator] = [:]
    var order: [Int] = []

    // The cycle in progress.
    var previousActivity: TherapyActivity?
    var rampStart: Double?
    var rampPeakMeasured = -Double.infinity
    var holdStart: Double?
    /// The phase the cycle's hold belongs to.
    var holdKey = 0
    var holdTarget = 0.0
    var reached = false
    var cycleOvershoot = -Double.infinity
    var lastDisturbed = -Double.infinity

    init(program: TreatmentProgram) { self.program = program }

    mutating func observe(output: PlannerOutput?, measured: Newtons, angles: Angles, disturbed: Bool, time: Double) {
        guard let output, !output.isFinished else { return }
        let key = output.phaseIndex
        if phases[key] == nil {
            let name = key >= 0 ? program.phases[key].name : "final release"
            let mode = key >= 0 ? program.phases[key].mode.rawValue : "release"
            phases[key] = Accumulator(name: name, mode: mode, start: time, end: time)
            order.append(key)
        }
        if disturbed { lastDisturbed = time }
        let quiet = time - lastDisturbed > Self.disturbanceSettling
        let activity = output.activity

        if activity == .rampUp && previousActivity != .rampUp {
            closeCycle()
            rampStart = time
            rampPeakMeasured = -Double.infinity
            holdStart = nil
            reached = false
        }
        if activity == .rampUp, quiet { rampPeakMeasured = max(rampPeakMeasured, measured.value) }
        if activity == .hold {
            if previousActivity != .hold {
                holdStart = time
                holdKey = key
                holdTarget = output.targetForce.value
                cycleOvershoot = rampPeakMeasured - holdTarget
            }
            let target = output.targetForce.value
            let error = measured.value - target
            phases[key]!.holdSamples += 1
            phases[key]!.sumOfSquaredErrors += error * error
            if target > 0 { phases[key]!.sumOfSquaredRelativeErrors += (error / target) * (error / target) }
            phases[key]!.sumOfMeasured += measured.value
            phases[key]!.highestHoldTarget = max(phases[key]!.highestHoldTarget, target)
            if !reached, let start = rampStart, measured.value >= Self.reachedFraction * target {
                reached = true
                phases[key]!.timesToHold.append(time - start)
            }
            if let start = holdStart, time - start <= Self.overshootWindow, quiet {
                cycleOvershoot = max(cycleOvershoot, measured.value - target)
            }
        } else if previousActivity == .hold {
            closeCycle()
        }
        phases[key]!.end = time
        phases[key]!.lastAngles = angles
        previousActivity = activity
    }

    /// Books the overshoot of the cycle that just ended on its hold's phase.
    private mutating func closeCycle() {
        let key = holdKey
        guard holdStart != nil, holdTarget > 0, cycleOvershoot.isFinite, phases[key] != nil else {
            holdStart = nil
            return
        }
        let overshoot = max(0, cycleOvershoot)
        phases[key]!.overshoot = max(phases[key]!.overshoot, overshoot)
        phases[key]!.overshootPercent = max(phases[key]!.overshootPercent, 100 * overshoot / holdTarget)
        if overshoot > max(0.02 * holdTarget, 5) { phases[key]!.overshootGoalMet = false }
        holdStart = nil
        cycleOvershoot = -Double.infinity
    }

    func reports() -> [ReplayReport.Phase] {
        var copy = self
        copy.closeCycle()
        return copy.order.map { key in
            let phase = copy.phases[key]!
            let hasHolds = phase.holdSamples > 0
            let rms = hasHolds ? (phase.sumOfSquaredErrors / Double(phase.holdSamples)).squareRoot() : nil
            let rmsPercent = hasHolds
                ? 100 * (phase.sumOfSquaredRelativeErrors / Double(phase.holdSamples)).squareRoot() : nil
            let overshoot = phase.overshoot.isFinite ? phase.overshoot : nil
            let meets: Bool? = hasHolds ? (rmsPercent! <= 1 && phase.overshootGoalMet) : nil
            return ReplayReport.Phase(
                phase: key >= 0 ? key + 1 : 0,
                name: phase.name, mode: phase.mode,
                startSeconds: phase.start, endSeconds: phase.end,
                targetHoldNewtons: hasHolds ? phase.highestHoldTarget : nil,
                achievedHoldNewtons: hasHolds ? phase.sumOfMeasured / Double(phase.holdSamples) : nil,
                holdRmsErrorNewtons: rms, holdRmsErrorPercent: rmsPercent,
                overshootNewtons: overshoot,
                overshootPercent: phase.overshootPercent.isFinite ? phase.overshootPercent : nil,
                timeToHoldFirstSeconds: phase.timesToHold.first,
                timeToHoldWorstSeconds: phase.timesToHold.max(),
                flexionDegrees: phase.lastAngles.flexion.value,
                lateralTiltDegrees: phase.lastAngles.lateralTilt.value,
                rotationDegrees: phase.lastAngles.rotation.value,
                meetsTrackingGoals: meets)
        }
    }
}
