/// The roles of section 6, lowest first. Each may call everything the ones
/// below it may.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case viewer, clinician, technician, admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .clinician: 1
        case .technician: 2
        case .admin: 3
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Every method of section 5, with the smallest role that may call it.
public enum ControlMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case status
    case deviceInfo = "device.info"
    case programsList = "programs.list"
    case programsShow = "programs.show"
    case sessionPreview = "session.preview"
    case sessionArm = "session.arm"
    case sessionStart = "session.start"
    case sessionPause = "session.pause"
    case sessionResume = "session.resume"
    case sessionAdjust = "session.adjust"
    case sessionStop = "session.stop"
    case alarmsList = "alarms.list"
    case alarmsAcknowledge = "alarms.acknowledge"
    case faultsReset = "faults.reset"
    case deviceTare = "device.tare"
    case recordsList = "records.list"
    case auditList = "audit.list"
    case subscribe
    case unsubscribe
    case configReload = "config.reload"

    public var requiredRole: Role {
        switch self {
        case .status, .deviceInfo, .programsList, .programsShow, .sessionPreview, .alarmsList, .recordsList,
             .subscribe, .unsubscribe:
            .viewer
        case .sessionArm, .sessionStart, .sessionPause, .sessionResume, .sessionAdjust, .sessionStop,
             .alarmsAcknowledge, .faultsReset:
            .clinician
        case .deviceTare, .auditList:
            .technician
        case .configReload:
            .admin
        }
    }

    /// Written to the audit log with the peer and the outcome.
    public var changesState: Bool {
        switch self {
        case .sessionArm, .sessionStart, .sessionPause, .sessionResume, .sessionAdjust, .sessionStop,
             .alarmsAcknowledge, .faultsReset, .deviceTare, .configReload:
            true
        default:
            false
        }
    }

    /// Requests that queue behind one another per connection: their answer
    /// comes from the control thread a tick or more later, and they are
    /// applied in the order sent. The others are dispatched at once and may
    /// overtake them. `session.stop` is deliberately not one of these: its
    /// answer also comes from the control thread, but it never waits behind
    /// another request (docs/control-protocol.md, `session.stop`).
    public var waitsForControlLoop: Bool {
        switch self {
        case .sessionArm, .sessionStart, .sessionPause, .sessionResume, .sessionAdjust,
             .alarmsAcknowledge, .faultsReset, .deviceTare:
            true
        default:
            false
        }
    }
}

/// Subscription topics (section 7).
public enum Topic: String, Sendable, Hashable, Codable, CaseIterable {
    case telemetry, events, alarms, session
}
