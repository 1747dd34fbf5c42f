import Foundation
import PropertyBased
import Testing
@testable import TractionControlProtocol

/// The document is the contract: what the code knows, the document must say.
@Suite struct ContractTests {
    static let document: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/control-protocol.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    @Test func everyMethodIsSpecifiedWithItsRole() {
        #expect(!Self.document.isEmpty)
        for method in ControlMethod.allCases {
            #expect(Self.document.contains("### `\(method.rawValue)`") || Self.document.contains("`\(method.rawValue)` ("),
                    "no section for \(method.rawValue)")
            let roleRow = Self.document.split(separator: "\n").first { $0.hasPrefix("| \(method.requiredRole.rawValue) |") }
            #expect(roleRow?.contains("`\(method.rawValue)`") == true,
                    "\(method.rawValue) is not in the role table row of \(method.requiredRole)")
        }
    }

    @Test func everyErrorCodeIsInTheTableWithItsNumber() {
        for code in ControlErrorCode.allCases {
            #expect(Self.document.contains("| `\(code.rawValue)` | \(code.rpcCode) |"), "\(code.rawValue) missing")
        }
        #expect(Set(ControlErrorCode.allCases.map(\.rpcCode)).count == ControlErrorCode.allCases.count)
    }

    @Test func rolesAreOrdered() {
        #expect(Role.allCases.sorted() == [.viewer, .clinician, .technician, .admin])
        #expect(ControlMethod.sessionStop.requiredRole == .clinician)
        #expect(!ControlMethod.sessionStop.waitsForControlLoop)
        #expect(ControlMethod.allCases.filter(\.changesState).allSatisfy { $0.requiredRole >= .clinician })
    }

    @Test func helloAlwaysCarriesRoleEvenWhenNull() throws {
        let hello = Hello(daemonVersion: "0.2.0", table: nil, role: nil, uid: 1000, pid: 42,
                          maxMessageBytes: 65536, loopRateHz: 250)
        let value = ControlJSON.value(hello)
        #expect(value["role"] == .null)
        #expect(value["protocol_version"] == 1)
        #expect(value["max_message_bytes"] == 65536)
        #expect(try ControlJSON.decode(value, as: Hello.self) == hello)
    }

    @Test func resultsRoundTripWithTheDocumentedMemberNames() throws {
        let status = StatusResult(
            state: "treating", simulated: true,
            session: SessionStatus(program: "demo", patient: "P-1", region: "lumbar", weightKg: 75, firstSession: false,
                                   activity: "hold", phase: 2, phases: 5, elapsedS: 62, timeLeftS: 540, totalS: 600,
                                   peakN: 300, effectiveLimitN: 367.8, limitSource: "body_weight_fraction",
                                   armedBy: "uid 1000 (alice)", startedAt: "2026-11-25T22:10:03.125Z"),
            force: ForceStatus(targetN: 300, measuredN: 298.7),
            angles: AnglesJSON(flexionDeg: 10, lateralTiltDeg: 0, rotationDeg: 0),
            alarms: [AlarmInfo(code: "HARNESS_OPEN", priority: "high", present: true, latched: true, acknowledged: false,
                               message: "The harness is open.", raisedAt: nil)],
            lastSessionEnd: nil, interruptedSession: nil,
            loop: LoopStatus(rateHz: 250, realtime: "SCHED_FIFO 80", degraded: false, p99LatenessUs: 55, overruns: 0),
            daemon: DaemonStatus(version: "0.2.0", uptimeS: 1.5, clients: 1))
        let value = ControlJSON.value(status)
        #expect(value["session"]?["time_left_s"] == 540)
        #expect(value["loop"]?["p99_lateness_us"] == 55)
        #expect(value["angles"]?["lateral_tilt_deg"] == 0)
        #expect(try ControlJSON.decode(value, as: StatusResult.self) == status)

        let show = ProgramShowResult(entry: ProgramEntry(name: "demo", file: "/p/demo.yaml", valid: true, region: "lumbar"),
                                     text: "name: demo\n", diagnostics: [])
        let showValue = ControlJSON.value(show)
        #expect(showValue["name"] == "demo")
        #expect(showValue["text"] == "name: demo\n")
        #expect(try ControlJSON.decode(showValue, as: ProgramShowResult.self) == show)
    }

    @Test func anyJSONValueSurvivesALineRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let value = Self.randomValue(&random, depth: 0)
            let line = ControlJSON.line(["jsonrpc": "2.0", "method": "x", "params": value])
            #expect(line.filter { $0 == 0x0A }.count == 1)
            #expect(RPCIncoming.parse(line: line.dropLast()) == .notification(method: "x", params: value))
        }
    }

    /// A JSON tree drawn from `random`: every kind of value, strings with
    /// quotes, backslashes, control characters and non-ASCII text.
    static func randomValue(_ random: inout SplitMix, depth: Int) -> JSONValue {
        let alphabet = Array("aZ09 \"\\/\n\t\u{1}é€😀{}[],:")
        switch random.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2: return .number(Double(Int64(bitPattern: random.next()) % 1_000_000_000))
        case 3: return .number(Double(Int64(bitPattern: random.next()) % 1_000_000) / 1024)
        case 4: return .string(String((0..<random.next() % 12).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
        case 5: return .array((0..<random.next() % 4).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<random.next() % 4 { members["k\(index)\(random.next() % 9)"] = randomValue(&random, depth: depth + 1) }
            return .object(members)
        }
    }
}

/// SplitMix64: a tiny reproducible generator for building test values from a seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
