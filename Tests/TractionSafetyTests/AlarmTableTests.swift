import Testing
import TractionDevice
@testable import TractionSafety

/// The alarm rules of IEC 60601-1-8 as SAFETY.md states them.
@Suite
struct AlarmTableTests {
    let t0 = MonotonicInstant.seconds(10)
    let t1 = MonotonicInstant.seconds(11)
    let t2 = MonotonicInstant.seconds(12)

    @Test func highAlarmStaysActiveAfterItsConditionClearsUntilAcknowledged() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.forceOverLimit, present: true, at: t0, events: &events)
        table.setCondition(.forceOverLimit, present: false, at: t1, events: &events)
        #expect(table[.forceOverLimit].active)
        #expect(table.activeLatched.contains(.forceOverLimit))
        table.acknowledgeAll(by: "nurse:bob", at: t2, events: &events)
        #expect(!table[.forceOverLimit].active)
        #expect(table.activeLatched.isEmpty)
    }

    @Test func acknowledgingAnAlarmWhoseConditionIsPresentKeepsItActive() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.patientRelease, present: true, at: t0, events: &events)
        table.acknowledgeAll(by: "nurse:bob", at: t1, events: &events)
        #expect(table[.patientRelease].active, "acknowledging must not hide a present condition")
        #expect(table[.patientRelease].isAcknowledged)
        table.setCondition(.patientRelease, present: false, at: t2, events: &events)
        #expect(!table[.patientRelease].active, "acknowledged and clear: the alarm ends")
    }

    @Test func acknowledgingOneAlarmLeavesTheOthersActive() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.forceOverLimit, present: true, at: t0, events: &events)
        table.setCondition(.forceOverLimit, present: false, at: t0, events: &events)
        table.setCondition(.driveFault, present: true, at: t0, events: &events)
        table.setCondition(.driveFault, present: false, at: t0, events: &events)
        let acknowledged = table.acknowledge(.forceOverLimit, by: "nurse:bob", at: t1, events: &events)
        #expect(acknowledged)
        #expect(!table[.forceOverLimit].active)
        #expect(table[.forceOverLimit].acknowledgedBy == "nurse:bob")
        #expect(table[.driveFault].active, "only the named alarm is acknowledged")
        #expect(table.activeLatched == AlarmConditions(.driveFault))
        let inactive = table.acknowledge(.harnessOpen, by: "nurse:bob", at: t2, events: &events)
        #expect(!inactive, "an inactive alarm is not acknowledged")
        #expect(!events.events.contains(.alarmAcknowledged(.harnessOpen, by: "nurse:bob", at: t2)))
    }

    @Test func mediumAlarmEndsWhenItsConditionClears() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.controlLoopOverrun, present: true, at: t0, events: &events)
        #expect(table[.controlLoopOverrun].active)
        table.setCondition(.controlLoopOverrun, present: false, at: t1, events: &events)
        #expect(!table[.controlLoopOverrun].active)
        #expect(events.events.contains(.alarmEnded(.controlLoopOverrun, at: t1)))
    }

    @Test func conditionReturningAfterAcknowledgementNeedsANewAcknowledgement() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.harnessOpen, present: true, at: t0, events: &events)
        table.acknowledgeAll(by: "nurse:bob", at: t0, events: &events)
        table.setCondition(.harnessOpen, present: false, at: t1, events: &events)
        table.setCondition(.driveFault, present: true, at: t1, events: &events)
        table.acknowledgeAll(by: "nurse:bob", at: t1, events: &events)
        table.setCondition(.driveFault, present: false, at: t1, events: &events)
        table.setCondition(.driveFault, present: true, at: t2, events: &events)
        #expect(table[.driveFault].active)
        #expect(!table[.driveFault].isAcknowledged)
        #expect(table[.driveFault].raisedAt == t2)
    }

    @Test func alarmRecordsWhenItWasRaisedClearedAndAcknowledgedAndByWhom() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.linkLost, present: true, at: t0, events: &events)
        table.setCondition(.linkLost, present: false, at: t1, events: &events)
        table.acknowledgeAll(by: "physio:carol", at: t2, events: &events)
        let record = table[.linkLost]
        #expect(record.raisedAt == t0)
        #expect(record.clearedAt == t1)
        #expect(record.acknowledgedAt == t2)
        #expect(record.acknowledgedBy == "physio:carol")
        #expect(events.events == [
            .alarmRaised(.linkLost, at: t0),
            .alarmConditionCleared(.linkLost, at: t1),
            .alarmAcknowledged(.linkLost, by: "physio:carol", at: t2),
            .alarmEnded(.linkLost, at: t2),
        ])
    }

    @Test func unchangedConditionsRecordNothing() {
        var table = AlarmTable()
        var events = SafetyEventLog()
        table.setCondition(.emergencyStop, present: true, at: t0, events: &events)
        events.removeAll()
        for _ in 0..<1000 { table.setCondition(.emergencyStop, present: true, at: t1, events: &events) }
        table.setCondition(.driveFault, present: false, at: t1, events: &events)
        #expect(events.isEmpty)
    }

    @Test func highAlarmsLatchAndOthersDoNot() {
        for code in AlarmCode.allCases {
            #expect(code.latches == (code.priority == .high), "\(code)")
        }
        #expect(AlarmPriority.allCases.sorted() == [.information, .low, .medium, .high])
    }

    /// The symbols are an interface: records and procedures refer to them.
    @Test func symbolicCodesAreStable() {
        #expect(AlarmCode.allCases.map(\.symbol) == [
            "FORCE_OVER_LIMIT", "FORCE_OVER_HARD_CAP", "FORCE_RATE_HIGH", "FORCE_SENSOR_STUCK",
            "FORCE_SENSOR_OUT_OF_RANGE", "FORCE_SENSOR_IMPLAUSIBLE", "TELEMETRY_STALE", "LINK_LOST",
            "PATIENT_RELEASE", "PATIENT_SWITCH_FAULT", "EMERGENCY_STOP", "HARNESS_OPEN", "ANGLE_OUT_OF_RANGE",
            "ANGLE_MOVED_UNDER_TENSION", "ANGLE_FOLLOWING_ERROR", "DRIVE_FAULT", "CONTROL_LOOP_OVERRUN",
            "CONTROL_LOOP_FAILURE", "SELF_TEST_FAILED", "RELEASE_NOT_PROGRESSING",
        ])
        #expect(AlarmCode.allCases.map(\.rawValue) == Array(0..<UInt8(AlarmCode.allCases.count)))
    }

    @Test func everyAlarmHasAClinicianMessageAndAHazard() {
        for code in AlarmCode.allCases {
            #expect(code.message.count > 40, "\(code)")
            #expect(!code.message.contains("_"), "\(code) message shows a code, not words")
            #expect(code.hazard.hasPrefix("H"), "\(code)")
        }
    }

    @Test func resetIsRefusedWhileAConditionIsPresentAndAcknowledgesOnceClear() {
        var harness = KernelHarness()
        harness.startTreatment(limit: 300)
        harness.telemetry.driveFaults = .encoderFault
        harness.tick()
        #expect(harness.state == .fault)
        harness.command(.reset, by: "tech:dave")
        #expect(harness.refusal(of: .reset) == .conditionPresent)
        #expect(harness.state == .fault)
        harness.telemetry.driveFaults = .none
        harness.tick()
        #expect(harness.kernel.alarms[.driveFault].active, "high alarm latched after its condition cleared")
        harness.command(.reset, by: "tech:dave")
        #expect(harness.state == .selfTest)
        #expect(harness.kernel.alarms[.driveFault].acknowledgedBy == "tech:dave")
        #expect(!harness.kernel.alarms[.driveFault].active)
    }

    @Test func latchedAlarmBlocksArmingUntilAcknowledged() {
        var harness = KernelHarness()
        harness.startTreatment(limit: 300)
        harness.setForce(340)
        harness.tick()
        harness.tick()
        #expect(harness.state == .releasing)
        harness.setForce(5)
        harness.tick()
        #expect(harness.state == .ready)
        harness.command(.arm)
        #expect(harness.refusal(of: .arm) == .latchedAlarmActive)
        harness.command(.acknowledge)
        harness.command(.arm)
        #expect(harness.state == .armed)
    }

    @Test func failedSelfTestLatchesAnAlarmAndFaults() {
        var harness = KernelHarness()
        harness.link(.connected)
        harness.link(.handshakeDone)
        harness.selfTest(passed: false)
        #expect(harness.state == .fault)
        #expect(harness.raised(.selfTestFailed))
        #expect(harness.kernel.alarms[.selfTestFailed].active)
        #expect(!harness.kernel.alarms[.selfTestFailed].conditionPresent)
        harness.tick()
        harness.command(.reset)
        #expect(harness.state == .selfTest)
    }
}
