// Typed messages of docs/control-protocol.md; conventions in Messages.swift.

// MARK: sessions

public struct PatientParams: Codable, Sendable, Hashable {
    public var reference: String
    public var weightKg: Double
    public var region: String?
    public var firstSession: Bool?
    public init(reference: String, weightKg: Double, region: String? = nil, firstSession: Bool? = nil) {
        self.reference = reference
        self.weightKg = weightKg
        self.region = region
        self.firstSession = firstSession
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case reference, weightKg = "weight_kg", region, firstSession = "first_session"
    }

    /// Checked against these too: unknown members of `patient` are errors.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted()
            .first(where: { CodingKeys(rawValue: $0) == nil }) {
            throw ParamsDecodingError(decoder.codingPath + [AnyKey(stringValue: unknown)], "unknown parameter")
        }
        let known = try decoder.container(keyedBy: CodingKeys.self)
        reference = try known.decode(String.self, forKey: .reference)
        weightKg = try known.decode(Double.self, forKey: .weightKg)
        region = try known.decodeIfPresent(String.self, forKey: .region)
        firstSession = try known.decodeIfPresent(Bool.self, forKey: .firstSession)
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Section 5, `session.arm`: 1-64 characters from A-Z a-z 0-9 - _ . : /
    public static func isValidReference(_ reference: String) -> Bool {
        guard (1...64).contains(reference.unicodeScalars.count) else { return false }
        return reference.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "-", "_", ".", ":", "/": true
            default: false
            }
        }
    }
}

/// Params of `session.arm` and `session.preview`.
public struct ArmParams: ControlParams, Codable, Sendable, Hashable {
    public var program: String?
    public var programText: String?
    public var patient: PatientParams
    public var maxForceN: Double?
    public init(program: String? = nil, programText: String? = nil, patient: PatientParams, maxForceN: Double? = nil) {
        self.program = program
        self.programText = programText
        self.patient = patient
        self.maxForceN = maxForceN
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, programText = "program_text", patient, maxForceN = "max_force_n"
    }
}

public struct LimitEntry: Codable, Sendable, Hashable {
    public var source: String
    public var forceN: Double
    public init(source: String, forceN: Double) {
        self.source = source
        self.forceN = forceN
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case source, forceN = "force_n" }
}

public struct PhaseEntry: Codable, Sendable, Hashable {
    public var phase: Int?
    public var activity: String
    public var startS: Double
    public var endS: Double
    public var startN: Double
    public var endN: Double
    public init(phase: Int?, activity: String, startS: Double, endS: Double, startN: Double, endN: Double) {
        self.phase = phase
        self.activity = activity
        self.startS = startS
        self.endS = endS
        self.startN = startN
        self.endN = endN
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case phase, activity, startS = "start_s", endS = "end_s", startN = "start_n", endN = "end_n"
    }
}

public struct PlanResult: Codable, Sendable, Hashable {
    public var program: String
    public var patient: String
    public var region: String
    public var totalS: Double
    public var peakN: Double
    public var effectiveLimitN: Double
    public var limitSource: String
    public var limits: [LimitEntry]
    public var confirmationRequired: Bool
    public var confirmationThresholdN: Double
    public var phases: [PhaseEntry]
    public init(program: String, patient: String, region: String, totalS: Double, peakN: Double, effectiveLimitN: Double,
                limitSource: String, limits: [LimitEntry], confirmationRequired: Bool, confirmationThresholdN: Double,
                phases: [PhaseEntry]) {
        self.program = program
        self.patient = patient
        self.region = region
        self.totalS = totalS
        self.peakN = peakN
        self.effectiveLimitN = effectiveLimitN
        self.limitSource = limitSource
        self.limits = limits
        self.confirmationRequired = confirmationRequired
        self.confirmationThresholdN = confirmationThresholdN
        self.phases = phases
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, patient, region, totalS = "total_s", peakN = "peak_n", effectiveLimitN = "effective_limit_n"
        case limitSource = "limit_source", limits, confirmationRequired = "confirmation_required"
        case confirmationThresholdN = "confirmation_threshold_n", phases
    }
}

public struct StartParams: ControlParams, Codable, Sendable, Hashable {
    public var confirm: Bool?
    public init(confirm: Bool = false) { self.confirm = confirm }
    public enum CodingKeys: String, CodingKey, CaseIterable { case confirm }
}

public struct StateResult: Codable, Sendable, Hashable {
    public var state: String
    public init(state: String) { self.state = state }
    public enum CodingKeys: String, CodingKey, CaseIterable { case state }
}

public struct AdjustParams: ControlParams, Codable, Sendable, Hashable {
    public var maxForceN: Double
    public init(maxForceN: Double) { self.maxForceN = maxForceN }
    public enum CodingKeys: String, CodingKey, CaseIterable { case maxForceN = "max_force_n" }
}

public struct AdjustResult: Codable, Sendable, Hashable {
    public var requestedN: Double
    public var grantedN: Double
    public init(requestedN: Double, grantedN: Double) {
        self.requestedN = requestedN
        self.grantedN = grantedN
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case requestedN = "requested_n", grantedN = "granted_n" }
}

public struct StopResult: Codable, Sendable, Hashable {
    public var state: String
    public var wasRunning: Bool
    public init(state: String, wasRunning: Bool) {
        self.state = state
        self.wasRunning = wasRunning
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case state, wasRunning = "was_running" }
}
