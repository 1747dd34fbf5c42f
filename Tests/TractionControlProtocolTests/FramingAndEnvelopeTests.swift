import Foundation
import PropertyBased
import Testing
@testable import TractionControlProtocol

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func lines(_ outputs: [LineFramer.Output]) -> [String] {
    outputs.compactMap { if case .line(let line) = $0 { String(decoding: line, as: UTF8.self) } else { nil } }
}

@Suite struct LineFramerTests {
    @Test func linesEndAtLineFeedsAndCarriageReturnsAndEmptyLinesAreDropped() {
        var framer = LineFramer(maximumLineBytes: 100)
        let out = framer.feed(bytes("{\"a\":1}\r\n\n{\"b\":2}\n{\"c\""))
        #expect(lines(out) == ["{\"a\":1}", "{\"b\":2}"])
        #expect(framer.hasPartialLine)
        #expect(lines(framer.feed(bytes(":3}\n"))) == ["{\"c\":3}"])
        #expect(!framer.hasPartialLine)
    }

    @Test func aLineOfExactlyTheMaximumPassesAndOneByteMoreIsTooLong() {
        var framer = LineFramer(maximumLineBytes: 10)
        // 9 bytes + LF = 10: allowed.
        #expect(lines(framer.feed(bytes("123456789\n"))) == ["123456789"])
        let out = framer.feed(bytes("1234567890\n{\"next\":1}\n"))
        #expect(out == [.tooLong])
        #expect(framer.failed)
        #expect(framer.feed(bytes("more\n")).isEmpty)
    }

    @Test func splittingTheStreamAnywhereGivesTheSameLines() async {
        let stream = bytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}\r\n\n{\"x\":[1,2,3]}\nabc\n")
        var whole = LineFramer(maximumLineBytes: 1000)
        let expected = lines(whole.feed(stream))
        await propertyCheck(input: Gen.int(in: 1...stream.count).array(of: 0...12)) { cuts in
            var framer = LineFramer(maximumLineBytes: 1000)
            var got: [String] = []
            var start = 0
            for cut in cuts.sorted() where cut > start {
                got += lines(framer.feed(stream[start..<cut]))
                start = cut
            }
            got += lines(framer.feed(stream[start...]))
            #expect(got == expected)
        }
    }
}

@Suite struct RequestParsingTests {
    private func parse(_ text: String) -> Result<RPCRequest, ControlError> { RPCRequest.parse(line: bytes(text)) }

    private func code(_ text: String) -> ControlErrorCode? {
        if case .failure(let error) = parse(text) { return error.code }
        return nil
    }

    @Test func aWellFormedRequestKeepsItsIdMethodAndParams() throws {
        let request = try parse(#"{"jsonrpc":"2.0","id":7,"method":"session.adjust","params":{"max_force_n":240}}"#).get()
        #expect(request.id == .number(7))
        #expect(request.method == "session.adjust")
        #expect(request.params == ["max_force_n": 240])
        let stringID = try parse(#"{"jsonrpc":"2.0","id":"a-1","method":"status"}"#).get()
        #expect(stringID.id == .string("a-1"))
        #expect(stringID.params == nil)
        let notification = try parse(#"{"jsonrpc":"2.0","method":"session.stop"}"#).get()
        #expect(notification.id == nil)
    }

    @Test func malformedLinesGetTheDocumentedCodes() {
        #expect(code("not json") == .parseError)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"method":"status""#) == .parseError)
        #expect(code(#"[{"jsonrpc":"2.0","id":1,"method":"status"}]"#) == .invalidRequest)
        #expect(code(#""status""#) == .invalidRequest)
        #expect(code(#"{"jsonrpc":"1.0","id":1,"method":"status"}"#) == .invalidRequest)
        #expect(code(#"{"id":1,"method":"status"}"#) == .invalidRequest)
        #expect(code(#"{"jsonrpc":"2.0","id":1}"#) == .invalidRequest)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"method":""}"#) == .invalidRequest)
        #expect(code(#"{"jsonrpc":"2.0","id":{"x":1},"method":"status"}"#) == .invalidRequest)
        #expect(code(#"{"jsonrpc":"2.0","id":1,"method":"status","extra":true}"#) == .invalidRequest)
    }

    @Test func theIdOfABrokenRequestIsRecoveredWhenPossible() {
        #expect(RPCRequest.recoverID(line: bytes(#"{"jsonrpc":"1.0","id":"q","method":"status"}"#)) == .string("q"))
        #expect(RPCRequest.recoverID(line: bytes("garbage")) == nil)
    }

    @Test func responsesAndNotificationsAreOneLineWithTheDocumentedMembers() throws {
        let ok = RPCResponse.encodeLine(id: .number(3), result: ["state": "paused"])
        #expect(ok.last == 0x0A)
        #expect(ok.dropLast().contains(0x0A) == false)
        #expect(String(decoding: ok, as: UTF8.self) == "{\"id\":3,\"jsonrpc\":\"2.0\",\"result\":{\"state\":\"paused\"}}\n")
        let error = ControlError(.conditionPresent, "refused while the harness is open", data: ["conditions": ["HARNESS_OPEN"]])
        let failed = RPCResponse.encodeLine(id: nil, error: error)
        let incoming = try #require(RPCIncoming.parse(line: failed.dropLast()))
        #expect(incoming == .response(id: nil, outcome: .failure(error)))
        let text = String(decoding: failed, as: UTF8.self)
        #expect(text.contains("\"code\":-32011"))
        #expect(text.contains("\"code\":\"CONDITION_PRESENT\""))
        let note = RPCNotification.encodeLine(method: "dropped", params: ControlJSON.value(DroppedNotification(queuedBytes: 5)))
        #expect(RPCIncoming.parse(line: note.dropLast())
                == .notification(method: "dropped", params: ["reason": "SLOW_CONSUMER", "queued_bytes": 5]))
    }

    @Test func anUnknownSymbolicCodeIsKeptForTheClientToShow() throws {
        let error = try #require(ControlError(json: ["code": -32099, "message": "new thing", "data": ["code": "NEW_THING"]]))
        #expect(error.code == .internalError)
        #expect(error.message == "new thing")
        #expect(error.data["unknown_code"] == "NEW_THING")
    }
}

@Suite struct ParamsTests {
    @Test func paramsDecodeAndAbsentParamsMeanAnEmptyObject() throws {
        let arm = try ControlJSON.decodeParams(
            ["program": "demo", "patient": ["reference": "P-1042", "weight_kg": 75, "first_session": true], "max_force_n": 250],
            as: ArmParams.self)
        #expect(arm.program == "demo")
        #expect(arm.patient == PatientParams(reference: "P-1042", weightKg: 75, firstSession: true))
        #expect(arm.maxForceN == 250)
        #expect(try ControlJSON.decodeParams(nil, as: StartParams.self).confirm == nil)
        _ = try ControlJSON.decodeParams(nil, as: NoParams.self)
    }

    private func failure<T: ControlParams>(_ params: JSONValue?, _ type: T.Type) -> ControlError? {
        do {
            _ = try ControlJSON.decodeParams(params, as: type)
            return nil
        } catch { return error }
    }

    @Test func badParamsAreInvalidParamsNamingTheField() throws {
        let unknown = try #require(failure(["confirm": true, "force": 1], StartParams.self))
        #expect(unknown.code == .invalidParams)
        #expect(unknown.data["field"] == "force")
        let wrongType = try #require(failure(["max_force_n": "lots"], AdjustParams.self))
        #expect(wrongType.data["field"] == "max_force_n")
        #expect(wrongType.message.contains("expected a number"))
        let missing = try #require(failure([:], AdjustParams.self))
        #expect(missing.data["field"] == "max_force_n")
        #expect(missing.message.contains("required"))
        let positional = try #require(failure([1, 2], AdjustParams.self))
        #expect(positional.data["field"] == "params")
        let nested = try #require(failure(["program": "demo", "patient": ["reference": "P", "weight_kg": 70, "name": "Ann"]], ArmParams.self))
        #expect(nested.data["field"] == "patient.name")
        let anyForNone = try #require(failure(["x": 1], NoParams.self))
        #expect(anyForNone.data["field"] == "x")
        let badTopic = try #require(failure(["topics": ["weather"]], SubscribeParams.self))
        #expect(badTopic.code == .invalidParams)
        #expect(badTopic.data["field"] == "topics[0]")
    }

    @Test func patientReferencesArePseudonymsByForm() {
        #expect(PatientParams.isValidReference("P-1042"))
        #expect(PatientParams.isValidReference("clinic:2026/07.a_b"))
        #expect(!PatientParams.isValidReference(""))
        #expect(!PatientParams.isValidReference("Anna Berg"))
        #expect(!PatientParams.isValidReference("Zoë"))
        #expect(!PatientParams.isValidReference(String(repeating: "x", count: 65)))
    }
}
