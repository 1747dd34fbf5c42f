// Typed messages of docs/control-protocol.md; conventions in Messages.swift.

// MARK: alarms, faults, tare

public struct AlarmsListResult: Codable, Sendable, Hashable {
    public var alarms: [AlarmInfo]
    public init(alarms: [AlarmInfo]) { self.alarms = alarms }
    public enum CodingKeys: String, CodingKey, CaseIterable { case alarms }
}

public struct AcknowledgeParams: ControlParams, Codable, Sendable, Hashable {
    public var code: String?
    public var all: Bool?
    public init(code: String? = nil, all: Bool? = nil) {
        self.code = code
        self.all = all
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case code, all }
}

public struct AcknowledgeResult: Codable, Sendable, Hashable {
    public var acknowledged: [String]
    public init(acknowledged: [String]) { self.acknowledged = acknowledged }
    public enum CodingKeys: String, CodingKey, CaseIterable { case acknowledged }
}

public struct TareResult: Codable, Sendable, Hashable {
    public var tared: Bool
    public init(tared: Bool) { self.tared = tared }
    public enum CodingKeys: String, CodingKey, CaseIterable { case tared }
}

// MARK: records and audit

public struct RecordsParams: ControlParams, Codable, Sendable, Hashable {
    public var limit: Int?
    public init(limit: Int? = nil) { self.limit = limit }
    public enum CodingKeys: String, CodingKey, CaseIterable { case limit }
    public static let defaultLimit = 20
    public static let allowedLimits = 1...1000
}

public struct RecordAction: Codable, Sendable, Hashable {
    public var at: String
    public var method: String
    public var by: String
    /// "ok" or the symbolic error code.
    public var outcome: String
    public init(at: String, method: String, by: String, outcome: String) {
        self.at = at
        self.method = method
        self.by = by
        self.outcome = outcome
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case at, method, by, outcome }
}

public struct SessionRecord: Codable, Sendable, Hashable {
    public var program: String
    public var patient: String
    public var armedBy: String
    public var armedAt: String
    public var startedAt: String?
    public var endedAt: String?
    public var endReason: String?
    public var peakMeasuredN: Double
    public var alarms: [String]
    public var actions: [RecordAction]
    /// The phase (1-based) and planner activity the session was last in.
    public var lastPhase: Int?
    public var lastActivity: String?
    public init(program: String, patient: String, armedBy: String, armedAt: String, startedAt: String?, endedAt: String?,
                endReason: String?, peakMeasuredN: Double, alarms: [String], actions: [RecordAction],
                lastPhase: Int? = nil, lastActivity: String? = nil) {
        self.program = program
        self.patient = patient
        self.armedBy = armedBy
        self.armedAt = armedAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.peakMeasuredN = peakMeasuredN
        self.alarms = alarms
        self.actions = actions
        self.lastPhase = lastPhase
        self.lastActivity = lastActivity
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, patient, armedBy = "armed_by", armedAt = "armed_at", startedAt = "started_at"
        case endedAt = "ended_at", endReason = "end_reason", peakMeasuredN = "peak_measured_n", alarms, actions
        case lastPhase = "last_phase", lastActivity = "last_activity"
    }
}

public struct RecordsResult: Codable, Sendable, Hashable {
    public var sessions: [SessionRecord]
    public init(sessions: [SessionRecord]) { self.sessions = sessions }
    public enum CodingKeys: String, CodingKey, CaseIterable { case sessions }
}

public struct AuditParams: ControlParams, Codable, Sendable, Hashable {
    public var limit: Int?
    public init(limit: Int? = nil) { self.limit = limit }
    public enum CodingKeys: String, CodingKey, CaseIterable { case limit }
    public static let defaultLimit = 100
    public static let allowedLimits = 1...10_000
}

public struct AuditEntry: Codable, Sendable, Hashable {
    public var at: String
    public var uid: UInt32
    public var pid: Int32
    public var user: String?
    public var role: Role?
    public var method: String
    /// "ok" or "error".
    public var outcome: String
    /// The symbolic error code when `outcome` is "error".
    public var code: String?
    public init(at: String, uid: UInt32, pid: Int32, user: String?, role: Role?, method: String, outcome: String,
                code: String?) {
        self.at = at
        self.uid = uid
        self.pid = pid
        self.user = user
        self.role = role
        self.method = method
        self.outcome = outcome
        self.code = code
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case at, uid, pid, user, role, method, outcome, code }
}

public struct AuditResult: Codable, Sendable, Hashable {
    public var entries: [AuditEntry]
    public init(entries: [AuditEntry]) { self.entries = entries }
    public enum CodingKeys: String, CodingKey, CaseIterable { case entries }
}
