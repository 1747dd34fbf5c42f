import TractionDevice

/// Why a program cannot be planned for a patient.
public enum SessionPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The weight is outside the plausible range in `TherapyLimits`.
    case weightOutOfRange(Kilograms, allowed: ClosedRange<Kilograms>)
    /// The patient's region is not the program's.
    case regionMismatch(program: TreatmentRegion, patient: TreatmentRegion)
    /// The planned session (with this patient's caps and start angles) is
    /// longer than the maximum.
    case sessionTooLong(Seconds, maximum: Seconds)
    /// The operator's own cap is not a usable force (not finite, or not above zero).
    case invalidOperatorMaximum(Newtons)

    public var description: String {
        switch self {
        case .weightOutOfRange(let weight, let allowed):
            "patient weight \(QuantityFormat.number(weight.value)) kg is outside "
                + "\(QuantityFormat.number(allowed.lowerBound.value))-\(QuantityFormat.number(allowed.upperBound.value)) kg"
        case .regionMismatch(let program, let patient):
            "the program treats the \(program) region but the patient's region is \(patient)"
        case .sessionTooLong(let duration, let maximum):
            "the session would last \(QuantityFormat.seconds(duration)), longer than the maximum \(QuantityFormat.seconds(maximum))"
        case .invalidOperatorMaximum(let force):
            "the operator's maximum force \(force.value) N is not a usable force (it must be above 0 N)"
        }
    }
}

/// A validated program compiled for one patient: the segment templates,
/// the effective limit and the total time, all fixed before the session
/// starts. Build it off the control path (it allocates); then drive a
/// `PlannerState` from it once per tick.
public struct SessionPlan: Sendable {
    public let program: ValidatedProgram
    public let patient: PatientParameters
    public let effectiveLimit: EffectiveLimit
    /// The highest force the planner targets: just below the effective limit
    /// (`TherapyLimits.highestTarget(underLimit:)`), so the force approaches
    /// the limit from below and never crosses it.
    public let highestTarget: Newtons
    /// The session's length when no operator event intervenes.
    public let totalDuration: Seconds
    /// The highest target force the session plans.
    public let peakForce: Newtons
    /// Above this force the operator must confirm before the start (H12).
    public let confirmationThreshold: Newtons
    let templates: [SegmentTemplate]
    let compiler: SessionCompiler
    let totalNanoseconds: Int64

    public init(program: ValidatedProgram, patient: PatientParameters) throws(SessionPlanError) {
        let limits = program.limits
        guard limits.patientWeightRange.contains(patient.weight) else {
            throw .weightOutOfRange(patient.weight, allowed: limits.patientWeightRange)
        }
        guard patient.region == program.program.region else {
            throw .regionMismatch(program: program.program.region, patient: patient.region)
        }
        if let operatorMaximum = patient.operatorMaximum, !(operatorMaximum.isFinite && operatorMaximum > .zero) {
            throw .invalidOperatorMaximum(operatorMaximum)
        }
        let limit = EffectiveLimit(program: program.program, patient: patient, limits: limits)
        let highestTarget = limits.highestTarget(underLimit: limit.force)
        let compiler = SessionCompiler(limits: limits, forceLimit: highestTarget)
        let templates = compiler.templates(for: program.program, initialAngles: patient.initialAngles)
        let total = compiler.remainingNanoseconds(from: 0, in: templates, startForce: .zero,
                                                  startAngles: patient.initialAngles, holdScale: 1)
        let totalDuration = Seconds(Double(total) / 1e9)
        guard totalDuration <= limits.maximumSessionDuration else {
            throw .sessionTooLong(totalDuration, maximum: limits.maximumSessionDuration)
        }
        self.program = program
        self.patient = patient
        self.effectiveLimit = limit
        self.highestTarget = highestTarget
        self.templates = templates
        self.compiler = compiler
        self.totalNanoseconds = total
        self.totalDuration = totalDuration
        self.confirmationThreshold = patient.weight.weight
            * limits.region(program.program.region).confirmationBodyWeightFraction
        self.peakForce = Self.timeline(templates: templates, compiler: compiler, patient: patient)
            .map(\.endForce).max() ?? .zero
    }

    /// The planned peak needs an explicit operator confirmation (H12): it
    /// exceeds the confirmation threshold, or the first-session cap lowered
    /// what the program asked for (the clinician confirms the reduced plan).
    public var requiresConfirmation: Bool { peakForce > confirmationThreshold || firstSessionCapReducedThePlan }

    /// The highest hold force the program itself asks for, before any cap.
    public var programmedPeakForce: Newtons {
        program.program.phases.map(\.peakHoldForce).max() ?? .zero
    }

    /// The patient is in a first session, the first-session cap is the
    /// effective limit, and the program asked for more than it allows.
    public var firstSessionCapReducedThePlan: Bool {
        patient.firstSession && effectiveLimit.source == .firstSession && programmedPeakForce > effectiveLimit.force
    }

    /// The session as it plays with no operator events, one entry per
    /// segment (zero-length segments left out). For display and tests.
    public var timeline: [PlannedSegment] {
        Self.timeline(templates: templates, compiler: compiler, patient: patient)
    }

    private static func timeline(templates: [SegmentTemplate], compiler: SessionCompiler,
                                 patient: PatientParameters) -> [PlannedSegment] {
        var result: [PlannedSegment] = []
        var force = Newtons.zero
        var angles = patient.initialAngles
        var start: Int64 = 0
        for (index, template) in templates.enumerated() {
            let segment = compiler.resolve(template, index: index, startForce: force, startAngles: angles, holdScale: 1)
            if segment.durationNanoseconds > 0 {
                result.append(PlannedSegment(segment, startNanoseconds: start))
            }
            start = SessionCompiler.sum(start, segment.durationNanoseconds)
            force = segment.endForce
            angles = segment.endAngles
        }
        return result
    }
}

/// One segment of a planned session, for display.
public struct PlannedSegment: Sendable, Hashable, Codable {
    public var activity: TherapyActivity
    /// 0-based phase index; nil for the final release.
    public var phaseIndex: Int?
    public var step: Int
    public var cycle: Int
    public var start: Seconds
    public var duration: Seconds
    public var startForce: Newtons
    public var endForce: Newtons
    public var shape: RampShape
    public var startAngles: Angles
    public var endAngles: Angles

    init(_ segment: ActiveSegment, startNanoseconds: Int64) {
        activity = segment.activity
        phaseIndex = segment.phaseIndex >= 0 ? segment.phaseIndex : nil
        step = segment.step
        cycle = segment.cycle
        start = Seconds(Double(startNanoseconds) / 1e9)
        duration = Seconds(Double(segment.durationNanoseconds) / 1e9)
        startForce = segment.startForce
        endForce = segment.endForce
        shape = segment.shape
        startAngles = segment.startAngles
        endAngles = segment.endAngles
    }
}
