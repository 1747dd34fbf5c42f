// Typed messages of docs/control-protocol.md; conventions in Messages.swift.

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
    /// `session_ended`: the interlock event that ended the session (a
    /// `cause` of the `session` notification, section 7).
    public var cause: String?
    /// `table_fault_report`: the FAULT_REPORT's event name, detail word and
    /// active drive-fault bits (docs/wire-protocol.md 11.3).
    public var tableEvent: String?
    public var detail: Double?
    public var activeFaults: Double?
    public init(tS: Double, at: String, kind: String, passed: Bool? = nil, finding: String? = nil,
                program: String? = nil, patient: String? = nil, activity: String? = nil, phase: Int? = nil,
                requestedN: Double? = nil, grantedN: Double? = nil, by: String? = nil, reason: String? = nil,
                command: String? = nil, interrupted: InterruptedSession? = nil, cause: String? = nil,
                tableEvent: String? = nil, detail: Double? = nil, activeFaults: Double? = nil) {
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
        self.cause = cause
        self.tableEvent = tableEvent
        self.detail = detail
        self.activeFaults = activeFaults
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case tS = "t_s", at, kind, passed, finding, program, patient, activity, phase
        case requestedN = "requested_n", grantedN = "granted_n", by, reason, command, interrupted, cause
        case tableEvent = "table_event", detail, activeFaults = "active_faults"
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
