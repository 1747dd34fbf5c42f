import TractionDevice

/// Tuning of the angle position controllers (one per axis, same tuning).
public struct AngleControllerConfiguration: Sendable, Hashable, Codable {
    /// Proportional gain, (°/s) per degree of error, i.e. 1/s. The actuators'
    /// 50 ms velocity loops allow far more; 1.5/s keeps the approach gentle
    /// (the last degree takes about a second) for a patient in the harness.
    public var proportionalGainPerSecond: Double
    /// Output rate limit, °/s².
    public var largestAccelerationDegreesPerSecondSquared: Double
    /// Within this error the axis is on target and commanded to stand still,
    /// so it does not hunt around the target on measurement noise.
    public var arrivalTolerance: Degrees

    public init(proportionalGainPerSecond: Double = 1.5,
                largestAccelerationDegreesPerSecondSquared: Double = 4,
                arrivalTolerance: Degrees = 0.05) {
        self.proportionalGainPerSecond = proportionalGainPerSecond
        self.largestAccelerationDegreesPerSecondSquared = largestAccelerationDegreesPerSecondSquared
        self.arrivalTolerance = arrivalTolerance
    }
}

/// Position control of one angle axis: proportional, limited to the axis's
/// rate (as the table reports it) and to an acceleration, with the target
/// clamped into the axis's range.
public struct AnglePositionController: Sendable, Hashable {
    public let range: AngleAxisRange
    public let configuration: AngleControllerConfiguration
    public private(set) var lastOutput: DegreesPerSecond = .zero

    public init(range: AngleAxisRange, configuration: AngleControllerConfiguration = AngleControllerConfiguration()) {
        self.range = range
        self.configuration = configuration
    }

    /// One control period; returns the axis velocity demand.
    public mutating func update(target: Degrees, measured: Degrees, period: Seconds) -> DegreesPerSecond {
        let dt = period.value
        guard dt > 0, dt.isFinite, target.isFinite, measured.isFinite else { return lastOutput }
        let reachable = target.clamped(to: range.minimum...range.maximum)
        let error = (reachable - measured).value
        let rateLimit = range.maximumRate.value
        var demand = error.magnitude <= configuration.arrivalTolerance.value
            ? 0 : configuration.proportionalGainPerSecond * error
        demand = min(max(demand, -rateLimit), rateLimit)
        let largestChange = configuration.largestAccelerationDegreesPerSecondSquared * dt
        let previous = lastOutput.value
        lastOutput = DegreesPerSecond(min(max(demand, previous - largestChange), previous + largestChange))
        return lastOutput
    }

    /// Stops tracking (the safety kernel froze the axis); resumes from rest.
    public mutating func reset() { lastOutput = .zero }
}

/// The position controllers of the table's angle axes. An axis the table
/// lacks is always commanded to 0 °/s.
public struct AngleControllers: Sendable, Hashable {
    public private(set) var flexion: AnglePositionController?
    public private(set) var lateralTilt: AnglePositionController?
    public private(set) var rotation: AnglePositionController?

    /// - Parameter axes: the ranges from the table's identity.
    public init(axes: [AngleAxisRange], configuration: AngleControllerConfiguration = AngleControllerConfiguration()) {
        for range in axes {
            let controller = AnglePositionController(range: range, configuration: configuration)
            switch range.axis {
            case .flexion: flexion = controller
            case .lateralTilt: lateralTilt = controller
            case .rotation: rotation = controller
            }
        }
    }

    /// One control period for every axis.
    public mutating func update(targets: Angles, measured: Angles, period: Seconds) -> AngleRates {
        AngleRates(
            flexion: flexion?.update(target: targets.flexion, measured: measured.flexion, period: period) ?? .zero,
            lateralTilt: lateralTilt?.update(target: targets.lateralTilt, measured: measured.lateralTilt,
                                             period: period) ?? .zero,
            rotation: rotation?.update(target: targets.rotation, measured: measured.rotation, period: period) ?? .zero
        )
    }

    public mutating func reset() {
        flexion?.reset()
        lateralTilt?.reset()
        rotation?.reset()
    }
}
