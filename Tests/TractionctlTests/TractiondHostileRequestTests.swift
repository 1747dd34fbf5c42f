import Foundation
import PropertyBased
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
    /// Swift's own words for types and errors, which a client must never see.
    static let swiftWords = ["Int", "Double", "Float", "Bool", "String", "Optional", "Array", "Dictionary",
                             "Decoding", "Swift.", "CodingKeys", "Params", "Error", "debugDescription"]

    static func error(_ response: [String: Any]) -> (code: String, message: String, data: [String: Any])? {
        guard let error = response["error"] as? [String: Any], let data = error["data"] as? [String: Any] else {
            return nil
        }
        return (data["code"] as? String ?? "", error["message"] as? String ?? "", data)
    }

    static func leakedSwiftWords(_ response: [String: Any]) -> [String] {
        guard let error = error(response) else { return [] }
        let texts = [error.message] + error.data.values.compactMap { $0 as? String }
        return swiftWords.filter { word in texts.contains { $0.contains(word) } }
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
        // Granted at the plan's highest target, just below the limit (H1).
        #expect(result["granted_n"] as? Double == limit - max(limit * 0.025, 3.5))
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

    @Test func aLineOfExtremeNumbersInEveryNumericParamOfEveryMethodGetsAnAnswer() async throws {
        let daemon = try SimulatedDaemon()
        defer { daemon.stop() }
        let client = try ControlClient(path: daemon.socketPath)
        let input = zip(Gen.element(of: NumericMember.all).map { $0! }, ExtremeNumber.literal)
        await propertyCheck(count: 400, input: input) { member, number in
            let line = member.line(with: number)
            let response = try client.exchange(line: line)
            #expect(Self.leakedSwiftWords(response).isEmpty, "\(line) -> \(response)")
            guard member.field != "id" else {
                if ExtremeNumber.isFinite(number) {
                    #expect(response["result"] != nil, "\(line) -> \(response)")
                } else {
                    #expect(Self.error(response)?.code == "INVALID_REQUEST", "\(line) -> \(response)")
                    #expect(Self.error(response)?.data["field"] as? String == "id")
                    #expect(response["id"] is NSNull)
                }
                return
            }
            #expect(response["id"] as? Int == 7, "\(line) -> \(response)")
            guard let error = Self.error(response) else { return }
            #expect(ExtremeNumber.documentedCodes.contains(error.code), "\(line) -> \(response)")
            if error.code == "INVALID_PARAMS" {
                #expect(error.data["field"] as? String == member.field, "\(line) -> \(response)")
            }
            if member.takesANumber && !ExtremeNumber.isFinite(number) {
                #expect(error.code == "INVALID_PARAMS", "\(line) -> \(response)")
            }
        }
        try Self.expectAlive(daemon, client)
    }
}

/// Every member of every method's params where a number can go, and the request around it.
struct NumericMember: Sendable, CustomStringConvertible {
    var method: String
    /// What `data.field` must name when the number is refused.
    var field: String
    /// The params with `N` where the number goes.
    var params: String
    /// The member is a number (the others are refused as the wrong type).
    var takesANumber: Bool

    var description: String { "\(method) \(field)" }

    func line(with number: String) -> String {
        if field == "id" { return #"{"jsonrpc":"2.0","id":\#(number),"method":"\#(method)"}"# }
        return #"{"jsonrpc":"2.0","id":7,"method":"\#(method)","params":\#(params.replacingOccurrences(of: "N", with: number))}"#
    }

    static let patient = #""patient":{"reference":"P-1","weight_kg":75}"#

    static let all: [NumericMember] = {
        var members: [NumericMember] = []
        for method in ["session.preview", "session.arm"] {
            members += [
                NumericMember(method: method, field: "patient.weight_kg",
                              params: #"{"program":"demo","patient":{"reference":"P-1","weight_kg":N}}"#, takesANumber: true),
                NumericMember(method: method, field: "max_force_n",
                              params: #"{"program":"demo",\#(patient),"max_force_n":N}"#, takesANumber: true),
                NumericMember(method: method, field: "patient.reference",
                              params: #"{"program":"demo","patient":{"reference":N,"weight_kg":75}}"#, takesANumber: false),
                NumericMember(method: method, field: "patient.first_session",
                              params: #"{"program":"demo","patient":{"reference":"P-1","weight_kg":75,"first_session":N}}"#,
                              takesANumber: false),
                NumericMember(method: method, field: "program", params: #"{"program":N,\#(patient)}"#, takesANumber: false),
            ]
        }
        members += [
            NumericMember(method: "session.adjust", field: "max_force_n", params: #"{"max_force_n":N}"#, takesANumber: true),
            NumericMember(method: "records.list", field: "limit", params: #"{"limit":N}"#, takesANumber: true),
            NumericMember(method: "audit.list", field: "limit", params: #"{"limit":N}"#, takesANumber: true),
            NumericMember(method: "subscribe", field: "telemetry_hz", params: #"{"topics":["events"],"telemetry_hz":N}"#,
                          takesANumber: true),
            NumericMember(method: "subscribe", field: "topics[0]", params: #"{"topics":[N]}"#, takesANumber: false),
            NumericMember(method: "unsubscribe", field: "topics[0]", params: #"{"topics":[N]}"#, takesANumber: false),
            NumericMember(method: "session.start", field: "confirm", params: #"{"confirm":N}"#, takesANumber: false),
            NumericMember(method: "alarms.acknowledge", field: "code", params: #"{"code":N}"#, takesANumber: false),
            NumericMember(method: "alarms.acknowledge", field: "all", params: #"{"all":N}"#, takesANumber: false),
            NumericMember(method: "programs.show", field: "program", params: #"{"program":N}"#, takesANumber: false),
        ]
        for method in ["status", "device.info", "programs.list", "alarms.list", "session.pause", "session.resume",
                       "faults.reset", "device.tare", "config.reload"] {
            members.append(NumericMember(method: method, field: "x", params: #"{"x":N}"#, takesANumber: false))
            members.append(NumericMember(method: method, field: "params", params: "N", takesANumber: false))
        }
        for method in ["status", "session.stop", "records.list"] {
            members.append(NumericMember(method: method, field: "id", params: "", takesANumber: true))
        }
        return members
    }()
}

/// JSON number literals at and past the edges: of a double (1e308, 1e400,
/// 1e-400, -0), of the integers (2^63, 2^64, 30 digits), and random ones.
enum ExtremeNumber {
    static let edges = ["1e300", "-1e300", "1e19", "-1e19", "1e20", "-0", "0", "1e400", "-1e400", "1e-400",
                        "123456789012345678901234567890", "-123456789012345678901234567890", "9223372036854775807",
                        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
                        "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "0.5", "1", "75", "1000",
                        "1e308", "-1e308", "2.5e-10", "1E+2"]

    static let literal = Gen.oneOf(
        Gen.element(of: edges).map { $0! },
        zip(Gen.int(in: -999...999), Gen.int(in: -420...420)).map { mantissa, exponent in "\(mantissa)e\(exponent)" },
        Gen.int(in: 0...9).array(of: 0...45).map { digits in "9" + digits.map(String.init).joined() })

    static func isFinite(_ literal: String) -> Bool { Double(literal)?.isFinite ?? false }

    /// Section 8's codes a request of this test may get.
    static let documentedCodes: Set<String> = [
        "INVALID_PARAMS", "INVALID_REQUEST", "PLAN_REFUSED", "PROGRAM_NOT_FOUND", "INVALID_FORCE",
        "SESSION_IN_PROGRESS", "NOT_ALLOWED_IN_STATE", "NO_SESSION_ARMED", "CONDITION_PRESENT", "NOTHING_TO_RESET",
        "ALARM_NOT_ACKNOWLEDGED", "CONFIRMATION_REQUIRED", "CONFIGURATION_INVALID", "TENSION_PRESENT", "TARE_FAILED",
        "BUSY",
    ]
}
