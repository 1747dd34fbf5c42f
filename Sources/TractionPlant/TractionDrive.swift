import TractionDevice

/// The traction drive: a servo motor on a winch, with its own velocity loop,
/// and the table firmware's fixed release rates.
///
/// No published pull speeds exist (PLANT-FACTS.md); the defaults are those of
/// a small servo winch: far faster than any clinical ramp needs (17 N/s is
/// about 0.6 mm/s at 300 N), so that only the release rates and the safety
/// envelope, not the motor, limit the table.
public struct DriveParameters: Sendable, Hashable {
    /// Speed limit of the traction axis, both directions.
    public var maximumVelocity: MillimetresPerSecond
    /// Acceleration limit of the drive's velocity loop, mm/s².
    public var maximumAccelerationMillimetresPerSecondSquared: Double
    /// Time constant of the drive's velocity loop (first order).
    public var velocityTimeConstant: Seconds
    /// Cable force at which the motor runs out of torque and can pull no further.
    public var stallForce: Newtons
    /// The table's rated maximum force (reported in its identity): the simulated
    /// table is rated at the host's default device cap.
    public var maximumForce: Newtons
    /// Travel of the traction axis from its home position.
    public var maximumTravel: Millimetres
    /// Pay-out speed of a normal release (`ReleaseProfile.normal`, lease expiry).
    public var normalReleaseVelocity: MillimetresPerSecond
    /// Pay-out speed of an emergency release (`ReleaseProfile.emergency`).
    public var emergencyReleaseVelocity: MillimetresPerSecond
    /// Below this force (on both sensors) the firmware calls the cable slack:
    /// releases stop and the holding brake may engage.
    public var slackForce: Newtons
    /// With the power stage off the motor windings are shorted (dynamic
    /// braking): the load back-drives the winch at force ÷ this damping,
    /// N per mm/s, until the cable is slack and the brake engages.
    public var dynamicBrakeDampingNewtonsPerMillimetrePerSecond: Double
    /// Above `forceCeiling` the firmware pays out to bring the force back to
    /// it, at this speed per newton of excess (up to the emergency release
    /// speed): the table's own force limiter, closed at the firmware's
    /// sub-step rate, which holds a cough or a tensing patient at the ceiling
    /// (docs/wire-protocol.md section 10.2). Tuned on the plant: at 4 mm/s
    /// per N and a chain of 20-40 N/mm the limiter's loop runs at 80-160
    /// rad/s, well inside what a 1 kHz update settles without ringing.
    public var ceilingLimiterGainMillimetresPerSecondPerNewton: Double
    /// The longest lease the firmware accepts; a command with a longer or
    /// non-positive lease is rejected as invalid.
    public var longestAcceptedLease: Seconds

    public init(maximumVelocity: MillimetresPerSecond = 60,
                maximumAccelerationMillimetresPerSecondSquared: Double = 1500,
                velocityTimeConstant: Seconds = 0.015,
                stallForce: Newtons = 1200,
                maximumForce: Newtons = DefaultForceLimits.deviceCap,
                maximumTravel: Millimetres = 300,
                normalReleaseVelocity: MillimetresPerSecond = 5,
                emergencyReleaseVelocity: MillimetresPerSecond = 60,
                slackForce: Newtons = 5,
                dynamicBrakeDampingNewtonsPerMillimetrePerSecond: Double = 4,
                ceilingLimiterGainMillimetresPerSecondPerNewton: Double = 10,
                longestAcceptedLease: Seconds = 1.0) {
        self.maximumVelocity = maximumVelocity
        self.maximumAccelerationMillimetresPerSecondSquared = maximumAccelerationMillimetresPerSecondSquared
        self.velocityTimeConstant = velocityTimeConstant
        self.stallForce = stallForce
        self.maximumForce = maximumForce
        self.maximumTravel = maximumTravel
        self.normalReleaseVelocity = normalReleaseVelocity
        self.emergencyReleaseVelocity = emergencyReleaseVelocity
        self.slackForce = slackForce
        self.dynamicBrakeDampingNewtonsPerMillimetrePerSecond = dynamicBrakeDampingNewtonsPerMillimetrePerSecond
        self.ceilingLimiterGainMillimetresPerSecondPerNewton = ceilingLimiterGainMillimetresPerSecondPerNewton
        self.longestAcceptedLease = longestAcceptedLease
    }
}

/// What the firmware asks of the motor for one sub-step.
public enum DriveDemand: Sendable, Hashable {
    /// Powered: follow this velocity (mm/s) through the velocity loop.
    /// `hardStop` decelerates at the full acceleration limit (force ceiling).
    case velocity(Double, hardStop: Bool)
    /// Powered, brake applied: the axis holds its position.
    case hold
    /// Power stage off: dynamic braking until slack, then the brake holds.
    /// What a power cut does (e-stop, power loss, a tripped power stage).
    case unpowered
    /// Power stage off and the brake applied at once: the axis holds where
    /// it is, tension and all (a COMMAND with the drive off, read to the
    /// letter of docs/wire-protocol.md section 10.2).
    case brake
}

/// The motor and winch: position and velocity of the cable take-up.
struct TractionDrive: Sendable, Hashable {
    let parameters: DriveParameters
    private(set) var position: Double = 0   // mm from home
    private(set) var velocity: Double = 0   // mm/s, positive pulls
    /// The last demand drove the axis into one of its travel limits.
    private(set) var drivenIntoTravelLimit = false
    /// The spring-applied holding brake. The firmware applies it only once the
    /// cable is slack (so it never locks a patient under tension) and keeps it
    /// applied until the power stage moves the axis again.
    private(set) var brakeApplied = false

    init(parameters: DriveParameters) { self.parameters = parameters }

    mutating func step(_ demand: DriveDemand, cableForce: Double, dt: Double) {
        let speedLimit = parameters.maximumVelocity.value
        var pushesIntoLimit = false
        switch demand {
        case .unpowered:
            if cableForce <= parameters.slackForce.value { brakeApplied = true }
            velocity = brakeApplied
                ? 0 : -min(cableForce / parameters.dynamicBrakeDampingNewtonsPerMillimetrePerSecond, speedLimit)
        case .hold, .brake:
            brakeApplied = true
            velocity = 0
        case let .velocity(demanded, hardStop):
            brakeApplied = false
            var target = min(max(demanded, -speedLimit), speedLimit)
            if cableForce >= parameters.stallForce.value { target = min(target, 0) }
            let largestChange = parameters.maximumAccelerationMillimetresPerSecondSquared * dt
            let change: Double
            if hardStop {
                change = target - velocity
            } else {
                change = (target - velocity) * min(1, dt / parameters.velocityTimeConstant.value)
            }
            velocity += min(max(change, -largestChange), largestChange)
            if cableForce >= parameters.stallForce.value, velocity > 0 { velocity = 0 }
            pushesIntoLimit = (position <= 0 && target < 0) || (position >= parameters.maximumTravel.value && target > 0)
        }
        position += velocity * dt
        let travel = parameters.maximumTravel.value
        if position < 0 {
            position = 0
            velocity = 0
        } else if position > travel {
            position = travel
            velocity = 0
        }
        drivenIntoTravelLimit = pushesIntoLimit
    }
}
