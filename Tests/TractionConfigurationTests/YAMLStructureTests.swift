import Testing
@testable import TractionConfiguration

/// The configuration's YAML is checked for aliases, non-text keys and
/// repeated keys before it is composed (the same check as program files).
@Suite struct YAMLStructureTests {
    func problems(_ text: String) -> [ConfigurationProblem] {
        do {
            _ = try DaemonConfiguration.parse(text, format: .yaml, file: "t.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    /// Aliases of aliases stand for a billion values: refused at the first
    /// alias instead of composed and walked for ever.
    @Test(.timeLimit(.minutes(1)))
    func aliasesAreRefusedAtTheirLine() {
        var lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let found = problems(lines.joined(separator: "\n") + "\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.reason.contains("alias") == true)
    }

    @Test func aRepeatedKeyIsNamedAtItsFirstRepeat() {
        for _ in 0..<10 {
            let found = problems("loop:\n  rate_hz: 250\n  realtime: false\n  rate_hz: 500\n  realtime: true\n")
            #expect(found.map(\.line) == [4])
            #expect(found.first?.reason == "a key appears twice in one mapping: rate_hz")
        }
    }

    @Test func aRawControlCharacterIsNamedWithItsLine() {
        let found = problems("loop:\n  rate_hz: 250\u{07}\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.reason.hasPrefix("not readable text") == true)
    }
}
