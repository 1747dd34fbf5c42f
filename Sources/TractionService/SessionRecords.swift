import TractionControlProtocol
import TractionDevice
import TractionTherapy

/// The session being armed or run, as the service tracks it from its own
/// requests and the engine's events.
struct CurrentSession {
    var plan: SessionPlan
    var programName: String
    var patientReference: String
    var armedBy: String
    var startedAt: String?
    /// Index into `SessionRecordBook.records`.
    var recordIndex: Int
}

/// A session record while it is being written, turned into the protocol's
/// `SessionRecord` for `records.list`.
struct RecordDraft {
    var program: String
    var patient: String
    var armedBy: String
    var armedAt: String
    var startedAt: String?
    var endedAt: String?
    var endReason: String?
    var peakMeasured = 0.0
    var alarms: [String] = []
    var actions: [RecordAction] = []
    var lastPhase: Int?
    var lastActivity: String?

    var record: SessionRecord {
        SessionRecord(program: program, patient: patient, armedBy: armedBy, armedAt: armedAt, startedAt: startedAt,
                      endedAt: endedAt, endReason: endReason, peakMeasuredN: peakMeasured, alarms: alarms,
                      actions: actions, lastPhase: lastPhase, lastActivity: lastActivity)
    }
}

/// The records of this daemon's lifetime, in memory (a later issue makes
/// them durable). The oldest are forgotten past `capacity`.
struct SessionRecordBook {
    static let capacity = 1000
    private(set) var records: [RecordDraft] = []
    /// Records dropped off the front, so indices handed out stay valid.
    private(set) var dropped = 0

    mutating func append(_ draft: RecordDraft) -> Int {
        records.append(draft)
        if records.count > Self.capacity {
            records.removeFirst()
            dropped += 1
        }
        return dropped + records.count - 1
    }

    mutating func update(_ index: Int, _ change: (inout RecordDraft) -> Void) {
        let position = index - dropped
        guard records.indices.contains(position) else { return }
        change(&records[position])
    }

    func newest(_ limit: Int) -> [SessionRecord] { records.suffix(max(0, limit)).reversed().map(\.record) }

    /// The draft at `index`, if it is still kept.
    func draft(_ index: Int) -> RecordDraft? {
        let position = index - dropped
        return records.indices.contains(position) ? records[position] : nil
    }
}
