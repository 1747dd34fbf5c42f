import Foundation
import Testing
import TractionControlProtocol
import TractionDaemon
import TractionDevice
@testable import TractionService

/// The session marker carries what the record of an interrupted session
/// needs (docs/control-protocol.md, section 9), and a restart closes the
/// record with it.
@Suite(.serialized)
struct SessionMarkerTests {
    static func marker(in directory: String) -> SessionMarker? {
        guard case .success(let marker)? = SessionMarker.read(in: directory) else { return nil }
        return marker
    }

    @Test func theMarkerOfARunningSessionIsRewrittenWithItsPeakPhaseActionsAndLastAliveTime() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        _ = try rig.result(.sessionArm, DaemonServiceTests.demo)
        #expect(try rig.result(.sessionStart) == ["state": "treating"])
        #expect(rig.serve { Self.marker(in: rig.stateDirectory) != nil }, "written at the start")
        let first = try #require(Self.marker(in: rig.stateDirectory))
        #expect(first.program == "demo")
        #expect(first.actions?.map(\.method) == ["session.arm", "session.start"])
        let firstAlive = try #require(first.lastAliveAt)

        #expect(rig.serve { (try? rig.result(.status))?["force"]?["measured_n"]?.numberValue ?? 0 > 30 })
        #expect(try rig.result(.sessionPause) == ["state": "paused"])
        #expect(rig.serve(timeout: 5) {
            Self.marker(in: rig.stateDirectory)?.actions?.last?.method == "session.pause"
        }, "an action reaches the marker without waiting for the next periodic rewrite")

        #expect(rig.serve(timeout: 5) { (Self.marker(in: rig.stateDirectory)?.lastAliveAt ?? "") > firstAlive },
                "rewritten while the session runs")
        let later = try #require(Self.marker(in: rig.stateDirectory))
        #expect((later.peakMeasuredN ?? 0) > 30, "the running peak, not the force at the start")
        #expect(later.lastPhase == 1)
        #expect(later.lastActivity != nil)
        #expect(later.actionsOmitted == 0)

        let record = try #require(try rig.result(.recordsList)["sessions"]?.arrayValue?.first)
        #expect((record["peak_measured_n"]?.numberValue ?? 0) >= (later.peakMeasuredN ?? .infinity),
                "the marker never claims more than the record")
        #expect(try rig.result(.sessionStop)["was_running"] == true)
        #expect(rig.serve { Self.marker(in: rig.stateDirectory) == nil }, "removed once released")
    }

    @Test func aMarkerLeftBehindClosesTheRecordWithItsPeakPhaseActionsAndLastAliveTime() throws {
        let directory = ServiceRig.temporaryDirectory()
        let marker = SessionMarker(
            program: "lumbar-static", patient: "P-9", startedAt: "2026-11-25T22:10:03.125Z",
            armedBy: "uid 1000 (alice)", region: "lumbar", weightKg: 80, armedAt: "2026-11-25T22:09:50.000Z",
            peakMeasuredN: 243.5, lastPhase: 2, lastActivity: "hold", alarms: ["FORCE_RATE_HIGH"],
            actions: [RecordAction(at: "2026-11-25T22:12:00.000Z", method: "session.pause", by: "uid 1000 (alice)",
                                   outcome: "ok")],
            actionsOmitted: 0, lastAliveAt: "2026-11-25T22:20:00.500Z")
        try marker.write(in: directory)
        let rig = try ServiceRig(stateDirectory: directory)
        #expect(rig.log.contains { $0.contains("last known alive at 2026-11-25T22:20:00.500Z, peak 244 N") })
        #expect(rig.waitForState("ready"))
        #expect(rig.serve { rig.service.eventsForNewSubscriber().count == 1 })

        let record = try #require(try rig.result(.recordsList)["sessions"]?.arrayValue?.first)
        #expect(record["end_reason"] == "interrupted")
        #expect(record["ended_at"] == "2026-11-25T22:20:00.500Z", "the end is when it was last known alive")
        #expect(record["armed_at"] == "2026-11-25T22:09:50.000Z")
        #expect(record["peak_measured_n"] == 243.5, "the session's peak, not the slack cable found at the restart")
        #expect(record["last_phase"] == 2)
        #expect(record["last_activity"] == "hold")
        #expect(record["alarms"] == ["FORCE_RATE_HIGH"])
        #expect(record["actions"]?.arrayValue?.map { $0["method"] } == ["session.pause"])
        let status = try rig.result(.status)
        #expect(status["interrupted_session"]?["last_alive_at"] == "2026-11-25T22:20:00.500Z")

        let replayed = try #require(rig.service.eventsForNewSubscriber().first)
        #expect(replayed["kind"] == "interrupted_session")
        #expect(replayed["interrupted"]?["patient"] == "P-9")
        #expect(rig.sink.events("interrupted_session") == [replayed], "the same event as was published")
        _ = try rig.result(.sessionArm, DaemonServiceTests.demo)
        #expect(rig.service.eventsForNewSubscriber().isEmpty, "a new session ends the report of the interruption")
        _ = try rig.result(.sessionStop)
    }

    @Test func aMarkerOfAnOlderDaemonStillClosesTheRecordAtTheRestart() throws {
        let directory = ServiceRig.temporaryDirectory()
        try """
            {"armed_by":"uid 1000 (alice)","patient":"P-9","program":"lumbar-static","region":"lumbar",\
            "started_at":"2026-11-25T22:10:03.125Z","weight_kg":80}
            """.write(toFile: directory + "/session.json", atomically: true, encoding: .utf8)
        let rig = try ServiceRig(stateDirectory: directory)
        #expect(rig.waitForState("ready"))
        let status = try rig.result(.status)
        let record = try #require(try rig.result(.recordsList)["sessions"]?.arrayValue?.first)
        #expect(record["ended_at"] == status["interrupted_session"]?["detected_at"], "no last-alive time: the restart")
        #expect(record["actions"] == [])
        #expect(status["interrupted_session"]?["last_alive_at"] == nil)
    }

    @Test func aMarkerWithANegativeOrAbsurdPeakIsReadAsAnUnknownPeak() throws {
        #expect(DaemonService.checkedPeak(-5) == nil)
        #expect(DaemonService.checkedPeak(.infinity) == nil)
        #expect(DaemonService.checkedPeak(.nan) == nil)
        #expect(DaemonService.checkedPeak(12.5) == 12.5)
    }

    @Test func theWriterKeepsOnlyTheNewestWishAndRunsItLast() throws {
        let directory = ServiceRig.temporaryDirectory()
        let writer = SessionMarkerWriter(directory: directory)
        for index in 0..<200 {
            writer.submit(.write(SessionMarker(program: "p\(index)", patient: "P", startedAt: "s", armedBy: "a",
                                               region: "lumbar", weightKg: 70)))
        }
        #expect(writer.waitUntilIdle(atMost: 10))
        #expect(Self.marker(in: directory)?.program == "p199")
        #expect(writer.takeOutcomes().allSatisfy { $0 == .written })
        writer.submit(.write(SessionMarker(program: "q", patient: "P", startedAt: "s", armedBy: "a", region: "lumbar",
                                           weightKg: 70)))
        writer.submit(.remove)
        #expect(writer.waitUntilIdle(atMost: 10))
        #expect(!FileManager.default.fileExists(atPath: directory + "/session.json"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/session.json.tmp"))
    }
}
