import Foundation
import Testing

/// The help texts are part of the interface: a change to them must be a
/// deliberate change to the golden files in Golden/.
@Suite("tractionctl help")
struct HelpGoldenTests {
    static let cases: [(golden: String, arguments: [String])] = [
        ("help-root.txt", ["--help"]),
        ("help-programs.txt", ["programs", "--help"]),
        ("help-programs-validate.txt", ["programs", "validate", "--help"]),
        ("help-programs-show.txt", ["programs", "show", "--help"]),
        ("help-replay.txt", ["replay", "--help"]),
    ]

    @Test(arguments: cases.map(\.golden))
    func helpMatchesItsGoldenFile(_ golden: String) throws {
        let arguments = try #require(Self.cases.first { $0.golden == golden }?.arguments)
        let expected = try String(contentsOf: TractionctlRunner.packageRoot
            .appendingPathComponent("Tests/TractionctlTests/Golden/\(golden)"), encoding: .utf8)
        let result = try TractionctlRunner.run(arguments)
        #expect(result.status == 0)
        #expect(result.standardOutput == expected)
    }
}
