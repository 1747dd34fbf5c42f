import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Single lines that a peer written from docs/control-protocol.md alone sent
/// and that once ended the daemon (issue 13). Each goes as it was sent, over
/// the real socket, to a real `tractiond --simulate`; the daemon must answer
/// with the documented error and keep running.
@Suite("tractiond answers hostile lines and keeps running", .serialized)
struct TractiondHostileRequestTests {
    static func error(_ response: [String: Any]) -> (code: String, message: String, data: [String: Any])? {
        guard let error = response["error"] as? [String: Any], let data = error["data"] as? [String: Any] else {
            return nil
        }
        return (data["code"] as? String ?? "", error["message"] as? String ?? "", data)
    }

    /// The daemon still runs and still answers.
    static func expectAlive(_ daemon: SimulatedDaemon, _ client: ControlClient,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(daemon.process.isRunning, "the daemon died:\n\(daemon.output)", sourceLocation: sourceLocation)
        #expect(try client.result("status")["state"] as? String != nil, sourceLocation: sourceLocation)
    }

    @Test func auditListOnAFreshDaemonAnswersAnEmptyList() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let client = try ControlClient(path: daemon.socketPath)
        let response = try client.exchange(line: #"{"jsonrpc":"2.0","id":1,"method":"audit.list"}"#)
        #expect((response["result"] as? [String: Any])?["entries"] as? [Any] != nil)
        #expect(((response["result"] as? [String: Any])?["entries"] as? [Any])?.isEmpty == true)
        try Self.expectAlive(daemon, client)
    }

    @Test func paramsOnAMethodThatTakesNoneAreInvalidParamsNamingTheMember() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let client = try ControlClient(path: daemon.socketPath)
        let methods = ["status", "device.info", "programs.list", "alarms.list", "session.pause", "session.resume",
                       "faults.reset", "device.tare", "config.reload"]
        let cases: [(params: String, field: String)] = [(#"{"x":1}"#, "x"), ("[1]", "params"), ("7", "params"),
                                                       (#""s""#, "params"), ("true", "params")]
        for method in methods {
            for (params, field) in cases {
                let line = #"{"jsonrpc":"2.0","id":"\#(method)","method":"\#(method)","params":\#(params)}"#
                let response = try client.exchange(line: line)
                #expect(response["id"] as? String == method)
                let error = Self.error(response)
                #expect(error?.code == "INVALID_PARAMS", "\(line)")
                #expect(error?.data["field"] as? String == field, "\(line)")
            }
        }
        try Self.expectAlive(daemon, client)
    }

    @Test func anAbsurdPatientWeightIsRefusedWithTheWeightInTheReason() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let client = try ControlClient(path: daemon.socketPath)
        for method in ["session.preview", "session.arm"] {
            for (weight, shown) in [("1e20", "1e+20 kg"), ("-1e20", "-1e+20 kg"), ("1e300", "1e+300 kg")] {
                let line = #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":"#
                    + #"{"program":"demo","patient":{"reference":"P-1","weight_kg":\#(weight)}}}"#
                let error = Self.error(try client.exchange(line: line))
                if weight.hasPrefix("-") {
                    #expect(error?.code == "INVALID_PARAMS")
                    #expect(error?.data["field"] as? String == "patient.weight_kg")
                } else {
                    #expect(error?.code == "PLAN_REFUSED", "\(line)")
                    #expect((error?.data["reason"] as? String)?.contains("patient weight \(shown) is outside 30-200 kg")
                        == true, "\(error?.message ?? "no error")")
                }
            }
            let infinite = Self.error(try client.exchange(line: #"{"jsonrpc":"2.0","id":2,"method":"\#(method)","params":"#
                + #"{"program":"demo","patient":{"reference":"P-1","weight_kg":1e400}}}"#))
            #expect(infinite?.code == "INVALID_PARAMS")
            #expect(infinite?.data["field"] as? String == "patient.weight_kg")
        }
        try Self.expectAlive(daemon, client)
    }

    @Test func anAbsurdHoldForceDuringTreatmentIsClampedAndTheTreatmentGoesOn() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let client = try ControlClient(path: daemon.socketPath)
        let plan = try client.result("session.arm", TractiondSocketTests.demo)
        let limit = try #require(plan["effective_limit_n"] as? Double)
        #expect(try client.result("session.start", ["confirm": false])["state"] as? String == "treating")

        let adjusted = try client.exchange(line: #"{"jsonrpc":"2.0","id":1,"method":"session.adjust","params":{"max_force_n":1e19}}"#)
        let result = try #require(adjusted["result"] as? [String: Any], "\(adjusted)")
        #expect(result["requested_n"] as? Double == 1e19)
        #expect(result["granted_n"] as? Double == limit)
        #expect(daemon.waitUntil(upTo: 10) { daemon.output.contains("asked 9223372036854775807 N, granted") },
                "the log line saturates instead of trapping:\n\(daemon.output)")

        let infinite = Self.error(try client.exchange(
            line: #"{"jsonrpc":"2.0","id":2,"method":"session.adjust","params":{"max_force_n":1e400}}"#))
        #expect(infinite?.code == "INVALID_PARAMS")
        #expect(infinite?.data["field"] as? String == "max_force_n")
        let negative = Self.error(try client.exchange(
            line: #"{"jsonrpc":"2.0","id":3,"method":"session.adjust","params":{"max_force_n":-1e300}}"#))
        #expect(negative?.code == "INVALID_FORCE")

        try Self.expectAlive(daemon, client)
        #expect(try client.result("status")["state"] as? String == "treating", "the session is still running")
        #expect(try client.result("session.stop")["was_running"] as? Bool == true)
    }

    @Test func aHoldTimeOf1e20SecondsIsAProgramErrorAtItsLineAndColumn() throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let client = try ControlClient(path: daemon.socketPath)
        let program = "name: absurd\nregion: lumbar\nlimits:\n  body_weight_fraction: 50 %\n  maximum_force: 400 N\n"
            + "phases:\n  - mode: static\n    hold_force: 200 N\n    hold_time: 1e20 s\n"
        for method in ["session.preview", "session.arm"] {
            let error = try #require(try client.errorCode(method, [
                "program_text": program, "patient": ["reference": "P-1", "weight_kg": 75],
            ]))
            #expect(error.code == "PROGRAM_INVALID")
            let diagnostics = error.data["diagnostics"] as? [String] ?? []
            #expect(diagnostics == ["program_text:9:16: error: phases[1].hold_time: longer than the longest session "
                + "(found \"1e20 s\"; allowed: a duration above 0 s and at most 3600 s (the longest session)) "
                + "[DURATION_TOO_LONG]"])
        }
        try Self.expectAlive(daemon, client)
    }
}
