import Foundation
import Testing
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
@testable import TractionService

/// DaemonService against a real control loop and the simulated table: every
/// method of docs/control-protocol.md the service answers.
@Suite(.serialized)
struct DaemonServiceTests {
    static let demo: JSONValue = ["program": "demo", "patient": ["reference": "P-1042", "weight_kg": 75]]

    @Test func statusComesFromTheSnapshotAndReportsReady() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        let status = try rig.result(.status)
        #expect(status["state"] == "ready")
        #expect(status["simulated"] == true)
        #expect(status["session"] == .null || status["session"] == nil)
        #expect(status["loop"]?["rate_hz"]?.numberValue == ServiceRig.rate)
        #expect(status["interrupted_session"] == nil || status["interrupted_session"] == .null)
        let info = try rig.result(.deviceInfo)
        #expect(info["link"]?["kind"] == "simulated")
        #expect(info["simulated"] == true)
    }

    @Test func aWholeSessionArmStartPauseResumeAdjustStopAndItsRecord() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        let plan = try rig.result(.sessionArm, Self.demo)
        #expect(plan["program"] == "demo")
        #expect(plan["patient"] == "P-1042")
        #expect(plan["confirmation_required"] == false)
        let limit = try #require(plan["effective_limit_n"]?.numberValue)
        #expect(try rig.result(.status)["session"]?["armed_by"] == "uid 1000 (alice)")
        #expect(rig.error(.sessionArm, Self.demo)?.code == .sessionInProgress)

        #expect(try rig.result(.sessionStart, ["confirm": false]) == ["state": "treating"])
        let marker = rig.stateDirectory + "/session.json"
        #expect(rig.serve { FileManager.default.fileExists(atPath: marker) }, "the marker is written at the start")
        rig.serve(timeout: 3) { false }
        #expect(try rig.result(.sessionPause) == ["state": "paused"])
        #expect(try rig.result(.sessionResume) == ["state": "treating"])
        let adjust = try rig.result(.sessionAdjust, ["max_force_n": 5000])
        #expect(adjust["requested_n"] == 5000)
        // Granted just below the limit (TherapyLimits.highestTarget): the
        // force approaches the limit from below and never crosses it.
        #expect(adjust["granted_n"]?.numberValue == limit - max(limit * 0.025, 3.5))
        #expect(rig.error(.sessionAdjust, ["max_force_n": -3])?.code == .invalidForce)
        let stop = try rig.result(.sessionStop)
        #expect(stop == ["state": "releasing", "was_running": true])
        #expect(rig.waitForState("ready"))
        #expect(rig.serve { !FileManager.default.fileExists(atPath: marker) }, "the marker goes once released")

        let records = try #require(try rig.result(.recordsList)["sessions"]?.arrayValue)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record["end_reason"] == "stopped_by_operator")
        #expect(record["armed_by"] == "uid 1000 (alice)")
        #expect((record["peak_measured_n"]?.numberValue ?? 0) > 5)
        let methods = record["actions"]?.arrayValue?.compactMap { $0["method"]?.stringValue } ?? []
        #expect(methods == ["session.arm", "session.start", "session.pause", "session.resume", "session.adjust", "session.adjust",
                            "session.stop"])
        #expect(record["actions"]?.arrayValue?[5]["outcome"] == "INVALID_FORCE")

        for kind in ["session_armed", "session_started", "hold_force_adjusted", "session_ended"] {
            #expect(!rig.sink.events(kind).isEmpty, "an \(kind) event was published")
        }
        #expect(rig.sink.published.contains { $0.topic == .session && $0.params["to"] == "treating" })
        #expect(rig.sink.telemetry.count > 100, "telemetry at up to the loop rate")
        #expect(try rig.result(.status)["last_session_end"] == "stopped_by_operator")
    }

    @Test func theDirectStatusJSONIsTheTypedStatusResult() throws {
        let rig = try ServiceRig(prepare: { $0.inputs.harnessClosed = false })
        #expect(rig.serve { !rig.service.status(clients: 0).alarms.isEmpty })
        // With an alarm (the open harness) and no session.
        let typedWithAlarm = rig.service.status(clients: 3)
        #expect(try ControlJSON.decode(DaemonService.json(typedWithAlarm), as: StatusResult.self) == typedWithAlarm)
        #expect(rig.service.statusJSON(clients: 3)["session"] == .null, "session is present, null when none")
        // With a session prepared.
        let armed = try ServiceRig()
        #expect(armed.waitForState("ready"))
        _ = try armed.result(.sessionArm, Self.demo)
        let typed = armed.service.status(clients: 1)
        #expect(try ControlJSON.decode(DaemonService.json(typed), as: StatusResult.self) == typed)
        #expect(typed.session?.program == "demo")
    }

    @Test func telemetryHasTheDocumentedShape() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        let last = try #require(rig.sink.telemetry.last)
        let decoded = try ControlJSON.decode(last, as: TelemetryNotification.self)
        #expect(decoded.state == "ready")
        #expect(decoded.tick > 0)
        #expect(decoded.activity == nil)
        #expect(Set(last.objectValue?.keys.map { $0 } ?? []) == ["t_s", "tick", "state", "target_n", "measured_n",
                                                                 "angles", "time_left_s", "alarms"])
    }

    @Test func stopWithNothingToStopIsASuccess() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        #expect(try rig.result(.sessionStop) == ["state": "ready", "was_running": false])
        // Even with a misspelt member: stop is never refused.
        #expect(try rig.result(.sessionStop, ["bogus": 1]) == ["state": "ready", "was_running": false])
    }

    @Test func armRefusalsNameWhatIsWrong() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        let missing = rig.error(.sessionArm, ["program": "no-such", "patient": ["reference": "P-1", "weight_kg": 70]])
        #expect(missing?.code == .programNotFound)
        #expect(missing?.data["directories"] == [.string(ServiceRig.programs)])
        let traversal = rig.error(.sessionArm, ["program": "../etc/passwd", "patient": ["reference": "P-1", "weight_kg": 70]])
        #expect(traversal?.code == .programNotFound)
        let name = rig.error(.sessionArm, ["program": "demo", "patient": ["reference": "John Smith", "weight_kg": 70]])
        #expect(name?.code == .invalidParams)
        #expect(name?.data["field"] == "patient.reference")
        let heavy = rig.error(.sessionArm, ["program": "demo", "patient": ["reference": "P-1", "weight_kg": 500]])
        #expect(heavy?.code == .planRefused)
        let region = rig.error(.sessionArm, ["program": "demo", "patient": ["reference": "P-1", "weight_kg": 70, "region": "cervical"]])
        #expect(region?.code == .planRefused)
        let both = rig.error(.sessionArm, ["program": "demo", "program_text": "name: x", "patient": ["reference": "P-1", "weight_kg": 70]])
        #expect(both?.code == .invalidParams)
        let invalid = rig.error(.sessionPreview, ["program_text": "name: broken\nregion: knee\n", "patient": ["reference": "P-1", "weight_kg": 70]])
        #expect(invalid?.code == .programInvalid)
        #expect((invalid?.data["diagnostics"]?.arrayValue?.count ?? 0) >= 1)
        let unknown = rig.error(.sessionArm, ["program": "demo", "patient": ["reference": "P-1", "weight_kg": 70], "force": 3])
        #expect(unknown?.code == .invalidParams)
        let badCap = rig.error(.sessionArm, ["program": "demo", "patient": ["reference": "P-1", "weight_kg": 70], "max_force_n": 0])
        #expect(badCap?.code == .invalidParams)
        // Nothing was armed by any of these.
        #expect(try rig.result(.status)["state"] == "ready")
        #expect(try rig.result(.recordsList)["sessions"] == [])
    }

    @Test func theOperatorsMaximumIsTheEffectiveLimitWhenSmallest() throws {
        let rig = try ServiceRig()
        let plan = try rig.result(.sessionPreview, ["program": "demo", "patient": ["reference": "P-1", "weight_kg": 75],
                                                    "max_force_n": 100])
        #expect(plan["limit_source"] == "operator_maximum")
        #expect(plan["effective_limit_n"] == 100)
        #expect(plan["peak_n"] == 96.5, "the plan's highest target sits 3.5 N below the limit")
        #expect(plan["limits"]?.arrayValue?.contains(["source": "operator_maximum", "force_n": 100]) == true)
    }

    @Test func aFirstSessionLoweredByItsCapNeedsConfirmation() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        // lumbar-static holds 250 N; an 80 kg first session is capped at
        // 25 % (196 N), below the 40 % confirmation threshold (314 N).
        let plan = try rig.result(.sessionArm, ["program": "lumbar-static",
                                                "patient": ["reference": "P-7", "weight_kg": 80, "first_session": true]])
        #expect(plan["limit_source"] == "first_session")
        #expect(plan["confirmation_required"] == true)
        let refused = rig.error(.sessionStart, ["confirm": false])
        #expect(refused?.code == .confirmationRequired)
        #expect(refused?.data["peak_n"] == 250)
        #expect(try rig.result(.sessionStart, ["confirm": true]) == ["state": "treating"])
        #expect(try rig.result(.sessionStop)["was_running"] == true)
    }

    @Test func withTheHarnessOpenNothingIsArmedAndTheConditionIsNamed() throws {
        let rig = try ServiceRig(prepare: { $0.inputs.harnessClosed = false })
        #expect(rig.serve { (try? rig.result(.alarmsList))?["alarms"]?.arrayValue?.isEmpty == false })
        let refused = rig.error(.sessionArm, Self.demo)
        #expect(refused?.code == .conditionPresent || refused?.code == .notAllowedInState)
        if refused?.code == .conditionPresent { #expect(refused?.data["conditions"] == ["HARNESS_OPEN"]) }
        let alarms = try rig.result(.alarmsList)["alarms"]?.arrayValue ?? []
        #expect(alarms.contains { $0["code"] == "HARNESS_OPEN" && $0["present"] == true })
    }

    @Test func alarmAcknowledgementByCodeOrAll() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        #expect(rig.error(.alarmsAcknowledge, ["code": "NO_SUCH_ALARM"])?.code == .invalidParams)
        let inactive = rig.error(.alarmsAcknowledge, ["code": "DRIVE_FAULT"])
        #expect(inactive?.code == .alarmNotActive)
        #expect(inactive?.data["code"] == "DRIVE_FAULT")
        #expect(rig.error(.alarmsAcknowledge, ["code": "DRIVE_FAULT", "all": true])?.code == .invalidParams)
        #expect(rig.error(.alarmsAcknowledge)?.code == .invalidParams)
        // Usually nothing is active; on a loaded machine an overrun alarm may be.
        let all = try rig.result(.alarmsAcknowledge, ["all": true])
        let acknowledged = try #require(all["acknowledged"]?.arrayValue)
        #expect(acknowledged.allSatisfy { $0.stringValue?.hasPrefix("CONTROL_LOOP") == true })
        #expect(rig.error(.faultsReset)?.code == .nothingToReset)
    }

    @Test func tareInReadyAndRecordsLimits() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        #expect(try rig.result(.deviceTare) == ["tared": true])
        #expect(rig.error(.recordsList, ["limit": 0])?.code == .invalidParams)
        #expect(rig.error(.recordsList, ["limit": 1001])?.code == .invalidParams)
    }

    /// A table whose load cell is stuck refuses to zero it: TARE_FAILED with
    /// the table's reason, never TENSION_PRESENT (the cable is slack).
    @Test func aTableThatFailsATareIsTareFailedWithItsReason() throws {
        let rig = try ServiceRig(prepare: { $0.faults.sensors.loadCellStuck = true })
        #expect(rig.waitForState("ready"))
        let error = try #require(rig.error(.deviceTare))
        #expect(error.code == .tareFailed)
        #expect(error.code.rpcCode == -32026)
        #expect(error.data["reason"] == "sensor_fault")
        #expect(error.message.contains("the load cell reports a fault"))
        #expect(rig.state == "ready", "a failed tare changes no state")
    }

    /// Tension on the cable stays TENSION_PRESENT, with the measured force.
    @Test func aTareWithTensionOnTheCableStaysTensionPresent() throws {
        // Both force channels read 17 N: tension the self-test tolerates.
        let rig = try ServiceRig(prepare: {
            $0.faults.sensors.loadCellOffsetError = 17
            $0.faults.sensors.redundantOffsetError = 17
        })
        #expect(rig.waitForState("ready"))
        let error = try #require(rig.error(.deviceTare))
        #expect(error.code == .tensionPresent)
        #expect((error.data["measured_n"]?.numberValue ?? 0) > 15)
    }

    @Test(arguments: [(TareFailure.driveEnabled, "drive_enabled"), (.sensorFault, "sensor_fault"),
                      (.noAnswer, "no_answer"), (.transport("EIO"), "transport")])
    func everyTableFailureOtherThanTensionIsTareFailed(_ failure: TareFailure, _ reason: String) {
        let error = DaemonService.error(for: .tareFailed(failure))
        #expect(error.code == .tareFailed)
        #expect(error.data["reason"] == .string(reason))
        #expect(DaemonService.error(for: .tareFailed(.tensionPresent), measured: 40).code == .tensionPresent)
    }

    /// What the serial link reports is logged and published as link_* events.
    @Test func linkEventsAreLoggedAndPublished() throws {
        let rig = try ServiceRig(startLoop: false)
        let identity = rig.runtime.identity
        rig.service.report(.link(.lost(silentFor: 0.0414, at: .seconds(2))), sink: rig.sink)
        rig.service.report(.link(.handshakeDone(identity, at: .seconds(3))), sink: rig.sink)
        rig.service.report(.link(.transportFailed("EIO", at: .seconds(4))), sink: rig.sink)
        #expect(rig.sink.events("link_lost").first?["reason"] == "no valid telemetry for 41 ms")
        #expect(rig.sink.events("link_handshake_done").first?["reason"] == .string("table \(identity.serialNumber)"))
        #expect(rig.sink.events("link_transport_failed").first?["reason"] == "EIO")
        #expect(rig.log.contains("<3>link LOST: no valid telemetry for 41 ms"))

        // A refusal reads as what to do, not as a Swift value.
        rig.service.report(.link(.refused(.protocolVersionMismatch(host: 1, table: 2), at: .seconds(5))), sink: rig.sink)
        let refusal = try #require(rig.sink.events("link_refused").first?["reason"]?.stringValue)
        #expect(refusal.hasPrefix("the table speaks wire protocol version 2, this tractiond speaks 1; "
            + "update the table's firmware or tractiond so that they match. No treatment is possible meanwhile"))
        #expect(!refusal.contains("protocolVersionMismatch"))
        #expect(rig.log.contains("<3>link REFUSED: " + refusal))

        // A FAULT_REPORT: logged, and published with its fields.
        let notice = TableFaultNotice(deviceTimeMicroseconds: 5, activeFaults: 0x41, eventCode: 3,
                                      eventName: "lease_expired", detail: 812, text: "lease")
        rig.service.report(.link(.faultReport(notice, at: .seconds(6))), sink: rig.sink)
        let event = try #require(rig.sink.events("table_fault_report").first)
        #expect(event["table_event"] == "lease_expired")
        #expect(event["detail"]?.numberValue == 812)
        #expect(event["active_faults"]?.numberValue == 0x41)
        #expect(event["reason"]?.stringValue == notice.summary)
        #expect(notice.summary == "table reported lease_expired after command 812; active: overcurrent, lease expired; \"lease\"")
        #expect(rig.log.contains("<4>link: " + notice.summary))
    }

    /// A serial link's health in `status` and `device.info`, with the
    /// stale periods the kernel saw; the hand-built status tree and the
    /// Codable one agree. (The real serial link behind it is exercised by
    /// TractionLinkTests and, end to end, by TractiondEmulatorLinkTests.)
    @Test func theLinksHealthIsInStatusAndDeviceInfo() throws {
        final class Counters: LinkHealthSource {
            var health: LinkHealth {
                var health = LinkHealth(phase: "refused")
                health.refusal = .protocolVersionMismatch(host: 1, table: 3)
                health.crcErrors = 3
                health.framesLost = 7
                health.telemetryReceived = 12_345
                health.latencyP99 = 0.00125
                health.lastFaultReport = TableFaultNotice(deviceTimeMicroseconds: 1, activeFaults: 0, eventCode: 6,
                                                          eventName: "unknown_message_type", detail: 0x77, text: "")
                return health
            }
        }
        let rig = try ServiceRig(linkHealth: Counters())
        #expect(rig.waitForState("ready"))
        rig.service.report(.safety(.alarmRaised(.telemetryStale, at: .seconds(1))), sink: nil)
        rig.service.report(.safety(.alarmRaised(.telemetryStale, at: .seconds(2))), sink: nil)
        let typed = rig.service.status(clients: 1)
        let link = try #require(typed.link)
        #expect(link.phase == "refused")
        #expect(link.crcErrors == 3 && link.framesLost == 7 && link.telemetryReceived == 12_345)
        #expect(link.stalePeriods == 2)
        #expect(link.latencyP99Ms == 1.25)
        #expect(link.lastFaultReport == "table reported unknown_message_type: message type 0x77; no drive fault active")
        #expect(try ControlJSON.decode(DaemonService.json(typed), as: StatusResult.self) == typed)
        #expect(DaemonService.json(typed)["link"] == ControlJSON.value(link))
        let status = try rig.result(.status)
        #expect(status["link"]?["crc_errors"]?.numberValue == 3)
        #expect(status["link"]?["refusal"]?.stringValue?.hasPrefix("the table speaks wire protocol version 3, this tractiond speaks 1") == true)
        let info = try rig.result(.deviceInfo)
        #expect(info["link"]?["kind"] == "simulated")
        #expect(info["link"]?["health"]?["frames_lost"]?.numberValue == 7)
        // Without a serial link there is no link member.
        let simulated = try ServiceRig()
        #expect(simulated.service.status(clients: 0).link == nil)
        #expect(try simulated.result(.status)["link"] == nil)
    }

    @Test func programsAreListedFirstDirectoryWinsAndShown() throws {
        let first = ServiceRig.temporaryDirectory()
        try "name: demo\nregion: knee\n".write(toFile: first + "/demo.yaml", atomically: true, encoding: .utf8)
        let rig = try ServiceRig(programDirectories: [first, ServiceRig.programs])
        let list = try rig.result(.programsList)
        let programs = list["programs"]?.arrayValue ?? []
        let demo = try #require(programs.first { $0["name"] == "demo" })
        #expect(demo["file"]?.stringValue == first + "/demo.yaml", "an earlier directory hides a later one")
        #expect(demo["valid"] == false)
        #expect(demo["error"]?.stringValue?.contains("demo.yaml:") == true)
        let static_ = try #require(programs.first { $0["name"] == "lumbar-static" })
        #expect(static_["valid"] == true)
        #expect(static_["region"] == "lumbar")
        let shown = try rig.result(.programsShow, ["program": "lumbar-static"])
        #expect(shown["text"]?.stringValue?.contains("name: lumbar-static") == true)
        #expect(shown["diagnostics"] == [])
        #expect(rig.error(.programsShow, ["program": "nothing"])?.code == .programNotFound)
    }

    @Test func aRequestTheLoopNeverAnswersTimesOut() throws {
        let rig = try ServiceRig(startLoop: false)
        let started = Date()
        let answer = rig.call(.sessionPause)
        guard case .failure(let error)? = answer else {
            Issue.record("expected TIMEOUT, got \(String(describing: answer))")
            return
        }
        #expect(error.code == .timeout)
        #expect(Date().timeIntervalSince(started) < 4.5)
        #expect(rig.log.contains { $0.contains("did not answer session.pause") })
    }

    @Test func aMarkerLeftBehindIsReportedAsAnInterruptedSession() throws {
        let directory = ServiceRig.temporaryDirectory()
        let marker = """
            {"armed_by":"uid 1000 (alice)","patient":"P-9","program":"lumbar-static","region":"lumbar",\
            "started_at":"2026-11-25T22:10:03.125Z","weight_kg":80}
            """
        try marker.write(toFile: directory + "/session.json", atomically: true, encoding: .utf8)
        let rig = try ServiceRig(stateDirectory: directory)
        #expect(rig.log.contains("<4>interrupted session: program lumbar-static patient P-9 started at 2026-11-25T22:10:03.125Z"))
        #expect(rig.waitForState("ready"))
        let status = try rig.result(.status)
        #expect(status["interrupted_session"]?["patient"] == "P-9")
        #expect(status["interrupted_session"]?["tension_at_start_n"]?.numberValue != nil)
        #expect(status["last_session_end"] == "interrupted")
        let typed = rig.service.status(clients: 0)
        #expect(try ControlJSON.decode(DaemonService.json(typed), as: StatusResult.self) == typed)
        let record = try #require(try rig.result(.recordsList)["sessions"]?.arrayValue?.first)
        #expect(record["end_reason"] == "interrupted")
        #expect(record["program"] == "lumbar-static")
        #expect(rig.sink.events("interrupted_session").count == 1)
        #expect(rig.serve { !FileManager.default.fileExists(atPath: directory + "/session.json") })
    }

    @Test func anUnwritableStateDirectoryIsReportedAndNeverBlocksTheSession() throws {
        let rig = try ServiceRig(stateDirectory: "/proc/traction-no-such-directory")
        #expect(rig.waitForState("ready"))
        _ = try rig.result(.sessionArm, Self.demo)
        #expect(try rig.result(.sessionStart) == ["state": "treating"])
        #expect(rig.serve { (try? rig.result(.status))?["records_problem"]?.stringValue != nil })
        let problem = try rig.result(.status)["records_problem"]?.stringValue ?? ""
        #expect(problem.contains("/proc/traction-no-such-directory/session.json.tmp"))
        #expect(rig.log.contains { $0.hasPrefix("<3>records: the session marker could not be written") })
        #expect(try rig.result(.sessionStop)["was_running"] == true)
    }

    @Test func aReloadIsDeferredWhileASessionRunsAndAppliedAfterIt() throws {
        let rig = try ServiceRig(reload: {
            .success(ServiceReload(engineConfiguration: nil, programDirectories: [ServiceRig.programs],
                                   restartNeeded: [], applicable: true))
        })
        #expect(rig.waitForState("ready"))
        #expect(try rig.result(.configReload) == ["applied": true, "deferred": false, "restart_needed": []])
        _ = try rig.result(.sessionArm, Self.demo)
        #expect(try rig.result(.configReload) == ["applied": false, "deferred": true, "restart_needed": []])
        _ = try rig.result(.sessionStop)
        #expect(rig.serve { rig.log.contains("<6>deferred configuration reload applied") })
        let without = try ServiceRig()
        #expect(without.error(.configReload)?.code == .configurationInvalid)
    }
}
