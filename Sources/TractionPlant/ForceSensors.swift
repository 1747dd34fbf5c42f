import TractionDevice

/// The load cell in series with the cable and the redundant force estimate
/// the drive derives from motor current.
///
/// Load cell: an S-beam at 2 mV/V behind a 24-bit converter. Its datasheet
/// errors (nonlinearity, hysteresis ≈ 0.02 % of rated output, creep 0.03 %
/// per 30 min, PLANT-FACTS.md) are a fraction of a newton on a 2 kN cell and
/// are covered by the noise term; what matters to the safety case is the
/// zero offset, which a tare removes, and the faults a test injects.
///
/// Redundant estimate: motor torque from current, through the gear ratio,
/// minus nothing: the estimator does not know the transmission friction, so
/// the estimate reads high by the friction while pulling and low while paying
/// out. It carries its own gain and offset error (seeded) and more noise.
public struct ForceSensorParameters: Sendable, Hashable {
    public var loadCellNoise: Newtons
    /// The load cell's zero offset before a tare is drawn uniformly within ± this.
    public var loadCellLargestOffset: Newtons
    /// The load cell saturates at ± this reading.
    public var loadCellRange: Newtons
    public var redundantNoise: Newtons
    /// The redundant estimate's gain error is drawn uniformly within ± this share.
    public var redundantLargestGainError: Double
    public var redundantLargestOffset: Newtons

    public init(loadCellNoise: Newtons = 0.4,
                loadCellLargestOffset: Newtons = 2,
                loadCellRange: Newtons = 2000,
                redundantNoise: Newtons = 3,
                redundantLargestGainError: Double = 0.03,
                redundantLargestOffset: Newtons = 5) {
        self.loadCellNoise = loadCellNoise
        self.loadCellLargestOffset = loadCellLargestOffset
        self.loadCellRange = loadCellRange
        self.redundantNoise = redundantNoise
        self.redundantLargestGainError = redundantLargestGainError
        self.redundantLargestOffset = redundantLargestOffset
    }
}

/// Sensor faults a test or the emulator injects. All default to healthy.
public struct SensorFaults: Sendable, Hashable {
    /// The load cell's reading freezes at its value when the fault begins.
    public var loadCellStuck = false
    /// Extra gain error of the load cell (0.2 reads 20 % high).
    public var loadCellGainError = 0.0
    /// Extra offset of the load cell.
    public var loadCellOffsetError: Newtons = .zero

    public init(loadCellStuck: Bool = false, loadCellGainError: Double = 0, loadCellOffsetError: Newtons = .zero) {
        self.loadCellStuck = loadCellStuck
        self.loadCellGainError = loadCellGainError
        self.loadCellOffsetError = loadCellOffsetError
    }
}

/// The sampled readings of both force sensors.
struct ForceSensors: Sendable, Hashable {
    let parameters: ForceSensorParameters
    let transmissionFriction: Double
    private var random: SplitMix64
    private let loadCellOffset: Double
    private let redundantGain: Double
    private let redundantOffset: Double
    /// Subtracted from the raw load cell reading; set by a tare.
    private var tareCorrection: Double = 0

    private(set) var loadCellReading: Double = 0
    /// The last load cell reading without its noise: what the firmware's
    /// averaging tare converges on.
    private var loadCellMeanReading: Double = 0
    private(set) var redundantReading: Double = 0

    init(parameters: ForceSensorParameters, transmissionFriction: Newtons, random: SplitMix64) {
        self.parameters = parameters
        self.transmissionFriction = transmissionFriction.value
        var random = random
        let largestOffset = parameters.loadCellLargestOffset.value
        loadCellOffset = random.nextUniform(in: -largestOffset...largestOffset)
        let largestGainError = parameters.redundantLargestGainError
        redundantGain = 1 + random.nextUniform(in: -largestGainError...largestGainError)
        let largestRedundantOffset = parameters.redundantLargestOffset.value
        redundantOffset = random.nextUniform(in: -largestRedundantOffset...largestRedundantOffset)
        self.random = random
    }

    /// Takes one sample of each sensor.
    /// - Parameters:
    ///   - cableForce: the true force in the cable, N.
    ///   - driveVelocity: the winch velocity, mm/s (its sign decides which way
    ///     transmission friction biases the current estimate).
    ///   - driveCarriesLoad: false while the brake holds (no motor current).
    mutating func sample(cableForce: Double, driveVelocity: Double, driveCarriesLoad: Bool, faults: SensorFaults) {
        let loadCellNoise = random.nextNoise(standardDeviation: parameters.loadCellNoise.value)
        let redundantNoise = random.nextNoise(standardDeviation: parameters.redundantNoise.value)
        if !faults.loadCellStuck {
            let mean = cableForce * (1 + faults.loadCellGainError) + faults.loadCellOffsetError.value
                + loadCellOffset - tareCorrection
            let range = parameters.loadCellRange.value
            loadCellMeanReading = mean
            loadCellReading = min(max(mean + loadCellNoise, -range), range)
        }
        if driveCarriesLoad {
            let frictionBias = driveVelocity > 0 ? transmissionFriction : (driveVelocity < 0 ? -transmissionFriction : 0)
            redundantReading = redundantGain * (cableForce + frictionBias) + redundantOffset + redundantNoise
        } else {
            // The brake carries the load; with no current there is nothing to
            // estimate from, and the drive reports zero.
            redundantReading = redundantOffset + redundantNoise
        }
    }

    /// Zeroes the load cell. The firmware averages a few hundred samples, so
    /// the zero lands on the mean reading, not on one noisy sample.
    mutating func tare() {
        tareCorrection += loadCellMeanReading
        loadCellReading -= loadCellMeanReading
        loadCellMeanReading = 0
    }
}
