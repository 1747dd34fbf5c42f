import TractionDevice

/// What the planner needs to know about the patient and the table's start.
public struct PatientParameters: Sendable, Hashable, Codable {
    public var weight: Kilograms
    public var region: TreatmentRegion
    /// The patient's first session: the first-session cap applies.
    public var firstSession: Bool
    /// The table's angles when the session starts; the planner first moves
    /// them, at zero force, to the first phase's angles.
    public var initialAngles: Angles
    /// The operator's own cap for this session (`session.arm`'s
    /// `max_force_n`); nil when the operator set none. It joins the other
    /// caps, and like them can only lower the effective limit.
    public var operatorMaximum: Newtons?

    public init(weight: Kilograms, region: TreatmentRegion, firstSession: Bool = false,
                initialAngles: Angles = .zero, operatorMaximum: Newtons? = nil) {
        self.weight = weight
        self.region = region
        self.firstSession = firstSession
        self.initialAngles = initialAngles
        self.operatorMaximum = operatorMaximum
    }
}

/// Which cap set a session's effective limit.
public enum LimitSource: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The program's `limits.maximum_force`.
    case programMaximum = "program_maximum"
    /// The program's `limits.body_weight_fraction` times the patient's weight.
    case bodyWeightFraction = "body_weight_fraction"
    /// The region's hard cap from the daemon configuration.
    case regionCap = "region_cap"
    /// The table's own maximum.
    case deviceCap = "device_cap"
    /// The first-session cap (a fraction of body weight).
    case firstSession = "first_session"
    /// The operator's own cap for the session (`PatientParameters.operatorMaximum`).
    case operatorMaximum = "operator_maximum"

    public var description: String {
        switch self {
        case .programMaximum: "program maximum force"
        case .bodyWeightFraction: "patient body-weight fraction"
        case .regionCap: "region cap"
        case .deviceCap: "device cap"
        case .firstSession: "first-session cap"
        case .operatorMaximum: "operator's maximum"
        }
    }
}

/// One cap that applies to a session.
public struct LimitCandidate: Sendable, Hashable, Codable {
    public var source: LimitSource
    public var force: Newtons
}

/// The smallest of the caps that apply to a session, and which one it is.
public struct EffectiveLimit: Sendable, Hashable, Codable {
    public var force: Newtons
    public var source: LimitSource
    /// Every cap considered, in `LimitSource` order.
    public var candidates: [LimitCandidate]

    /// The caps for `program` and `patient` under `limits`. On a tie the
    /// earlier source in `LimitSource` order is named.
    public init(program: TreatmentProgram, patient: PatientParameters, limits: TherapyLimits) {
        let region = limits.region(program.region)
        let bodyWeight = patient.weight.weight
        var candidates = [
            LimitCandidate(source: .programMaximum, force: program.maximumForce),
            LimitCandidate(source: .bodyWeightFraction, force: bodyWeight * program.bodyWeightFraction),
            LimitCandidate(source: .regionCap, force: region.forceCap),
            LimitCandidate(source: .deviceCap, force: limits.deviceForceCap),
        ]
        if patient.firstSession {
            candidates.append(LimitCandidate(source: .firstSession,
                                             force: bodyWeight * region.firstSessionBodyWeightFraction))
        }
        if let operatorMaximum = patient.operatorMaximum {
            candidates.append(LimitCandidate(source: .operatorMaximum, force: operatorMaximum))
        }
        var smallest = candidates[0]
        for candidate in candidates.dropFirst() where candidate.force < smallest.force { smallest = candidate }
        self.force = smallest.force
        self.source = smallest.source
        self.candidates = candidates
    }
}
