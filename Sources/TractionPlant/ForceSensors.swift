import TractionDevice

/// The table's two force channels: a dual-bridge load cell in series with the
/// cable (docs/wire-protocol.md section 11.2.1).
///
/// Channel A (`load_cell_force`): an S-beam bridge at 2 mV/V behind a 24-bit
/// converter. Its datasheet errors (nonlinearity, hysteresis ≈ 0.02 % of rated
/// output, creep 0.03 % per 30 min, PLANT-FACTS.md) are a fraction of a
/// newton on a 2 kN cell and are covered by the noise term; what matters to
/// the safety case is the zero offset, which a tare removes, and the faults a
/// test injects.
///
/// Channel B (`redundant_force`): the cell's second, independent bridge with
/// its own converter, sampled in the same instant. It has its own gain
/// tolerance against channel A (seeded, within ± `redundantLargestGainError`)
/// and its own zero offset (removed by the same tare). A motor-current
/// estimate cannot serve here: transmission friction alone puts it ±8 N off,
/// more than the over-force tolerance at low limits (docs/safety.md, H4).
public struct ForceSensorParameters: Sendable, Hashable {
    public var loadCellNoise: Newtons
    /// The load cell's zero offset before a tare is drawn uniformly within ± this.
    public var loadCellLargestOffset: Newtons
    /// Both channels saturate at ± this reading.
    public var loadCellRange: Newtons
    public var redundantNoise: Newtons
    /// Channel B's gain relative to the true force is drawn uniformly within ± this share.
    public var redundantLargestGainError: Double
    /// Channel B's zero offset before a tare is drawn uniformly within ± this.
    public var redundantLargestOffset: Newtons

    public init(loadCellNoise: Newtons = 0.4,
                loadCellLargestOffset: Newtons = 2,
                loadCellRange: Newtons = 2000,
                redundantNoise: Newtons = 0.4,
                redundantLargestGainError: Double = 0.005,
                redundantLargestOffset: Newtons = 2) {
        self.loadCellNoise = loadCellNoise
        self.loadCellLargestOffset = loadCellLargestOffset
        self.loadCellRange = loadCellRange
        self.redundantNoise = redundantNoise
        self.redundantLargestGainError = redundantLargestGainError
        self.redundantLargestOffset = redundantLargestOffset
    }
}

/// Sensor faults a test or the emulator injects. All default to healthy.
/// The `loadCell` faults act on channel A only, the `redundant` ones on
/// channel B only: two bridges with their own converters fail independently.
public struct SensorFaults: Sendable, Hashable {
    /// The load cell's reading freezes at its value when the fault begins.
    public var loadCellStuck = false
    /// Extra gain error of the load cell (0.2 reads 20 % high, -0.3 reads 30 % low).
    public var loadCellGainError = 0.0
    /// Extra offset of the load cell.
    public var loadCellOffsetError: Newtons = .zero
    /// Channel B freezes at its value when the fault begins.
    public var redundantStuck = false
    /// Extra gain error of channel B.
    public var redundantGainError = 0.0
    /// Extra offset of channel B.
    public var redundantOffsetError: Newtons = .zero

    public init(loadCellStuck: Bool = false, loadCellGainError: Double = 0, loadCellOffsetError: Newtons = .zero,
                redundantStuck: Bool = false, redundantGainError: Double = 0,
                redundantOffsetError: Newtons = .zero) {
        self.loadCellStuck = loadCellStuck
        self.loadCellGainError = loadCellGainError
        self.loadCellOffsetError = loadCellOffsetError
        self.redundantStuck = redundantStuck
        self.redundantGainError = redundantGainError
        self.redundantOffsetError = redundantOffsetError
    }
}

/// The sampled readings of both force channels.
struct ForceSensors: Sendable, Hashable {
    let parameters: ForceSensorParameters
    private var random: SplitMix64
    private let loadCellOffset: Double
    private let redundantGain: Double
    private let redundantOffset: Double
    /// Subtracted from each channel's raw reading; set by a tare.
    private var loadCellTare: Double = 0
    private var redundantTare: Double = 0

    private(set) var loadCellReading: Double = 0
    private(set) var redundantReading: Double = 0
    /// The last readings without their noise: what the firmware's averaging
    /// tare converges on.
    private var loadCellMeanReading: Double = 0
    private var redundantMeanReading: Double = 0

    init(parameters: ForceSensorParameters, random: SplitMix64) {
        self.parameters = parameters
        var random = random
        let largestOffset = parameters.loadCellLargestOffset.value
        loadCellOffset = random.nextUniform(in: -largestOffset...largestOffset)
        let largestGainError = parameters.redundantLargestGainError
        redundantGain = 1 + random.nextUniform(in: -largestGainError...largestGainError)
        let largestRedundantOffset = parameters.redundantLargestOffset.value
        redundantOffset = random.nextUniform(in: -largestRedundantOffset...largestRedundantOffset)
        self.random = random
    }

    /// Takes one sample of each channel at the true cable force, N.
    mutating func sample(cableForce: Double, faults: SensorFaults) {
        let loadCellNoise = random.nextNoise(standardDeviation: parameters.loadCellNoise.value)
        let redundantNoise = random.nextNoise(standardDeviation: parameters.redundantNoise.value)
        let range = parameters.loadCellRange.value
        if !faults.loadCellStuck {
            let mean = cableForce * (1 + faults.loadCellGainError) + faults.loadCellOffsetError.value
                + loadCellOffset - loadCellTare
            loadCellMeanReading = mean
            loadCellReading = min(max(mean + loadCellNoise, -range), range)
        }
        if !faults.redundantStuck {
            let mean = cableForce * (redundantGain + faults.redundantGainError) + faults.redundantOffsetError.value
                + redundantOffset - redundantTare
            redundantMeanReading = mean
            redundantReading = min(max(mean + redundantNoise, -range), range)
        }
    }

    /// Zeroes both channels. The firmware averages a few hundred samples, so
    /// each zero lands on the channel's mean reading, not on one noisy sample.
    mutating func tare() {
        loadCellTare += loadCellMeanReading
        loadCellReading -= loadCellMeanReading
        loadCellMeanReading = 0
        redundantTare += redundantMeanReading
        redundantReading -= redundantMeanReading
        redundantMeanReading = 0
    }
}
