// Typed messages of docs/control-protocol.md; conventions in Messages.swift.

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
    /// The table reported its `lease_expired` latch when this daemon started:
    /// it had released by itself because the previous daemon stopped
    /// commanding with the drive enabled (docs/control-protocol.md, section 9).
    public var tableLeaseExpired: Bool
    /// When the previous daemon was last known alive with the session (its
    /// marker's last rewrite); nil when its marker did not say.
    public var lastAliveAt: String?
    public init(program: String, patient: String, startedAt: String, detectedAt: String, tensionAtStartN: Double?,
                tableLeaseExpired: Bool = false, lastAliveAt: String? = nil) {
        self.program = program
        self.patient = patient
        self.startedAt = startedAt
        self.detectedAt = detectedAt
        self.tensionAtStartN = tensionAtStartN
        self.tableLeaseExpired = tableLeaseExpired
        self.lastAliveAt = lastAliveAt
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case program, patient, startedAt = "started_at", detectedAt = "detected_at"
        case tensionAtStartN = "tension_at_start_n", tableLeaseExpired = "table_lease_expired"
        case lastAliveAt = "last_alive_at"
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
    /// A serial table's link: where it stands and what it counted; absent
    /// for the simulated table.
    public var link: LinkHealthStatus?
    public init(state: String, simulated: Bool, session: SessionStatus?, force: ForceStatus, angles: AnglesJSON,
                alarms: [AlarmInfo], lastSessionEnd: String?, interruptedSession: InterruptedSession?,
                loop: LoopStatus, daemon: DaemonStatus, recordsProblem: String? = nil, link: LinkHealthStatus? = nil) {
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
        self.link = link
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case state, simulated, session, force, angles, alarms, lastSessionEnd = "last_session_end"
        case interruptedSession = "interrupted_session", loop, daemon, recordsProblem = "records_problem", link
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
    /// A serial link's phase and counters, at the time of the answer.
    public var health: LinkHealthStatus?
    public init(kind: String, path: String? = nil, baud: Int? = nil, seed: UInt64? = nil,
                health: LinkHealthStatus? = nil) {
        self.kind = kind
        self.path = path
        self.baud = baud
        self.seed = seed
        self.health = health
    }
    public enum CodingKeys: String, CodingKey, CaseIterable { case kind, path, baud, seed, health }
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

// MARK: The table link's health (status.link, device.info.link.health)

/// Where a serial link stands and what it has counted since the daemon
/// started (docs/wire-protocol.md section 12, docs/control-protocol.md
/// `device.info`). Every counter is a JSON number; the Codable form and the
/// hand-built `status` tree both come from `counters`, so they cannot
/// disagree.
public struct LinkHealthStatus: Codable, Sendable, Hashable {
    /// `opening`, `handshaking`, `connected`, `refused` or `closed`.
    public var phase: String
    /// Why the table is refused, while it is.
    public var refusal: String?
    public var framesDecoded: UInt64 = 0
    public var crcErrors: UInt64 = 0
    public var malformedFrames: UInt64 = 0
    public var oversizeFrames: UInt64 = 0
    public var otherVersionFrames: UInt64 = 0
    public var unknownTypeFrames: UInt64 = 0
    public var invalidPayloadFrames: UInt64 = 0
    public var resynchronisations: UInt64 = 0
    public var discardedBytes: UInt64 = 0
    public var telemetryReceived: UInt64 = 0
    public var framesLost: UInt64 = 0
    public var sequenceGaps: UInt64 = 0
    /// TELEMETRY_STALE onsets: times the newest reading grew older than the
    /// stale threshold (docs/safety.md H5).
    public var stalePeriods: UInt64 = 0
    public var losses: UInt64 = 0
    public var handshakes: UInt64 = 0
    public var refusals: UInt64 = 0
    public var reopens: UInt64 = 0
    public var faultReports: UInt64 = 0
    public var faultReportsNotReported: UInt64 = 0
    public var framesSent: UInt64 = 0
    public var commandsSent: UInt64 = 0
    /// 99th percentile of the command-to-telemetry latency, in ms.
    public var latencyP99Ms: Double?
    /// The newest FAULT_REPORT, as one line.
    public var lastFaultReport: String?

    public init(phase: String) { self.phase = phase }

    /// The counters by their JSON names, in the document's order.
    public var counters: [(key: String, value: UInt64)] { Self.counterPaths.map { ($0.key, self[keyPath: $0.path]) } }

    /// The one list of counters: JSON name and member. Computed, not
    /// stored, because key paths are not Sendable.
    private static var counterPaths: [(key: String, path: WritableKeyPath<LinkHealthStatus, UInt64>)] {
        [("frames_decoded", \.framesDecoded), ("crc_errors", \.crcErrors), ("malformed_frames", \.malformedFrames),
         ("oversize_frames", \.oversizeFrames), ("other_version_frames", \.otherVersionFrames),
         ("unknown_type_frames", \.unknownTypeFrames), ("invalid_payload_frames", \.invalidPayloadFrames),
         ("resynchronisations", \.resynchronisations), ("discarded_bytes", \.discardedBytes),
         ("telemetry_received", \.telemetryReceived), ("frames_lost", \.framesLost), ("sequence_gaps", \.sequenceGaps),
         ("stale_periods", \.stalePeriods), ("losses", \.losses), ("handshakes", \.handshakes), ("refusals", \.refusals),
         ("reopens", \.reopens), ("fault_reports", \.faultReports),
         ("fault_reports_not_reported", \.faultReportsNotReported), ("frames_sent", \.framesSent),
         ("commands_sent", \.commandsSent)]
    }

    /// The JSON tree, built by hand for `status` (no Codable on its path).
    public var json: JSONValue {
        var members: [String: JSONValue] = ["phase": .string(phase)]
        for (key, value) in counters { members[key] = .number(Double(value)) }
        if let refusal { members["refusal"] = .string(refusal) }
        if let latencyP99Ms { members["latency_p99_ms"] = .number(latencyP99Ms) }
        if let lastFaultReport { members["last_fault_report"] = .string(lastFaultReport) }
        return .object(members)
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        phase = try container.decode(String.self, forKey: Key("phase"))
        refusal = try container.decodeIfPresent(String.self, forKey: Key("refusal"))
        latencyP99Ms = try container.decodeIfPresent(Double.self, forKey: Key("latency_p99_ms"))
        lastFaultReport = try container.decodeIfPresent(String.self, forKey: Key("last_fault_report"))
        // A counter a newer daemon adds, or an older one lacks, is not an error.
        for (key, path) in Self.counterPaths {
            if let value = try container.decodeIfPresent(UInt64.self, forKey: Key(key)) { self[keyPath: path] = value }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(phase, forKey: Key("phase"))
        try container.encodeIfPresent(refusal, forKey: Key("refusal"))
        for (key, value) in counters { try container.encode(value, forKey: Key(key)) }
        try container.encodeIfPresent(latencyP99Ms, forKey: Key("latency_p99_ms"))
        try container.encodeIfPresent(lastFaultReport, forKey: Key("last_fault_report"))
    }
}
