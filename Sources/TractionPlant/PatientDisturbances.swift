import TractionDevice

/// How often and how hard the simulated patient disturbs the force loop.
///
/// Nothing published gives these numbers; they are chosen to be frequent and
/// large enough that every closed-loop run of a few minutes meets several of
/// them, yet within what a patient lying in a harness can do. Each kind of
/// event arrives as a Poisson process (a Bernoulli draw per sub-step).
public struct DisturbanceParameters: Sendable, Hashable {
    /// A cough: a parabolic pulse of trunk muscle force pulling the body away
    /// from the drive. The muscles act in parallel with the spine, so the
    /// load cell sees only the harness's share of it (about a sixth for the
    /// default lumbar model at 300 N).
    public var coughsPerMinute: Double
    /// Peak muscle force of a cough as a share of the cable tension at its onset.
    public var coughPeakShareOfTension: ClosedRange<Double>
    public var coughDuration: Seconds
    /// A shift: the region's rest length moves to a new offset, drawn
    /// uniformly within ± `shiftLargestOffset`, over `shiftDuration`.
    public var shiftsPerMinute: Double
    public var shiftLargestOffset: Millimetres
    public var shiftDuration: Seconds
    /// Tensing up (muscle guarding): the series stiffness rises by a factor
    /// and the guarding muscles pull back, for a few seconds, with linear
    /// onset and offset.
    public var tensingsPerMinute: Double
    public var tensingStiffnessFactor: ClosedRange<Double>
    /// Guarding muscle force as a share of the tension at onset.
    public var tensingMuscleShareOfTension: ClosedRange<Double>
    public var tensingDuration: ClosedRange<Seconds>
    public var tensingOnset: Seconds

    public init(coughsPerMinute: Double = 0.4,
                coughPeakShareOfTension: ClosedRange<Double> = 0.2...0.6,
                coughDuration: Seconds = 0.3,
                shiftsPerMinute: Double = 0.5,
                shiftLargestOffset: Millimetres = 0.5,
                shiftDuration: Seconds = 1.0,
                tensingsPerMinute: Double = 0.3,
                tensingStiffnessFactor: ClosedRange<Double> = 1.1...1.5,
                tensingMuscleShareOfTension: ClosedRange<Double> = 0.1...0.4,
                tensingDuration: ClosedRange<Seconds> = 3...10,
                tensingOnset: Seconds = 0.3) {
        self.coughsPerMinute = coughsPerMinute
        self.coughPeakShareOfTension = coughPeakShareOfTension
        self.coughDuration = coughDuration
        self.shiftsPerMinute = shiftsPerMinute
        self.shiftLargestOffset = shiftLargestOffset
        self.shiftDuration = shiftDuration
        self.tensingsPerMinute = tensingsPerMinute
        self.tensingStiffnessFactor = tensingStiffnessFactor
        self.tensingMuscleShareOfTension = tensingMuscleShareOfTension
        self.tensingDuration = tensingDuration
        self.tensingOnset = tensingOnset
    }

    /// A perfectly still patient.
    public static let none = DisturbanceParameters(coughsPerMinute: 0, shiftsPerMinute: 0, tensingsPerMinute: 0)
}

/// Which disturbances are under way at an instant. Tests use it to tell the
/// controller's own overshoot apart from the patient's coughs.
public struct DisturbanceActivity: Sendable, Hashable {
    public var coughing = false
    public var shifting = false
    public var tensing = false

    public var any: Bool { coughing || shifting || tensing }
}

/// The seeded generator of the patient's disturbances. Pure state; its own
/// random stream, so sensor noise settings never move a cough.
struct PatientDisturbances: Sendable, Hashable {
    let parameters: DisturbanceParameters
    private var random: SplitMix64

    private var coughElapsed: Double = .infinity
    private var coughPeak: Double = 0
    private var shiftElapsed: Double = .infinity
    private var shiftFrom: Double = 0
    private var shiftTo: Double = 0
    private var tensingElapsed: Double = .infinity
    private var tensingLength: Double = 0
    private var tensingPeakFactor: Double = 1
    private var tensingPeakMuscleForce: Double = 0

    private(set) var current = BodyDisturbance()
    private(set) var activity = DisturbanceActivity()

    init(parameters: DisturbanceParameters, random: SplitMix64) {
        self.parameters = parameters
        self.random = random
    }

    mutating func step(cableForce: Double, dt: Double) {
        let perMinuteToPerStep = dt / 60
        let coughDuration = parameters.coughDuration.value
        if coughElapsed >= coughDuration,
           random.nextBernoulli(probability: parameters.coughsPerMinute * perMinuteToPerStep) {
            coughElapsed = 0
            coughPeak = max(cableForce, 0) * random.nextUniform(in: parameters.coughPeakShareOfTension)
        }
        let shiftDuration = parameters.shiftDuration.value
        if shiftElapsed >= shiftDuration,
           random.nextBernoulli(probability: parameters.shiftsPerMinute * perMinuteToPerStep) {
            shiftElapsed = 0
            shiftFrom = shiftTo
            let largest = parameters.shiftLargestOffset.value
            shiftTo = random.nextUniform(in: -largest...largest)
        }
        if tensingElapsed >= tensingLength,
           random.nextBernoulli(probability: parameters.tensingsPerMinute * perMinuteToPerStep) {
            tensingElapsed = 0
            tensingLength = random.nextUniform(in: parameters.tensingDuration.lowerBound.value...parameters.tensingDuration.upperBound.value)
            tensingPeakFactor = random.nextUniform(in: parameters.tensingStiffnessFactor)
            tensingPeakMuscleForce = max(cableForce, 0) * random.nextUniform(in: parameters.tensingMuscleShareOfTension)
        }

        var disturbance = BodyDisturbance()
        var activity = DisturbanceActivity()
        if coughElapsed < coughDuration {
            let phase = coughElapsed / coughDuration
            disturbance.muscleForceNewtons = coughPeak * 4 * phase * (1 - phase)
            activity.coughing = true
            coughElapsed += dt
        }
        if shiftElapsed < shiftDuration {
            let phase = shiftElapsed / shiftDuration
            disturbance.postureOffsetMillimetres = shiftFrom + (shiftTo - shiftFrom) * phase
            activity.shifting = true
            shiftElapsed += dt
        } else {
            disturbance.postureOffsetMillimetres = shiftTo
        }
        if tensingElapsed < tensingLength {
            let onset = parameters.tensingOnset.value
            let envelope = min(1, tensingElapsed / onset, (tensingLength - tensingElapsed) / onset)
            disturbance.stiffnessFactor = 1 + (tensingPeakFactor - 1) * max(0, envelope)
            disturbance.muscleForceNewtons += tensingPeakMuscleForce * max(0, envelope)
            activity.tensing = true
            tensingElapsed += dt
        }
        current = disturbance
        self.activity = activity
    }

    // MARK: Disturbances on demand (replay fault specs, the emulator)

    /// Starts a cough now, peaking at `peakNewtons` of muscle force.
    mutating func triggerCough(peakNewtons: Double) {
        coughElapsed = 0
        coughPeak = max(0, peakNewtons)
    }

    /// Starts a shift now, moving the posture offset by `offsetMillimetres`.
    mutating func triggerShift(offsetMillimetres: Double) {
        shiftElapsed = 0
        shiftFrom = shiftTo
        shiftTo += offsetMillimetres
    }

    /// Starts a tensing now: stiffness up to `stiffnessFactor` for `seconds`,
    /// with a muscle force of the middle share of the present tension.
    mutating func triggerTensing(stiffnessFactor: Double, seconds: Double, cableForce: Double) {
        tensingElapsed = 0
        tensingLength = max(seconds, 2 * parameters.tensingOnset.value)
        tensingPeakFactor = max(1, stiffnessFactor)
        let share = parameters.tensingMuscleShareOfTension
        tensingPeakMuscleForce = max(cableForce, 0) * (share.lowerBound + share.upperBound) / 2
    }
}
