import TractionDevice

/// The controller's model of how stiff the traction chain is (cable, harness
/// and body in series) at a given tension: N of tension gained per mm of
/// take-up. It turns the planner's force rate into a feed-forward velocity
/// and schedules the proportional gain so that the loop's bandwidth stays
/// roughly constant from slack to full tension.
///
/// An affine fit, `stiffness = atZeroForce + perNewton · force`, clamped to
/// `range`. The chain stiffens with load (the harness hardens), so a single
/// gain would be either sluggish at low force or oscillatory at high force.
/// Overestimating the stiffness only slows the loop; the defaults lean that
/// way above 300 N, where the force is larger and margins matter more.
public struct TractionStiffnessEstimate: Sendable, Hashable, Codable {
    /// Chain stiffness as the cable becomes taut, N/mm.
    public var atZeroForceNewtonsPerMillimetre: Double
    /// Growth of the stiffness with tension, (N/mm) per N.
    public var perNewtonPerMillimetre: Double
    /// The estimate never leaves this interval, N/mm.
    public var lowestNewtonsPerMillimetre: Double
    public var highestNewtonsPerMillimetre: Double

    public init(atZeroForceNewtonsPerMillimetre: Double = 6,
                perNewtonPerMillimetre: Double = 0.08,
                lowestNewtonsPerMillimetre: Double = 5,
                highestNewtonsPerMillimetre: Double = 80) {
        self.atZeroForceNewtonsPerMillimetre = atZeroForceNewtonsPerMillimetre
        self.perNewtonPerMillimetre = perNewtonPerMillimetre
        self.lowestNewtonsPerMillimetre = lowestNewtonsPerMillimetre
        self.highestNewtonsPerMillimetre = highestNewtonsPerMillimetre
    }

    /// Estimated chain stiffness at `force`, N/mm.
    public func newtonsPerMillimetre(at force: Newtons) -> Double {
        let linear = atZeroForceNewtonsPerMillimetre + perNewtonPerMillimetre * max(force.value, 0)
        return min(max(linear, lowestNewtonsPerMillimetre), highestNewtonsPerMillimetre)
    }
}

/// Tuning of the traction force controller. Every constant has a safe
/// default, tuned on the plant model (docs/simulation.md, "Controllers").
public struct ForceControllerConfiguration: Sendable, Hashable, Codable {
    /// Target loop bandwidth, rad/s. The proportional gain is this divided by
    /// the estimated stiffness (mm/s per N). Tuned on the plant: the loop
    /// starts to limit-cycle between 25 and 40 rad/s (at 100 Hz) and between
    /// 40 and 60 rad/s (at 250 Hz), so 15 rad/s keeps a gain margin of at
    /// least 2.5 against a stiffer patient or a wrong stiffness estimate,
    /// while still rejecting coughs and creep to well under 1 % RMS.
    public var bandwidthRadiansPerSecond: Double
    /// The integral's corner sits at bandwidth ÷ this ratio (classic PI
    /// placement: far enough below crossover to cost little phase).
    public var integralCornerRatio: Double
    /// Share of the planner's force rate fed forward (1 = all of it).
    public var feedForwardShare: Double
    /// The controller never asks for more traction speed than this, either way.
    public var largestVelocity: MillimetresPerSecond
    /// Output rate limit: the velocity demand changes by at most this per
    /// second, mm/s² (no jerk into the patient when a phase starts or ends).
    /// Not lower: a rate limit inside the loop adds lag, and at 50 mm/s² the
    /// load cell's noise alone kept it engaged and the loop limit-cycled.
    public var largestAccelerationMillimetresPerSecondSquared: Double
    /// Bound on the integral term, mm/s: it only has to cover the body's
    /// creep and friction, a fraction of a mm/s.
    public var largestIntegralVelocity: MillimetresPerSecond
    /// Back-calculation anti-windup: the integral sheds the undelivered part of
    /// the demand with this time constant.
    public var antiWindupTimeConstant: Seconds
    public var stiffness: TractionStiffnessEstimate
    /// Below this measured force the cable and harness are still being taken
    /// up: the load cell says little about how close the harness is.
    public var takeUpForce: Newtons
    /// While taking up, the controller pulls no faster than this force rate
    /// would need at the estimated stiffness. On the plant, catching the
    /// harness at full speed raised the force at about 90 N/s, above the
    /// kernel's measured-rate alarm (60 N/s). Above `takeUpForce` the limit is
    /// off: it would slow the recovery from a cough and cost tracking.
    public var takeUpForceRate: NewtonsPerSecond

    public init(bandwidthRadiansPerSecond: Double = 15,
                integralCornerRatio: Double = 4,
                feedForwardShare: Double = 1,
                largestVelocity: MillimetresPerSecond = 20,
                largestAccelerationMillimetresPerSecondSquared: Double = 200,
                largestIntegralVelocity: MillimetresPerSecond = 5,
                antiWindupTimeConstant: Seconds = 0.1,
                stiffness: TractionStiffnessEstimate = TractionStiffnessEstimate(),
                takeUpForce: Newtons = 30,
                takeUpForceRate: NewtonsPerSecond = 25) {
        self.bandwidthRadiansPerSecond = bandwidthRadiansPerSecond
        self.integralCornerRatio = integralCornerRatio
        self.feedForwardShare = feedForwardShare
        self.largestVelocity = largestVelocity
        self.largestAccelerationMillimetresPerSecondSquared = largestAccelerationMillimetresPerSecondSquared
        self.largestIntegralVelocity = largestIntegralVelocity
        self.antiWindupTimeConstant = antiWindupTimeConstant
        self.stiffness = stiffness
        self.takeUpForce = takeUpForce
        self.takeUpForceRate = takeUpForceRate
    }

    /// Proportional gain at `force`, (mm/s) per N.
    public func proportionalGain(at force: Newtons) -> Double {
        bandwidthRadiansPerSecond / stiffness.newtonsPerMillimetre(at: force)
    }
}
