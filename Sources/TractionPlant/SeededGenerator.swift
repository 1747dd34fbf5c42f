/// The plant's source of randomness: SplitMix64 (Steele, Lea and Flood, 2014).
///
/// Why a hand-written generator rather than `SystemRandomNumberGenerator`:
/// a simulation must replay bit for bit from its seed (a failing closed-loop
/// test or a technician's replay must be reproducible on any machine and any
/// toolchain), and the plant must not allocate or call into the system per
/// step. SplitMix64 is one 64-bit state word, three multiply/xor-shift rounds
/// per draw, passes BigCrush, and its output sequence is fixed by its
/// definition, not by a library version. It is not cryptographic; nothing here
/// needs that.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A uniform draw in [0, 1), from the top 53 bits so every value is an
    /// exactly representable `Double`.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform draw in `range`.
    public mutating func nextUniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnit()
    }

    /// An approximately normal draw with mean 0 and the given standard
    /// deviation: the Irwin-Hall sum of four uniforms, rescaled.
    ///
    /// Chosen over Box-Muller because it needs no logarithm or cosine (the
    /// plant imports no libm wrapper) and because its tails are bounded at
    /// ±2√3 σ, which is the honest shape for sensor noise: a real ADC never
    /// produces an unbounded excursion from thermal noise.
    public mutating func nextNoise(standardDeviation: Double) -> Double {
        let sumOfFour = nextUnit() + nextUnit() + nextUnit() + nextUnit()
        // The sum has mean 2 and variance 4/12 = 1/3; scale by √3 for unit variance.
        return (sumOfFour - 2.0) * 1.732_050_807_568_877_2 * standardDeviation
    }

    /// True with the given probability.
    public mutating func nextBernoulli(probability: Double) -> Bool {
        nextUnit() < probability
    }

    /// A generator whose stream is independent of this one's for the same
    /// seed, so that (for example) changing the sensor noise never moves the
    /// instants of the patient's coughs.
    public static func stream(_ streamIndex: UInt64, of seed: UInt64) -> SplitMix64 {
        var seeder = SplitMix64(seed: seed ^ (streamIndex &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: seeder.next())
    }
}
