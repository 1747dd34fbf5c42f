import TractionControlProtocol

/// What `watch` knows of the table: the last status, then every
/// notification applied on top of it.
struct WatchModel {
    struct Sample {
        var time: Double
        var targetN: Double
        var measuredN: Double
    }

    var tableSummary: String = ""
    var role: String = ""
    var state = "offline"
    var activity: String?
    var phase: Int?
    var phases: Int?
    var timeLeftS: Double?
    var totalS: Double?
    var targetN = 0.0
    var measuredN = 0.0
    var angles = AnglesJSON(flexionDeg: 0, lateralTiltDeg: 0, rotationDeg: 0)
    var program: String?
    var patient: String?
    var limitN: Double?
    var limitSource: String?
    /// Active alarms by code, in the order they were raised.
    var alarms: [AlarmInfo] = []
    var lastEvent: String?
    var samples: [Sample] = []
    var latestTime = 0.0
    var telemetryCount = 0

    /// Samples older than this are dropped (the widest chart window).
    static let historySeconds = 3600.0

    mutating func apply(status: StatusResult, hello: Hello) {
        tableSummary = (status.simulated ? "SIMULATED " : "") + (hello.table.map { "table \($0.serial)" } ?? "table")
        role = hello.role?.rawValue ?? "no role"
        state = status.state
        targetN = status.force.targetN
        measuredN = status.force.measuredN
        angles = status.angles
        alarms = status.alarms
        if let session = status.session {
            program = session.program
            patient = session.patient
            activity = session.activity
            phase = session.phase
            phases = session.phases
            timeLeftS = session.timeLeftS
            totalS = session.totalS
            limitN = session.effectiveLimitN
            limitSource = session.limitSource
        } else {
            program = nil
            patient = nil
            phases = nil
            totalS = nil
            limitN = nil
            limitSource = nil
            activity = nil
            phase = nil
            timeLeftS = nil
        }
    }

    mutating func apply(telemetry: TelemetryNotification) {
        telemetryCount += 1
        state = telemetry.state
        activity = telemetry.activity
        phase = telemetry.phase
        targetN = telemetry.targetN
        measuredN = telemetry.measuredN
        angles = telemetry.angles
        timeLeftS = program == nil ? nil : telemetry.timeLeftS
        latestTime = telemetry.tS
        samples.append(Sample(time: telemetry.tS, targetN: telemetry.targetN, measuredN: telemetry.measuredN))
        if let first = samples.first, telemetry.tS - first.time > Self.historySeconds {
            samples.removeAll { telemetry.tS - $0.time > Self.historySeconds }
        }
        // Alarms the telemetry no longer lists have ended and were acknowledged.
        let present = Set(telemetry.alarms)
        for code in telemetry.alarms where !alarms.contains(where: { $0.code == code }) {
            alarms.append(AlarmInfo(code: code, priority: "", present: true, latched: false, acknowledged: false,
                                    message: "", raisedAt: nil))
        }
        alarms.removeAll { !present.contains($0.code) && ($0.acknowledged || !$0.latched) }
    }

    mutating func apply(alarm notification: AlarmNotification) {
        let alarm = notification.alarm
        alarms.removeAll { $0.code == alarm.code }
        let gone = notification.change == "acknowledged" && !alarm.present
            || notification.change == "ended" && (!alarm.latched || alarm.acknowledged)
        if !gone { alarms.append(alarm) }
        lastEvent = "alarm \(notification.change): \(alarm.code)"
    }

    mutating func apply(session notification: SessionNotification) {
        state = notification.to
        lastEvent = "state \(notification.from) -> \(notification.to) (\(Units.words(notification.cause))"
            + (notification.by.map { " by \($0)" } ?? "") + ")"
    }

    mutating func apply(event: EventNotification) {
        var text = Units.words(event.kind)
        if let activity = event.activity { text += ": \(Units.words(activity))" }
        if let phase = event.phase { text += " (phase \(phase))" }
        if let reason = event.reason { text += ": \(Units.words(reason))" }
        if let granted = event.grantedN { text += " \(Units.shortForce(granted))" }
        if let by = event.by { text += " by \(by)" }
        lastEvent = text
    }
}
