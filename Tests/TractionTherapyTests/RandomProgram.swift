import TractionDevice
@testable import TractionTherapy

/// Decodes a list of uniform numbers in 0...1 (a "genome" the property
/// library generates and shrinks) into a program file, a patient and
/// operator events. Every decoded program is valid by construction except,
/// rarely, for being longer than the maximum session.
struct Genome {
    private let genes: [Double]
    private var position = 0

    init(_ genes: [Double]) { self.genes = genes }

    /// The next gene (0.5 once the genome runs out).
    mutating func next() -> Double {
        defer { position += 1 }
        return position < genes.count ? genes[position] : 0.5
    }

    mutating func value(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * next()
    }

    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = Double(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + min(Int(next() * span), range.upperBound - range.lowerBound)
    }

    mutating func chance(_ probability: Double) -> Bool { next() < probability }

    mutating func element<T>(of choices: [T]) -> T { choices[integer(in: 0...(choices.count - 1))] }
}

enum RandomProgram {
    static let flexionChoices: [Double] = [0, 4, 10, 20]
    static let tiltChoices: [Double] = [-6, 0, 6]
    static let rotationChoices: [Double] = [-4, 0, 4]

    static func number(_ value: Double) -> String { String((value * 100).rounded() / 100) }

    /// A program's YAML text from `genome`, under the default limits.
    static func yaml(from genome: inout Genome) -> String {
        let limits = TherapyLimits.standard
        let region: TreatmentRegion = genome.chance(0.7) ? .lumbar : .cervical
        let forceRange: ClosedRange<Double> = region == .lumbar ? 60...800 : 40...190
        let phaseCount = genome.integer(in: 1...3)
        let maximumRiseRate = limits.maximumRampRate.value
        let maximumFallRate = limits.maximumReleaseRate.value
        var phases: [String] = []
        var highest = 0.0
        var lines: [String] = []
        for _ in 0..<phaseCount {
            let mode = genome.element(of: PhaseMode.allCases)
            var phase = ["  - mode: \(mode.rawValue)"]
            var phaseHighest = 0.0
            switch mode {
            case .progressive, .regressive:
                let a = genome.value(in: forceRange), b = genome.value(in: forceRange)
                let low = min(a, b), high = max(a, b) + 5
                let (first, last) = mode == .progressive ? (low, high) : (high, low)
                phase.append("    first_hold_force: \(number(first)) N")
                phase.append("    last_hold_force: \(number(last)) N")
                phase.append("    steps: \(genome.integer(in: 2...3))")
                phase.append("    cycles_per_step: \(genome.integer(in: 1...2))")
                phaseHighest = max(first, last) + 0.01
            default:
                let hold = genome.value(in: forceRange)
                phase.append("    hold_force: \(number(hold)) N")
                phaseHighest = hold + 0.01
            }
            highest = max(highest, phaseHighest)
            if mode != .static {
                if genome.chance(0.6) {
                    phase.append("    rest_force: \(number(genome.value(in: 0...100))) %")
                } else {
                    let lowestHold = mode == .progressive || mode == .regressive ? forceRange.lowerBound : forceRange.lowerBound
                    phase.append("    rest_force: \(number(genome.value(in: 0...(lowestHold - 1)))) N")
                }
            }
            if mode != .cyclic { phase.append("    hold_time: \(number(genome.value(in: 1...30))) s") }
            if mode != .cyclic && mode != .static { phase.append("    rest_time: \(number(genome.value(in: 1...15))) s") }
            if mode == .intermittent || mode == .cyclic { phase.append("    cycles: \(genome.integer(in: 1...3))") }
            for (key, shapeKey, maximumRate) in [("ramp_up", "ramp_up_shape", maximumRiseRate),
                                                 ("ramp_down", "ramp_down_shape", maximumFallRate)] {
                let shape = genome.element(of: RampShape.allCases)
                if genome.chance(0.6) {
                    phase.append("    \(key): \(number(genome.value(in: 2...maximumRate))) N/s")
                } else {
                    // A time long enough for the largest change this ramp can make.
                    // Forces print rounded to 0.01 N and times must not round
                    // down below the shortest: allow for both.
                    let shortest = (highest + 0.01) * shape.peakSlopeFactor / maximumRate
                    let time = genome.value(in: shortest...(shortest * 1.5))
                    phase.append("    \(key): \(String((time * 100).rounded(.up) / 100)) s")
                }
                phase.append("    \(shapeKey): \(shape.rawValue)")
            }
            if genome.chance(0.6) {
                phase.append("    angles:")
                phase.append("      flexion: \(number(genome.element(of: flexionChoices))) deg")
                phase.append("      lateral_tilt: \(number(genome.element(of: tiltChoices))) deg")
                phase.append("      rotation: \(number(genome.element(of: rotationChoices))) deg")
            }
            if genome.chance(0.25) {
                phase.append("    articulation: true")
            } else if genome.chance(0.3) {
                phase.append("    angle_move_force: \(number(genome.value(in: 0...limits.nonTherapeuticForce.value))) N")
            }
            phases.append(phase.joined(separator: "\n"))
        }
        let regionLimits = limits.region(region)
        let fraction = genome.value(in: 0.05...regionLimits.maximumBodyWeightFraction)
        let maximum = min(regionLimits.forceCap.value, highest * genome.value(in: 1...3))
        lines.append("name: random")
        lines.append("region: \(region.rawValue)")
        lines.append("limits:")
        lines.append("  body_weight_fraction: \(number(fraction * 100)) %")
        lines.append("  maximum_force: \(number(max(maximum, highest))) N")
        lines.append(genome.chance(0.7) ? "release: \(number(genome.value(in: 5...maximumFallRate))) N/s"
                     : "release: \(number(genome.value(in: 16...40))) s")
        lines.append("phases:")
        return (lines + phases).joined(separator: "\n") + "\n"
    }

    static func patient(for region: TreatmentRegion, from genome: inout Genome) -> PatientParameters {
        PatientParameters(
            weight: Kilograms(genome.value(in: 40...150)), region: region, firstSession: genome.chance(0.2),
            initialAngles: Angles(flexion: Degrees(genome.element(of: flexionChoices)),
                                  lateralTilt: Degrees(genome.element(of: tiltChoices)),
                                  rotation: Degrees(genome.element(of: rotationChoices))))
    }

    /// Up to six operator events spread over (and a little past) the
    /// session, in time order, with a final resume so a paused session ends.
    static func events(for plan: SessionPlan, startingAt start: MonotonicInstant,
                       from genome: inout Genome) -> [OperatorEvent] {
        let count = genome.integer(in: 0...6)
        var events: [OperatorEvent] = []
        for _ in 0..<count {
            let offset = Seconds(genome.value(in: 0...1.2) * plan.totalDuration.value)
            let command: OperatorCommand
            switch genome.integer(in: 0...5) {
            case 0, 1: command = .pause
            case 2: command = .resume
            case 3, 4: command = .adjustHoldForce(Newtons(genome.value(in: 20...900)))
            default: command = .stop
            }
            events.append(OperatorEvent(at: start + offset, command))
        }
        events.sort { $0.instant < $1.instant }
        let last = events.last?.instant ?? start
        events.append(OperatorEvent(at: last + Seconds(genome.value(in: 1...60)), .resume))
        return events
    }
}
