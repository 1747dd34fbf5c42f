import TractionDevice

/// The state of one alarm, as IEC 60601-1-8 asks it to be recorded.
public struct AlarmRecord: Sendable, Hashable {
    public let code: AlarmCode
    /// The condition that raises the alarm is present now.
    public internal(set) var conditionPresent: Bool = false
    /// The alarm is shown to the operator. True while the condition is
    /// present and, for a latching alarm, until it is acknowledged after the
    /// condition cleared.
    public internal(set) var active: Bool = false
    public internal(set) var raisedAt: MonotonicInstant?
    public internal(set) var clearedAt: MonotonicInstant?
    public internal(set) var acknowledgedAt: MonotonicInstant?
    /// The operator identity that acknowledged it (or reset the interlock).
    public internal(set) var acknowledgedBy: String?

    public init(code: AlarmCode) { self.code = code }

    public var priority: AlarmPriority { code.priority }
    public var isAcknowledged: Bool { acknowledgedAt != nil }
}

/// Every alarm the kernel knows, in a fixed table indexed by `AlarmCode`.
///
/// The storage is created once; updating a record in place never allocates,
/// so the table can run on the control path. Its rules:
/// - a condition appearing activates its alarm and clears any earlier
///   acknowledgement (a new occurrence must be acknowledged again);
/// - a condition clearing ends a non-latching alarm at once, and ends a
///   latching one only if it was already acknowledged;
/// - acknowledging ends an alarm only when its condition is gone: an
///   acknowledged alarm whose condition is present stays active and visible.
public struct AlarmTable: Sendable {
    private var records: [AlarmRecord]

    public init() {
        records = AlarmCode.allCases.map { AlarmRecord(code: $0) }
    }

    public subscript(code: AlarmCode) -> AlarmRecord { records[Int(code.rawValue)] }

    /// Active alarms, highest priority first. Allocates; for status and display.
    public var activeAlarms: [AlarmRecord] {
        records.filter(\.active).sorted { $0.priority > $1.priority }
    }

    /// Codes whose condition is present.
    public private(set) var presentConditions = AlarmConditions()
    /// Codes of active latching alarms.
    public private(set) var activeLatched = AlarmConditions()

    /// The highest priority among active alarms, or nil when none is active.
    public var highestActivePriority: AlarmPriority? {
        records.lazy.filter(\.active).map(\.priority).max()
    }

    /// Records the condition of `code` as present or absent at `now`.
    /// Returns true on a rising edge (the condition just appeared).
    @discardableResult
    mutating func setCondition(_ code: AlarmCode, present: Bool, at now: MonotonicInstant,
                               events: inout SafetyEventLog) -> Bool {
        let index = Int(code.rawValue)
        let wasPresent = records[index].conditionPresent
        guard present != wasPresent else { return false }
        if present {
            records[index].conditionPresent = true
            records[index].clearedAt = nil
            records[index].acknowledgedAt = nil
            records[index].acknowledgedBy = nil
            if !records[index].active {
                records[index].active = true
                records[index].raisedAt = now
                events.append(.alarmRaised(code, at: now))
            }
        } else {
            records[index].conditionPresent = false
            records[index].clearedAt = now
            events.append(.alarmConditionCleared(code, at: now))
            if !code.latches || records[index].isAcknowledged {
                end(index, at: now, events: &events)
            }
        }
        refreshSummaries()
        return present
    }

    /// Acknowledges every active alarm by `operatorIdentity` at `now`. Alarms
    /// whose condition is gone end; the others stay active.
    mutating func acknowledgeAll(by operatorIdentity: String, at now: MonotonicInstant,
                                 events: inout SafetyEventLog) {
        for index in records.indices where records[index].active && !records[index].isAcknowledged {
            records[index].acknowledgedAt = now
            records[index].acknowledgedBy = operatorIdentity
            events.append(.alarmAcknowledged(records[index].code, by: operatorIdentity, at: now))
            if !records[index].conditionPresent {
                end(index, at: now, events: &events)
            }
        }
        refreshSummaries()
    }

    /// Acknowledges one alarm, if it is active and not yet acknowledged.
    /// It ends when its condition is gone; otherwise it stays active.
    /// Returns whether the alarm was active (an inactive one is left alone).
    @discardableResult
    mutating func acknowledge(_ code: AlarmCode, by operatorIdentity: String, at now: MonotonicInstant,
                              events: inout SafetyEventLog) -> Bool {
        let index = Int(code.rawValue)
        guard records[index].active else { return false }
        guard !records[index].isAcknowledged else { return true }
        records[index].acknowledgedAt = now
        records[index].acknowledgedBy = operatorIdentity
        events.append(.alarmAcknowledged(code, by: operatorIdentity, at: now))
        if !records[index].conditionPresent {
            end(index, at: now, events: &events)
        }
        refreshSummaries()
        return true
    }

    private mutating func end(_ index: Int, at now: MonotonicInstant, events: inout SafetyEventLog) {
        records[index].active = false
        events.append(.alarmEnded(records[index].code, at: now))
    }

    private mutating func refreshSummaries() {
        var present = AlarmConditions()
        var latched = AlarmConditions()
        for record in records {
            if record.conditionPresent { present.insert(AlarmConditions(record.code)) }
            if record.active && record.code.latches { latched.insert(AlarmConditions(record.code)) }
        }
        presentConditions = present
        activeLatched = latched
    }
}
