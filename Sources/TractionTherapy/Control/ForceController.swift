import TractionDevice

/// The traction force controller: PI with feed-forward, gain scheduled on the
/// chain's stiffness, with back-calculation anti-windup and an output rate
/// limit. Its output is the traction velocity demand of a `DriveCommand`.
///
///     k(F)   = stiffness estimate at max(target, measured)     N/mm
///     Kp     = bandwidth / k(F)                                (mm/s)/N
///     e      = target − measured                               N
///     v_ff   = feedForwardShare · targetRate / k(target)       mm/s
///     I     += Kp · (bandwidth / cornerRatio) · e · dt          mm/s, |I| ≤ I_max
///     v_raw  = v_ff + Kp·e + I
///     v_sat  = v_raw limited to ±v_max, and to R_takeup / k(F) while F < F_takeup
///     v      = v_sat limited to v_prev ± a_max·dt               output rate limit
///     I     += (v_sat − v_raw) · min(1, dt / T_aw)              anti-windup
///
/// The integral is kept in output units (mm/s), so a change of gain (the
/// scheduled Kp, or `retune`) never moves the output: only the proportional
/// part depends on the gain, and `retune` compensates it. No derivative term:
/// the plant is an integrator (velocity in, force out) with a 15 ms velocity
/// loop, for which PI already gives ample phase margin, and a D term would
/// amplify the load cell's noise.
///
/// Pure and allocation-free: a value type updated once per tick.
public struct ForceController: Sendable, Hashable {
    public private(set) var configuration: ForceControllerConfiguration
    /// The integral term, mm/s.
    public private(set) var integralVelocity: Double = 0
    /// The last demand returned (or set by `track`), mm/s.
    public private(set) var lastOutput: MillimetresPerSecond = .zero
    private var lastError: Double = 0
    private var lastGain: Double = 0
    /// The last demand before any limit, and the period it was computed for:
    /// what `track(applied:)` compares the applied command with.
    private var lastUnlimited: Double = 0
    private var lastPeriod: Double = 0

    public init(configuration: ForceControllerConfiguration = ForceControllerConfiguration()) {
        self.configuration = configuration
    }

    /// One control period.
    /// - Parameters:
    ///   - target: the planner's force for this instant.
    ///   - targetRate: the planner's rate of change of that force (feed-forward).
    ///   - measured: the load cell's force.
    ///   - period: time since the previous update; a non-positive or
    ///     non-finite period leaves the state untouched and repeats the last output.
    /// - Returns: the traction velocity demand; positive pulls.
    public mutating func update(target: Newtons, targetRate: NewtonsPerSecond, measured: Newtons,
                                period: Seconds) -> MillimetresPerSecond {
        let dt = period.value
        guard dt > 0, dt.isFinite, target.isFinite, targetRate.isFinite, measured.isFinite else {
            return lastOutput
        }
        let config = configuration
        let gain = config.proportionalGain(at: max(target, measured))
        let feedForward = config.feedForwardShare * targetRate.value
            / config.stiffness.newtonsPerMillimetre(at: target)
        let error = target.value - measured.value
        let integralLimit = config.largestIntegralVelocity.value
        let integralRate = gain * config.bandwidthRadiansPerSecond / config.integralCornerRatio
        integralVelocity = clamp(integralVelocity + integralRate * error * dt, limit: integralLimit)

        let unlimited = feedForward + gain * error + integralVelocity
        var speedLimited = clamp(unlimited, limit: config.largestVelocity.value)
        if measured < config.takeUpForce {
            speedLimited = min(speedLimited, config.takeUpForceRate.value / config.stiffness.newtonsPerMillimetre(at: measured))
        }
        let largestChange = config.largestAccelerationMillimetresPerSecondSquared * dt
        let previous = lastOutput.value
        let output = min(max(speedLimited, previous - largestChange), previous + largestChange)

        // Anti-windup acts on the speed limit only. The rate limit holds the
        // output back for a few ticks at most; bleeding the integral for it
        // would leave a lasting bias once the error is zero.
        let undelivered = speedLimited - unlimited
        integralVelocity = clamp(integralVelocity + undelivered * min(1, dt / config.antiWindupTimeConstant.value),
                                 limit: integralLimit)
        lastError = error
        lastGain = gain
        lastUnlimited = unlimited
        lastPeriod = dt
        lastOutput = MillimetresPerSecond(output)
        return lastOutput
    }

    /// Changes the tuning without a jump in the output: the integral absorbs
    /// the change of the proportional term at the last error.
    public mutating func retune(_ newConfiguration: ForceControllerConfiguration, at force: Newtons) {
        let newGain = newConfiguration.proportionalGain(at: force)
        integralVelocity = clamp(integralVelocity + (lastGain - newGain) * lastError,
                                 limit: newConfiguration.largestIntegralVelocity.value)
        lastGain = newGain
        configuration = newConfiguration
    }

    /// Tells the controller what the table was actually commanded when the
    /// safety clamp (or a phase without force control) overrode its output,
    /// once per period in which that happened. The rate limit then starts
    /// from `applied`, and the integral is pulled towards the value that
    /// would have produced `applied` by the same back-calculation as the
    /// speed limit: one override moves it a little, an override that lasts
    /// (a pause) conditions it fully, so the output resumes without a bump
    /// and without a stale integral; a clamp that trims a little every tick
    /// leaves the integral's action on the remaining error intact.
    public mutating func track(applied: MillimetresPerSecond) {
        guard applied.isFinite else { return }
        let config = configuration
        let share = lastPeriod > 0 ? min(1, lastPeriod / config.antiWindupTimeConstant.value) : 1
        integralVelocity = clamp(integralVelocity + (applied.value - lastUnlimited) * share,
                                 limit: config.largestIntegralVelocity.value)
        lastUnlimited = applied.value
        lastOutput = applied
    }

    /// Back to rest: no integral, no output.
    public mutating func reset() {
        integralVelocity = 0
        lastOutput = .zero
        lastError = 0
        lastGain = 0
        lastUnlimited = 0
        lastPeriod = 0
    }

    private func clamp(_ value: Double, limit: Double) -> Double {
        min(max(value, -limit), limit)
    }
}
