// The typed params, results and notifications of docs/control-protocol.md.
// Member names are spelt in each CodingKeys exactly as the document has them.
// Optional members are left out of the JSON when nil; clients treat an
// absent member and null alike.

/// Params of methods that take none: any member is INVALID_PARAMS.
public struct NoParams: ControlParams, Codable, Sendable, Hashable {
    public init() {}
    public enum CodingKeys: String, CodingKey, CaseIterable { case _none }
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }
}

// MARK: hello (section 4)

public struct TableSummary: Codable, Sendable, Hashable {
    public var serial: String
    public var simulated: Bool
    public init(serial: String, simulated: Bool) {
        self.serial = serial
        self.simulated = simulated
    }
}

public struct Hello: Codable, Sendable, Hashable {
    public static let currentProtocolVersion = 1
    public var protocolVersion: Int
    public var daemon: String
    public var daemonVersion: String
    public var table: TableSummary?
    public var role: Role?
    public var uid: UInt32
    public var pid: Int32
    public var maxMessageBytes: Int
    public var loopRateHz: Double

    public init(protocolVersion: Int = Hello.currentProtocolVersion, daemon: String = "tractiond", daemonVersion: String,
                table: TableSummary?, role: Role?, uid: UInt32, pid: Int32, maxMessageBytes: Int, loopRateHz: Double) {
        self.protocolVersion = protocolVersion
        self.daemon = daemon
        self.daemonVersion = daemonVersion
        self.table = table
        self.role = role
        self.uid = uid
        self.pid = pid
        self.maxMessageBytes = maxMessageBytes
        self.loopRateHz = loopRateHz
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case protocolVersion = "protocol_version", daemon, daemonVersion = "daemon_version", table, role, uid, pid
        case maxMessageBytes = "max_message_bytes", loopRateHz = "loop_rate_hz"
    }

    // `role` is always present, null when the peer has none.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(protocolVersion, forKey: .protocolVersion)
        try container.encode(daemon, forKey: .daemon)
        try container.encode(daemonVersion, forKey: .daemonVersion)
        try container.encode(table, forKey: .table)
        try container.encode(role, forKey: .role)
        try container.encode(uid, forKey: .uid)
        try container.encode(pid, forKey: .pid)
        try container.encode(maxMessageBytes, forKey: .maxMessageBytes)
        try container.encode(loopRateHz, forKey: .loopRateHz)
    }
}

// MARK: status

public struct AnglesJSON: Codable, Sendable, Hashable {
    public var flexionDeg: Double
    public var lateralTiltDeg: Double
    public var rotationDeg: Double
    public init(flexionDeg: Double, lateralTiltDeg: Double, rotationDeg: Double) {
        self.flexionDeg = flexionDeg
        self.lateralTiltDeg = lateralTiltDeg
        self.rotationDeg = rotationDeg
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case flexionDeg = "flexion_deg", lateralTiltDeg = "lateral_tilt_deg", rotationDeg = "rotation_deg"
    }
}

public struct ForceStatus: Codable, Sendable, Hashable {
    public var targetN: Double
    public var measuredN: Double
    public init(targetN: Double, measuredN: Double) {
        self.targetN = targetN
        self.measuredN = measuredN
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case targetN = "target_n", measuredN = "measured_n" }
}

public struct AlarmInfo: Codable, Sendable, Hashable {
    public var code: String
    /// "high", "medium" or "low".
    public var priority: String
    public var present: Bool
    public var latched: Bool
    public var acknowledged: Bool
    public var message: String
    public var raisedAt: String?
    public init(code: String, priority: String, present: Bool, latched: Bool, acknowledged: Bool, message: String,
                raisedAt: String?) {
        self.code = code
        self.priority = priority
        self.present = present
        self.latched = latched
        self.acknowledged = acknowledged
        self.message = message
        self.raisedAt = raisedAt
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case code, priority, present, latched, acknowledged, message, raisedAt = "raised_at"
    }
}

public struct SessionStatus: Codable, Sendable, Hashable {
    public var program: String
    public var patient: String
    public var region: String
    public var weightKg: Double
    public var firstSession: Bool
    public var activity: String?
    /// 1-based; nil before the first phase.
    public var phase: Int?
    public var phases: Int
    public var elapsedS: Double
    public var timeLeftS: Double
    public var totalS: Double
    public var peakN: Double
    public var effectiveLimitN: Double
    public var limitSource: String
    public var armedBy: String
    public var startedAt: String?
    public init(program: String, patient: String, region: String, weightKg: Double, firstSession: Bool,
                activity: String?, phase: Int?, phases: Int, elapsedS: Double, timeLeftS: Double, totalS: Double,
                peakN: Double, effectiveLimitN: Double, limitSource: String, armedBy: String, startedAt: String?) {
        self.program = program
        self.patient = patient
        self.region = region
        self.weightKg = weightKg
        self.firstSession = firstSession
        self.activity = activity
        self.phase = phase
        self.phases = phases
        self.elapsedS = elapsedS
        self.timeLeftS = timeLeftS
        self.totalS = totalS
        self.peakN = peakN
        self.effectiveLimitN = effectiveLimitN
        self.limitSource = limitSource
        self.armedBy = armedBy
        self.startedAt = startedAt
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, patient, region, weightKg = "weight_kg", firstSession = "first_session", activity, phase, phases
        case elapsedS = "elapsed_s", timeLeftS = "time_left_s", totalS = "total_s", peakN = "peak_n"
        case effectiveLimitN = "effective_limit_n", limitSource = "limit_source", armedBy = "armed_by"
        case startedAt = "started_at"
    }
}

public struct InterruptedSession: Codable, Sendable, Hashable {
    public var program: String
    public var patient: String
    public var startedAt: String
    public var detectedAt: String
    public var tensionAtStartN: Double?
    public init(program: String, patient: String, startedAt: String, detectedAt: String, tensionAtStartN: Double?) {
        self.program = program
        self.patient = patient
        self.startedAt = startedAt
        self.detectedAt = detectedAt
        self.tensionAtStartN = tensionAtStartN
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, patient, startedAt = "started_at", detectedAt = "detected_at"
        case tensionAtStartN = "tension_at_start_n"
    }
}

public struct LoopStatus: Codable, Sendable, Hashable {
    public var rateHz: Double
    public var realtime: String
    public var degraded: Bool
    public var p99LatenessUs: Double
    public var overruns: UInt64
    public init(rateHz: Double, realtime: String, degraded: Bool, p99LatenessUs: Double, overruns: UInt64) {
        self.rateHz = rateHz
        self.realtime = realtime
        self.degraded = degraded
        self.p99LatenessUs = p99LatenessUs
        self.overruns = overruns
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case rateHz = "rate_hz", realtime, degraded, p99LatenessUs = "p99_lateness_us", overruns
    }
}

public struct DaemonStatus: Codable, Sendable, Hashable {
    public var version: String
    public var uptimeS: Double
    public var clients: Int
    public init(version: String, uptimeS: Double, clients: Int) {
        self.version = version
        self.uptimeS = uptimeS
        self.clients = clients
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case version, uptimeS = "uptime_s", clients }
}

public struct StatusResult: Codable, Sendable, Hashable {
    public var state: String
    public var simulated: Bool
    public var session: SessionStatus?
    public var force: ForceStatus
    public var angles: AnglesJSON
    public var alarms: [AlarmInfo]
    public var lastSessionEnd: String?
    public var interruptedSession: InterruptedSession?
    public var loop: LoopStatus
    public var daemon: DaemonStatus
    /// Set when the daemon cannot keep its records (state directory full or
    /// unwritable); the text says what failed.
    public var recordsProblem: String?
    public init(state: String, simulated: Bool, session: SessionStatus?, force: ForceStatus, angles: AnglesJSON,
                alarms: [AlarmInfo], lastSessionEnd: String?, interruptedSession: InterruptedSession?,
                loop: LoopStatus, daemon: DaemonStatus, recordsProblem: String? = nil) {
        self.state = state
        self.simulated = simulated
        self.session = session
        self.force = force
        self.angles = angles
        self.alarms = alarms
        self.lastSessionEnd = lastSessionEnd
        self.interruptedSession = interruptedSession
        self.loop = loop
        self.daemon = daemon
        self.recordsProblem = recordsProblem
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case state, simulated, session, force, angles, alarms, lastSessionEnd = "last_session_end"
        case interruptedSession = "interrupted_session", loop, daemon, recordsProblem = "records_problem"
    }
}

// MARK: device.info

public struct AxisInfo: Codable, Sendable, Hashable {
    public var axis: String
    public var minDeg: Double
    public var maxDeg: Double
    public var maxRateDegPerS: Double
    public init(axis: String, minDeg: Double, maxDeg: Double, maxRateDegPerS: Double) {
        self.axis = axis
        self.minDeg = minDeg
        self.maxDeg = maxDeg
        self.maxRateDegPerS = maxRateDegPerS
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case axis, minDeg = "min_deg", maxDeg = "max_deg", maxRateDegPerS = "max_rate_deg_per_s"
    }
}

public struct LinkInfo: Codable, Sendable, Hashable {
    /// "serial" or "simulated".
    public var kind: String
    public var path: String?
    public var baud: Int?
    public var seed: UInt64?
    public init(kind: String, path: String? = nil, baud: Int? = nil, seed: UInt64? = nil) {
        self.kind = kind
        self.path = path
        self.baud = baud
        self.seed = seed
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case kind, path, baud, seed }
}

public struct DeviceInfoResult: Codable, Sendable, Hashable {
    public var serial: String
    public var firmware: String
    public var protocolVersion: Int
    public var maxForceN: Double
    public var maxTravelMm: Double
    public var leaseMs: Double
    public var axes: [AxisInfo]
    public var link: LinkInfo
    public var simulated: Bool
    public init(serial: String, firmware: String, protocolVersion: Int, maxForceN: Double, maxTravelMm: Double,
                leaseMs: Double, axes: [AxisInfo], link: LinkInfo, simulated: Bool) {
        self.serial = serial
        self.firmware = firmware
        self.protocolVersion = protocolVersion
        self.maxForceN = maxForceN
        self.maxTravelMm = maxTravelMm
        self.leaseMs = leaseMs
        self.axes = axes
        self.link = link
        self.simulated = simulated
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case serial, firmware, protocolVersion = "protocol_version", maxForceN = "max_force_n"
        case maxTravelMm = "max_travel_mm", leaseMs = "lease_ms", axes, link, simulated
    }
}

// MARK: programs

public struct ProgramEntry: Codable, Sendable, Hashable {
    public var name: String
    public var file: String
    public var valid: Bool
    public var region: String?
    public var durationS: Double?
    public var peakN: Double?
    public var description: String?
    public var error: String?
    public init(name: String, file: String, valid: Bool, region: String? = nil, durationS: Double? = nil,
                peakN: Double? = nil, description: String? = nil, error: String? = nil) {
        self.name = name
        self.file = file
        self.valid = valid
        self.region = region
        self.durationS = durationS
        self.peakN = peakN
        self.description = description
        self.error = error
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, file, valid, region, durationS = "duration_s", peakN = "peak_n", description, error
    }
}

public struct ProgramsListResult: Codable, Sendable, Hashable {
    public var programs: [ProgramEntry]
    public var directories: [String]
    public init(programs: [ProgramEntry], directories: [String]) {
        self.programs = programs
        self.directories = directories
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case programs, directories }
}

public struct ProgramShowParams: ControlParams, Codable, Sendable, Hashable {
    public var program: String
    public init(program: String) { self.program = program }
    public enum CodingKeys: String, CodingKey, CaseIterable { case program }
}

public struct ProgramShowResult: Codable, Sendable, Hashable {
    public var entry: ProgramEntry
    public var text: String
    public var diagnostics: [String]
    public init(entry: ProgramEntry, text: String, diagnostics: [String]) {
        self.entry = entry
        self.text = text
        self.diagnostics = diagnostics
    }
    // The entry's members sit beside text and diagnostics in one object.
    public init(from decoder: any Decoder) throws {
        entry = try ProgramEntry(from: decoder)
        let container = try decoder.container(keyedBy: ExtraKeys.self)
        text = try container.decode(String.self, forKey: .text)
        diagnostics = try container.decode([String].self, forKey: .diagnostics)
    }
    public func encode(to encoder: any Encoder) throws {
        try entry.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(diagnostics, forKey: .diagnostics)
    }
    private enum ExtraKeys: String, CodingKey { case text, diagnostics }
}

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
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [AnyKey(stringValue: unknown)],
                                                    debugDescription: "unknown parameter"))
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
    public init(program: String, patient: String, armedBy: String, armedAt: String, startedAt: String?, endedAt: String?,
                endReason: String?, peakMeasuredN: Double, alarms: [String], actions: [RecordAction]) {
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
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, patient, armedBy = "armed_by", armedAt = "armed_at", startedAt = "started_at"
        case endedAt = "ended_at", endReason = "end_reason", peakMeasuredN = "peak_measured_n", alarms, actions
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

// MARK: subscriptions and configuration

public struct SubscribeParams: ControlParams, Codable, Sendable, Hashable {
    public var topics: [Topic]
    public var telemetryHz: Double?
    public init(topics: [Topic], telemetryHz: Double? = nil) {
        self.topics = topics
        self.telemetryHz = telemetryHz
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case topics, telemetryHz = "telemetry_hz" }
    public static let defaultTelemetryHz = 10.0
}

public struct SubscribeResult: Codable, Sendable, Hashable {
    public var topics: [Topic]
    public var telemetryHz: Double
    public init(topics: [Topic], telemetryHz: Double) {
        self.topics = topics
        self.telemetryHz = telemetryHz
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case topics, telemetryHz = "telemetry_hz" }
}

public struct UnsubscribeParams: ControlParams, Codable, Sendable, Hashable {
    public var topics: [Topic]?
    public init(topics: [Topic]? = nil) { self.topics = topics }
    public enum CodingKeys: String, CodingKey, CaseIterable { case topics }
}

public struct UnsubscribeResult: Codable, Sendable, Hashable {
    public var topics: [Topic]
    public init(topics: [Topic]) { self.topics = topics }
    public enum CodingKeys: String, CodingKey, CaseIterable { case topics }
}

public struct ReloadResult: Codable, Sendable, Hashable {
    public var applied: Bool
    public var deferred: Bool
    public var restartNeeded: [String]
    public init(applied: Bool, deferred: Bool, restartNeeded: [String]) {
        self.applied = applied
        self.deferred = deferred
        self.restartNeeded = restartNeeded
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case applied, deferred, restartNeeded = "restart_needed"
    }
}

// MARK: notifications (section 7)

public struct TelemetryNotification: Codable, Sendable, Hashable {
    public var tS: Double
    public var tick: UInt64
    public var state: String
    public var activity: String?
    public var phase: Int?
    public var targetN: Double
    public var measuredN: Double
    public var angles: AnglesJSON
    public var timeLeftS: Double
    public var alarms: [String]
    public init(tS: Double, tick: UInt64, state: String, activity: String?, phase: Int?, targetN: Double,
                measuredN: Double, angles: AnglesJSON, timeLeftS: Double, alarms: [String]) {
        self.tS = tS
        self.tick = tick
        self.state = state
        self.activity = activity
        self.phase = phase
        self.targetN = targetN
        self.measuredN = measuredN
        self.angles = angles
        self.timeLeftS = timeLeftS
        self.alarms = alarms
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case tS = "t_s", tick, state, activity, phase, targetN = "target_n", measuredN = "measured_n", angles
        case timeLeftS = "time_left_s", alarms
    }
}

/// An `event` notification: `kind` and the members that kind carries
/// (section 7); the rest are absent.
public struct EventNotification: Codable, Sendable, Hashable {
    public var tS: Double
    public var at: String
    public var kind: String
    public var passed: Bool?
    public var finding: String?
    public var program: String?
    public var patient: String?
    public var activity: String?
    public var phase: Int?
    public var requestedN: Double?
    public var grantedN: Double?
    public var by: String?
    public var reason: String?
    public var command: String?
    public var interrupted: InterruptedSession?
    public init(tS: Double, at: String, kind: String, passed: Bool? = nil, finding: String? = nil,
                program: String? = nil, patient: String? = nil, activity: String? = nil, phase: Int? = nil,
                requestedN: Double? = nil, grantedN: Double? = nil, by: String? = nil, reason: String? = nil,
                command: String? = nil, interrupted: InterruptedSession? = nil) {
        self.tS = tS
        self.at = at
        self.kind = kind
        self.passed = passed
        self.finding = finding
        self.program = program
        self.patient = patient
        self.activity = activity
        self.phase = phase
        self.requestedN = requestedN
        self.grantedN = grantedN
        self.by = by
        self.reason = reason
        self.command = command
        self.interrupted = interrupted
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case tS = "t_s", at, kind, passed, finding, program, patient, activity, phase
        case requestedN = "requested_n", grantedN = "granted_n", by, reason, command, interrupted
    }
}

public struct AlarmNotification: Codable, Sendable, Hashable {
    public var tS: Double
    public var at: String
    /// "raised", "ended" or "acknowledged".
    public var change: String
    public var alarm: AlarmInfo
    public init(tS: Double, at: String, change: String, alarm: AlarmInfo) {
        self.tS = tS
        self.at = at
        self.change = change
        self.alarm = alarm
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case tS = "t_s", at, change, alarm }
}

public struct SessionNotification: Codable, Sendable, Hashable {
    public var tS: Double
    public var at: String
    public var from: String
    public var to: String
    public var cause: String
    public var by: String?
    public init(tS: Double, at: String, from: String, to: String, cause: String, by: String?) {
        self.tS = tS
        self.at = at
        self.from = from
        self.to = to
        self.cause = cause
        self.by = by
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case tS = "t_s", at, from, to, cause, by }
}

public struct DroppedNotification: Codable, Sendable, Hashable {
    public var reason: String
    public var queuedBytes: Int
    public init(reason: String = "SLOW_CONSUMER", queuedBytes: Int) {
        self.reason = reason
        self.queuedBytes = queuedBytes
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case reason, queuedBytes = "queued_bytes" }
}

/// Notification method names.
public enum NotificationMethod {
    public static let hello = "hello"
    public static let telemetry = "telemetry"
    public static let event = "event"
    public static let alarm = "alarm"
    public static let session = "session"
    public static let dropped = "dropped"
}
