import Foundation
import Testing
import TractionControlProtocol
import TractionDaemon
import TractionDevice
@testable import TractionService

/// The answers docs/control-protocol.md states for the cases an independent
/// client found unspecified (issue 13): stop of an armed session and during
/// a release, the error for each out-of-range weight and force, a start
/// while another client's session runs, the states adjust is allowed in,
/// and the tare's two thresholds.
@Suite(.serialized)
struct ProtocolAnswerTests {
    static let demo = DaemonServiceTests.demo
    let bob = ServiceCaller(uid: 1001, pid: 4343, userName: "bob", role: .clinician)

    func waitForForce(_ rig: ServiceRig, above threshold: Double) -> Bool {
        rig.serve { (try? rig.result(.status))?["force"]?["measured_n"]?.numberValue ?? 0 > threshold }
    }

    @Test func stopOfAnArmedSessionCancelsItAndAStopDuringTheReleaseChangesNothing() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        _ = try rig.result(.sessionArm, Self.demo)
        #expect(try rig.result(.sessionStop) == ["state": "ready", "was_running": true])
        #expect(rig.serve { !rig.sink.events("session_ended").isEmpty })
        #expect(rig.sink.events("session_ended").first?["reason"] == "cancelled")
        #expect(rig.sink.events("session_ended").first?["cause"] == "stop")
        #expect(try rig.result(.recordsList)["sessions"]?.arrayValue?.first?["end_reason"] == "cancelled")

        _ = try rig.result(.sessionArm, Self.demo)
        #expect(try rig.result(.sessionStart) == ["state": "treating"])
        #expect(waitForForce(rig, above: 60))
        #expect(try rig.result(.sessionStop) == ["state": "releasing", "was_running": true])
        #expect(try rig.result(.sessionStop) == ["state": "releasing", "was_running": false],
                "the session has ended; the release goes on at its rate")
        #expect(rig.waitForState("ready"))
        let ended = rig.sink.events("session_ended").map { $0["reason"] }
        #expect(ended == ["cancelled", "stopped_by_operator"], "one end per session, none for the second stop")
    }

    @Test func startWhileAnotherClientsSessionRunsIsSessionInProgress() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        #expect(rig.call(.sessionStart, as: bob).flatMap { try? $0.get() } == nil)
        if case .failure(let nothing)? = rig.call(.sessionStart, as: bob) { #expect(nothing.code == .noSessionArmed) }
        _ = try rig.result(.sessionArm, Self.demo)
        #expect(try rig.result(.sessionStart) == ["state": "treating"])
        guard case .failure(let error)? = rig.call(.sessionStart, as: bob) else {
            Issue.record("a second start was not refused")
            return
        }
        #expect(error.code == .sessionInProgress)
        #expect(rig.state == "treating")
        _ = try rig.result(.sessionStop)
    }

    @Test func adjustIsAllowedArmedTreatingAndPausedAndRefusedOtherwiseNamingTheState() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        let ready = rig.error(.sessionAdjust, ["max_force_n": 100])
        #expect(ready?.code == .notAllowedInState)
        #expect(ready?.data["state"] == "ready")
        #expect(ready?.message == "not possible while the table is ready")

        _ = try rig.result(.sessionArm, Self.demo)
        #expect(try rig.result(.sessionAdjust, ["max_force_n": 100]) == ["requested_n": 100, "granted_n": 100])
        #expect(try rig.result(.sessionStart) == ["state": "treating"])
        #expect(try rig.result(.sessionAdjust, ["max_force_n": 110]) == ["requested_n": 110, "granted_n": 110])
        #expect(waitForForce(rig, above: 40))
        #expect(try rig.result(.sessionPause) == ["state": "paused"])
        #expect(try rig.result(.sessionAdjust, ["max_force_n": 90]) == ["requested_n": 90, "granted_n": 90])
        #expect(try rig.result(.sessionStop)["state"] == "releasing")
        let releasing = rig.error(.sessionAdjust, ["max_force_n": 100])
        #expect(releasing?.code == .notAllowedInState)
        #expect(releasing?.data["state"] == "releasing")
    }

    /// docs/control-protocol.md, "Numbers out of range": the code per member and method.
    @Test func outOfRangeWeightsAndForcesGetTheDocumentedCodePerMethod() throws {
        let rig = try ServiceRig()
        #expect(rig.waitForState("ready"))
        func arm(_ method: ControlMethod, weight: Double, maximum: Double? = nil) -> ControlError? {
            var params: [String: JSONValue] = ["program": "demo",
                                               "patient": ["reference": "P-1", "weight_kg": .number(weight)]]
            if let maximum { params["max_force_n"] = .number(maximum) }
            return rig.error(method, .object(params))
        }
        for method in [ControlMethod.sessionPreview, .sessionArm] {
            for weight in [0.0, -70, -1e-300] {
                let error = arm(method, weight: weight)
                #expect(error?.code == .invalidParams, "\(method.rawValue) weight \(weight)")
                #expect(error?.data["field"] == "patient.weight_kg")
            }
            for weight in [1e-300, 29.9, 200.1, 1e20] {
                let error = arm(method, weight: weight)
                #expect(error?.code == .planRefused, "\(method.rawValue) weight \(weight): outside 30-200 kg")
                #expect(error?.data["reason"]?.stringValue?.isEmpty == false)
            }
            for maximum in [0.0, -1] {
                let error = arm(method, weight: 75, maximum: maximum)
                #expect(error?.code == .invalidParams, "\(method.rawValue) max_force_n \(maximum)")
                #expect(error?.data["field"] == "max_force_n")
            }
        }
        // Above every other cap an operator's maximum caps nothing: no error.
        let generous = try rig.result(.sessionPreview, ["program": "demo", "patient": ["reference": "P-1", "weight_kg": 75],
                                                        "max_force_n": 1e9])
        #expect(generous["limit_source"] == "program_maximum")

        _ = try rig.result(.sessionArm, Self.demo)
        for force in [0.0, -3] {
            let error = rig.error(.sessionAdjust, ["max_force_n": .number(force)])
            #expect(error?.code == .invalidForce, "adjust \(force)")
            #expect(error?.data["force_n"]?.numberValue == force)
        }
        let clamped = try rig.result(.sessionAdjust, ["max_force_n": 1e9])
        #expect((clamped["granted_n"]?.numberValue ?? .infinity) < 150, "clamped below the limit, not refused")
        _ = try rig.result(.sessionStop)
    }

    /// The daemon asks the table only below `safety.slackForce` (8 N); the
    /// simulated table refuses above its own `drive.slackForce` (5 N). Both
    /// refusals are TENSION_PRESENT.
    @Test func aTareAt7NewtonsPassesTheDaemonsCheckAndIsRefusedByTheSimulatedTable() throws {
        let rig = try ServiceRig(prepare: {
            $0.faults.sensors.loadCellOffsetError = 7
            $0.faults.sensors.redundantOffsetError = 7
        })
        #expect(rig.waitForState("ready"))
        let error = try #require(rig.error(.deviceTare))
        #expect(error.code == .tensionPresent)
        #expect(error.message.contains("the table did not tare"), "the table refused, not the daemon: \(error.message)")
        let measured = error.data["measured_n"]?.numberValue ?? 0
        #expect(measured > 5 && measured < 8)
    }
}
