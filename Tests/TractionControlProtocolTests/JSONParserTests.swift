import Foundation
import PropertyBased
import Testing
@testable import TractionControlProtocol

private func parse(_ text: String) -> Result<JSONValue, JSONParseError> { JSONParser.parse(Array(text.utf8)) }

private func parsed(_ text: String) throws -> JSONValue { try parse(text).get() }

private func reason(_ text: String) -> String? {
    if case .failure(let error) = parse(text) { return error.reason }
    return nil
}

/// The daemon's own JSON reader (docs/control-protocol.md, section 2, "Parser limits").
@Suite struct JSONParserTests {
    @Test func numbersBeyondTheDoubleRangeAreInfiniteAndBelowItZero() throws {
        #expect(try parsed("1e400") == .number(.infinity))
        #expect(try parsed("-1e400") == .number(-.infinity))
        #expect(try parsed("1e-400") == .number(0))
        #expect(try parsed("123456789012345678901234567890") == .number(1.2345678901234568e29))
        let negativeZero = try #require(try parsed("-0").numberValue)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(try parsed("1e300") == .number(1e300))
    }

    @Test func numbersFollowTheJSONGrammar() {
        for text in ["01", "1.", ".5", "+1", "1e", "1e+", "-", "0x10", "NaN", "Infinity", "1_000"] {
            #expect(reason(text) != nil, "\(text) is not a JSON number")
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedWithoutRecursingFurther() throws {
        let limit = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try parsed(deepest).arrayValue != nil)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(reason(tooDeep)?.contains("nested deeper than \(limit) levels") == true)
        // A line of the largest size, nothing but openers: refused at the limit, never a stack overflow.
        #expect(reason(String(repeating: "{\"a\":", count: 13_000)) != nil)
    }

    @Test func aMemberNamedTwiceIsRefused() {
        #expect(reason(#"{"method":"status","method":"session.stop"}"#) == "the member \"method\" appears twice")
    }

    @Test func stringsAreUTF8WithEscapesAndNoRawControlCharacters() throws {
        #expect(try parsed(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"\\/\u{8}\u{c}\n\r\té😀"))
        #expect(reason("\"a\u{01}b\"") != nil)
        #expect(reason(#""\ud83d""#) != nil, "a lone high surrogate")
        #expect(reason(#""\ude00""#) != nil, "a lone low surrogate")
        #expect(JSONParser.parse([0x22, 0xC3, 0x28, 0x22]).isFailure, "invalid UTF-8")
        #expect(reason(#""\x41""#) != nil)
    }

    @Test func onlyOneValueAndWhitespaceMayBeOnALine() {
        #expect(reason("{} {}") != nil)
        #expect(reason("") != nil)
        #expect(reason(" \t{ } \r") == nil)
        #expect(reason("\u{FEFF}{}") != nil, "no byte order mark")
    }

    @Test func whatFoundationWritesReadsBackTheSame() async throws {
        let leaf = Gen.oneOf(
            Gen.double(in: -1e300...1e300).map { JSONValue.number($0) },
            Gen.int(in: -1_000_000...1_000_000).map { JSONValue.number(Double($0)) },
            Gen.character(in: " "..."~").string(of: 0...12).map { JSONValue.string($0) },
            Gen.bool.map { JSONValue.bool($0) },
            Gen.always(JSONValue.null))
        let object = zip(Gen.character(in: "a"..."z").string(of: 1...6).array(of: 0...5), leaf.array(of: 5))
            .map { keys, values in
                JSONValue.object(Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first }))
            }
        await propertyCheck(count: 200, input: zip(object, leaf.array(of: 0...4))) { object, list in
            let value: JSONValue = ["object": object, "list": .array(list), "nested": ["again": object]]
            let text = try JSONEncoder().encode(value)
            #expect(try JSONParser.parse([UInt8](text)).get() == value)
        }
    }
}

/// Typed params from a parsed tree: every number checked on the way in,
/// every failure INVALID_PARAMS naming the member in the protocol's words.
@Suite struct ParamsNumberTests {
    private func failure<T: ControlParams>(_ params: String, _ type: T.Type) throws -> ControlError? {
        let value = try parsed(params)
        do {
            _ = try ControlJSON.decodeParams(value, as: type)
            return nil
        } catch {
            return error
        }
    }

    @Test func anInfiniteNumberIsInvalidParamsNamingTheMember() throws {
        let weight = try #require(try failure(
            #"{"program":"demo","patient":{"reference":"P-1","weight_kg":1e400}}"#, ArmParams.self))
        #expect(weight.code == .invalidParams)
        #expect(weight.data["field"] == "patient.weight_kg")
        #expect(weight.data["reason"]?.stringValue?.contains("±1.7976931348623157e308") == true)
        #expect(try failure(#"{"max_force_n":-1e400}"#, AdjustParams.self)?.data["field"] == "max_force_n")
        #expect(try failure(#"{"topics":["events"],"telemetry_hz":1e999}"#, SubscribeParams.self)?.data["field"]
            == "telemetry_hz")
    }

    @Test func aCountMustBeAWholeNumberThatFits() throws {
        for (text, reason) in [("1e19", "is out of range"), ("1.5", "expected a whole number"),
                               ("-1e300", "is out of range"), ("1e400", "is out of range"),
                               ("\"20\"", "expected a number, got a string")] {
            let error = try #require(try failure(#"{"limit":\#(text)}"#, RecordsParams.self), "limit \(text)")
            #expect(error.code == .invalidParams)
            #expect(error.data["field"] == "limit")
            #expect(error.data["reason"]?.stringValue?.hasPrefix(reason) == true, "limit \(text)")
        }
        #expect(try ControlJSON.decodeParams(try parsed(#"{"limit":-0}"#), as: AuditParams.self).limit == 0)
        #expect(try ControlJSON.decodeParams(try parsed(#"{"limit":1e3}"#), as: AuditParams.self).limit == 1000)
    }

    @Test func paramsOfAMethodThatTakesNoneAreRefusedNamingTheMember() throws {
        for (params, field) in [(#"{"x":1}"#, "x"), ("[1]", "params"), ("7", "params"), (#""s""#, "params"),
                                (#"{"b":1,"a":2}"#, "a")] {
            let value = try parsed(params)
            do {
                try ControlJSON.expectNoParams(value)
                Issue.record("\(params) was accepted")
            } catch {
                #expect(error.code == .invalidParams)
                #expect(error.data["field"] == .string(field), "\(params)")
            }
        }
        try ControlJSON.expectNoParams(nil)
        try ControlJSON.expectNoParams(.null)
        try ControlJSON.expectNoParams([:])
    }

    /// Swift's own words for types and errors, which a client must never see.
    static let swiftWords = ["Int", "Double", "Float", "Bool", "String", "Optional", "Array", "Dictionary",
                             "Decoding", "Swift.", "CodingKeys", "Topic", "Params", "Error", "debugDescription"]

    static func leaks(_ error: ControlError) -> [String] {
        let texts = [error.message] + error.data.values.compactMap(\.stringValue)
        return swiftWords.filter { word in texts.contains { $0.contains(word) } }
    }

    @Test func noReasonNamesASwiftType() async throws {
        let members = ["program", "program_text", "patient", "max_force_n", "confirm", "limit", "topics",
                       "telemetry_hz", "code", "all", "reference", "weight_kg", "region", "first_session"]
        let values = ["1e400", "-1e400", "1e19", "1.5", "-0", "null", "true", "\"x\"", "[]", "{}", "[1e400]",
                      "{\"a\":1}", "[\"weather\"]", "123456789012345678901234567890"]
        let input = zip(Gen.element(of: members).map { $0! }, Gen.element(of: values).map { $0! },
                        Gen.element(of: values).map { $0! })
        await propertyCheck(count: 300, input: input) { member, value, weight in
            let texts = [#"{"\#(member)":\#(value)}"#,
                         #"{"program":"demo","patient":{"reference":"P-1","weight_kg":\#(weight),"\#(member)":\#(value)}}"#,
                         #"{"program":"demo","patient":{"reference":\#(value),"weight_kg":\#(weight)}}"#]
            for text in texts {
                let params = try parsed(text)
                var errors: [ControlError] = []
                func collect<T: ControlParams>(_ type: T.Type) {
                    do { _ = try ControlJSON.decodeParams(params, as: type) } catch { errors.append(error) }
                }
                collect(ArmParams.self)
                collect(AdjustParams.self)
                collect(RecordsParams.self)
                collect(AuditParams.self)
                collect(SubscribeParams.self)
                collect(UnsubscribeParams.self)
                collect(StartParams.self)
                collect(AcknowledgeParams.self)
                collect(ProgramShowParams.self)
                for error in errors {
                    #expect(error.code == .invalidParams)
                    #expect(error.data["field"]?.stringValue?.isEmpty == false)
                    #expect(Self.leaks(error).isEmpty, "\(error.message) leaks \(Self.leaks(error))")
                }
            }
        }
    }
}

private extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
