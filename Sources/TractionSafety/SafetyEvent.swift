import TractionDevice

/// Something the kernel did or decided, for the engine to act on and the
/// recorder to store. Every event carries the instant it happened.
public enum SafetyEvent: Sendable, Hashable {
    /// An event was applied: the state changed to `to` (or stayed, when
    /// `from == to`) with `actions`. `operatorIdentity` names who sent an
    /// operator command; nil for events from the table or the kernel.
    case transition(from: InterlockState, to: InterlockState, cause: InterlockEvent,
                    actions: InterlockActions, operatorIdentity: String?, at: MonotonicInstant)
    /// An event was refused in `state`, for `reason`.
    case refused(InterlockEvent, state: InterlockState, reason: RefusalReason,
                 operatorIdentity: String?, at: MonotonicInstant)
    /// An alarm became active (its condition appeared).
    case alarmRaised(AlarmCode, at: MonotonicInstant)
    /// An alarm's condition disappeared; a latched alarm stays active.
    case alarmConditionCleared(AlarmCode, at: MonotonicInstant)
    /// An operator acknowledged an active alarm.
    case alarmAcknowledged(AlarmCode, by: String, at: MonotonicInstant)
    /// An alarm is no longer active: its condition is gone and, for a
    /// latching alarm, it was acknowledged.
    case alarmEnded(AlarmCode, at: MonotonicInstant)
}

/// The caller's buffer for the events of one tick or one command.
///
/// The caller creates it once with enough capacity for the worst tick and
/// clears it (keeping the capacity) before each tick, so appending never
/// allocates on the control path. Events are never dropped: if the
/// capacity is ever exceeded the buffer grows (and allocates) rather than
/// losing a safety event.
public struct SafetyEventLog: Sendable {
    public private(set) var events: [SafetyEvent]

    /// Enough for every alarm to rise and fall in one tick plus a few transitions.
    public static let worstCaseEventsPerTick = AlarmCode.allCases.count * 3 + 8

    public init(capacity: Int = SafetyEventLog.worstCaseEventsPerTick) {
        events = []
        events.reserveCapacity(capacity)
    }

    public mutating func append(_ event: SafetyEvent) { events.append(event) }

    /// Empties the buffer, keeping its storage for the next tick.
    public mutating func removeAll() { events.removeAll(keepingCapacity: true) }

    public var isEmpty: Bool { events.isEmpty }
    public var count: Int { events.count }
}
