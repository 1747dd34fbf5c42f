import TractionDevice
import TractionTherapy

/// What `programs show` reports, in the form `--json` prints.
struct ShowReport: Encodable {
    struct Patient: Encodable {
        var weightKilograms: Double
        var region: TreatmentRegion
        var firstSession: Bool
    }

    struct Cap: Encodable {
        var source: LimitSource
        var newtons: Double
    }

    struct Limit: Encodable {
        var newtons: Double
        var display: String
        var source: LimitSource
        var setBy: String
        var caps: [Cap]
    }

    struct Confirmation: Encodable {
        var required: Bool
        var thresholdNewtons: Double
        var peakNewtons: Double
    }

    struct Phase: Encodable {
        var number: Int
        var name: String
        var mode: PhaseMode
        var startSeconds: Double
        var durationSeconds: Double
        var duration: String
        var programmedHoldNewtons: [Double]
        var plannedHoldNewtons: [Double]
        var plannedRestNewtons: [Double]
        var cyclesPerStep: Int
        var steps: Int
        var holdSeconds: Double
        var restSeconds: Double
        var angles: Angles
        var articulation: Bool
        /// The ramps as written: "12 N/s", "40 s logarithmic".
        var rampUp: String
        var rampDown: String
    }

    static func describe(_ ramp: Ramp) -> String {
        let speed: String
        switch ramp.speed {
        case .duration(let duration): speed = "\(DisplayMassUnit.number(duration.value, decimals: 1)) s"
        case .rate(let rate): speed = "\(DisplayMassUnit.number(rate.value, decimals: 1)) N/s"
        }
        return ramp.shape == .linear ? speed : "\(speed) \(ramp.shape.rawValue)"
    }

    var file: String
    var program: String
    var description: String
    var region: TreatmentRegion
    var patient: Patient
    var units: DisplayMassUnit
    var effectiveLimit: Limit
    var confirmation: Confirmation
    var phases: [Phase]
    var releaseStartSeconds: Double
    var releaseSeconds: Double
    var totalSeconds: Double
    var total: String
    var segments: [PlannedSegment]
    /// Which limits the program was checked and planned against.
    var limits: TableLimitOptions.LimitsSource?

    init(plan: SessionPlan, file: String, units: DisplayMassUnit, limits: TableLimitOptions.LimitsSource? = nil) {
        let program = plan.program.program
        let timeline = plan.timeline
        let limit = plan.effectiveLimit
        self.file = file
        self.program = program.name
        self.description = program.description
        self.region = program.region
        self.patient = Patient(weightKilograms: plan.patient.weight.value, region: plan.patient.region,
                               firstSession: plan.patient.firstSession)
        self.units = units
        self.effectiveLimit = Limit(
            newtons: limit.force.value, display: units.format(limit.force), source: limit.source,
            setBy: limit.source.description,
            caps: limit.candidates.map { Cap(source: $0.source, newtons: $0.force.value) })
        self.confirmation = Confirmation(required: plan.requiresConfirmation,
                                         thresholdNewtons: plan.confirmationThreshold.value,
                                         peakNewtons: plan.peakForce.value)
        self.phases = program.phases.enumerated().map { index, phase in
            let own = timeline.filter { $0.phaseIndex == index }
            let start = own.first?.start.value ?? 0
            let end = own.last.map { $0.start.value + $0.duration.value } ?? start
            let planned = phase.holdForces.map { Swift.min($0, limit.force) }
            return Phase(
                number: index + 1, name: phase.name, mode: phase.mode, startSeconds: start,
                durationSeconds: end - start, duration: SessionClock.minutesAndSeconds(Seconds(end - start)),
                programmedHoldNewtons: phase.holdForces.map(\.value),
                plannedHoldNewtons: planned.map(\.value),
                plannedRestNewtons: phase.mode == .static ? [] : planned.map { phase.restForce.resolved(forHold: $0).value },
                cyclesPerStep: phase.cyclesPerStep, steps: phase.holdForces.count,
                holdSeconds: phase.holdDuration.value, restSeconds: phase.restDuration.value,
                angles: phase.angles, articulation: phase.articulation,
                rampUp: Self.describe(phase.rampUp), rampDown: Self.describe(phase.rampDown))
        }
        let release = timeline.last { $0.activity == .release }
        self.releaseStartSeconds = release?.start.value ?? plan.totalDuration.value
        self.releaseSeconds = release?.duration.value ?? 0
        self.totalSeconds = plan.totalDuration.value
        self.total = SessionClock.minutesAndSeconds(plan.totalDuration)
        self.segments = timeline
        self.limits = limits
    }
}
