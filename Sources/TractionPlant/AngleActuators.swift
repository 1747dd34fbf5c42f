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
        range: AngleAxisRange(axis: .flexion, minimum: 0, maximum: 30, maximumRate: 2))
    public static let lateralTilt = AngleActuatorParameters(
        range: AngleAxisRange(axis: .lateralTilt, minimum: -15, maximum: 15, maximumRate: 1.5))
    public static let rotation = AngleActuatorParameters(
        range: AngleAxisRange(axis: .rotation, minimum: -15, maximum: 15, maximumRate: 1.5))
}

/// The three angle actuators (an absent axis stays at 0°).
struct AngleActuators: Sendable, Hashable {
    let flexion: AngleActuatorParameters?
    let lateralTilt: AngleActuatorParameters?
    let rotation: AngleActuatorParameters?
    private(set) var angles = Angles.zero
    private(set) var rates = AngleRates.zero

    init(flexion: AngleActuatorParameters?, lateralTilt: AngleActuatorParameters?, rotation: AngleActuatorParameters?) {
        self.flexion = flexion
        self.lateralTilt = lateralTilt
        self.rotation = rotation
        for axis in AngleAxis.allCases {
            if let parameters = self.parameters(of: axis) {
                angles[axis] = Degrees(0).clamped(to: parameters.range.minimum...parameters.range.maximum)
            }
        }
    }

    func parameters(of axis: AngleAxis) -> AngleActuatorParameters? {
        switch axis {
        case .flexion: flexion
        case .lateralTilt: lateralTilt
        case .rotation: rotation
        }
    }

    /// Advances every present axis by `dt`, following `demand` (stopped when
    /// `powered` is false). Written axis by axis rather than over
    /// `AngleAxis.allCases`, whose synthesized array would allocate per step.
    mutating func step(demand: AngleRates, powered: Bool, dt: Double) {
        step(.flexion, demand: demand, powered: powered, dt: dt)
        step(.lateralTilt, demand: demand, powered: powered, dt: dt)
        step(.rotation, demand: demand, powered: powered, dt: dt)
    }

    /// Below this speed with a zero demand the actuator is at rest, °/s.
    static let standstillRate = 0.001

    private mutating func step(_ axis: AngleAxis, demand: AngleRates, powered: Bool, dt: Double) {
        guard let parameters = parameters(of: axis) else { return }
        let range = parameters.range
        let limit = range.maximumRate.value
        let target = powered ? min(max(demand[axis].value, -limit), limit) : 0
        var rate = rates[axis].value
        rate += (target - rate) * min(1, dt / parameters.velocityTimeConstant.value)
        // The motor controller brakes to a true stop below a creep speed.
        if target == 0, rate.magnitude < Self.standstillRate { rate = 0 }
        var angle = angles[axis].value + rate * dt
        if angle <= range.minimum.value {
            angle = range.minimum.value
            rate = max(rate, 0)
        } else if angle >= range.maximum.value {
            angle = range.maximum.value
            rate = min(rate, 0)
        }
        angles[axis] = Degrees(angle)
        rates[axis] = DegreesPerSecond(rate)
    }
}
