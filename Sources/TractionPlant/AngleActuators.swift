import TractionDevice

/// One angle actuator: a geared motor on a lead screw, with its own velocity
/// loop, a rate limit and end stops.
public struct AngleActuatorParameters: Sendable, Hashable {
    public var range: AngleAxisRange
    /// Time constant of the actuator's velocity loop (first order).
    public var velocityTimeConstant: Seconds

    public init(range: AngleAxisRange, velocityTimeConstant: Seconds = 0.05) {
        self.range = range
        self.velocityTimeConstant = velocityTimeConstant
    }

    /// No published ranges or speeds were found. These are chosen from the
    /// geometry of a traction table: a pull angle from level to 30° and a few
    /// degrees of tilt and rotation, moved slowly enough (≤ 2 °/s) that the
    /// patient can follow and the tension changes little while they move.
    public static let flexion = AngleActuatorParameters(
        range: AngleAxisRange(axis: .flexion, minimum: 0, maximum: 30, maximumRate: 3))
    public static let lateralTilt = AngleActuatorParameters(
        range: AngleAxisRange(axis: .lateralTilt, minimum: -15, maximum: 15, maximumRate: 3))
    public static let rotation = AngleActuatorParameters(
        range: AngleAxisRange(axis: .rotation, minimum: -15, maximum: 15, maximumRate: 3))
}

/// One fitted actuator's state.
struct AngleActuator: Sendable, Hashable {
    let parameters: AngleActuatorParameters
    private(set) var angle: Double
    private(set) var rate: Double = 0

    /// Below this speed with a zero demand the actuator is at rest, °/s.
    static let standstillRate = 0.001

    init(parameters: AngleActuatorParameters) {
        self.parameters = parameters
        angle = min(max(0, parameters.range.minimum.value), parameters.range.maximum.value)
    }

    mutating func step(demand: Double, powered: Bool, dt: Double) {
        let range = parameters.range
        let limit = range.maximumRate.value
        let target = powered ? min(max(demand, -limit), limit) : 0
        if target == 0, rate == 0 { return }
        rate += (target - rate) * min(1, dt / parameters.velocityTimeConstant.value)
        // The motor controller brakes to a true stop below a creep speed.
        if target == 0, rate.magnitude < Self.standstillRate { rate = 0 }
        angle += rate * dt
        if angle <= range.minimum.value {
            angle = range.minimum.value
            rate = max(rate, 0)
        } else if angle >= range.maximum.value {
            angle = range.maximum.value
            rate = min(rate, 0)
        }
    }
}

/// The three angle actuators (an absent axis stays at 0°).
struct AngleActuators: Sendable, Hashable {
    private var flexion: AngleActuator?
    private var lateralTilt: AngleActuator?
    private var rotation: AngleActuator?

    init(flexion: AngleActuatorParameters?, lateralTilt: AngleActuatorParameters?, rotation: AngleActuatorParameters?) {
        self.flexion = flexion.map(AngleActuator.init(parameters:))
        self.lateralTilt = lateralTilt.map(AngleActuator.init(parameters:))
        self.rotation = rotation.map(AngleActuator.init(parameters:))
    }

    var angles: Angles {
        Angles(flexion: Degrees(flexion?.angle ?? 0), lateralTilt: Degrees(lateralTilt?.angle ?? 0),
               rotation: Degrees(rotation?.angle ?? 0))
    }

    /// Advances every present axis by `dt`, following `demand` (stopped when
    /// `powered` is false).
    mutating func step(demand: AngleRates, powered: Bool, dt: Double) {
        flexion?.step(demand: demand.flexion.value, powered: powered, dt: dt)
        lateralTilt?.step(demand: demand.lateralTilt.value, powered: powered, dt: dt)
        rotation?.step(demand: demand.rotation.value, powered: powered, dt: dt)
    }
}
