import Foundation
import Testing
@testable import TractionSafety

/// docs/safety.md is a specification: the tests it names must exist, every
/// hazard must have a row, and its transition matrix must be the kernel's.
@Suite
struct SafetyCaseDocumentTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(relativePath), encoding: .utf8)
    }

    static func tableRows(of document: String) -> [[String]] {
        document.split(separator: "\n").filter { $0.hasPrefix("|") }.map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Identifiers written in backticks that look like test names.
    static func namedTests(in cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            .filter { $0.first?.isLowercase == true && $0.allSatisfy { $0.isLetter || $0.isNumber } }
    }

    /// The names of every `@Test` function under Tests/.
    static func testFunctionNames() throws -> Set<String> {
        let testsDirectory = repository.appendingPathComponent("Tests")
        var names: Set<String> = []
        let files = FileManager.default.enumerator(at: testsDirectory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            // The first function after each `@Test` attribute is a test.
            for part in text.components(separatedBy: "@Test").dropFirst() {
                guard let function = part.range(of: "func ") else { continue }
                names.insert(String(part[function.upperBound...].prefix { $0.isLetter || $0.isNumber }))
            }
        }
        return names
    }

    @Test func everyHazardHasOneRowWithTestsOrAnHonestPendingMark() throws {
        let rows = Self.tableRows(of: try Self.read("docs/safety.md"))
        for number in 1...19 {
            let matching = rows.filter { $0.first == "H\(number)" && $0.count == 7 }
            #expect(matching.count == 1, "H\(number) must have exactly one row in the hazard table")
            guard let row = matching.first, let tests = row.last else { continue }
            #expect(tests.contains("pending") || !Self.namedTests(in: tests).isEmpty, "H\(number) names no test")
            #expect(!row[2].isEmpty && !row[3].isEmpty && !row[4].isEmpty, "H\(number) lacks detection, reaction or bound")
        }
    }

    @Test func everyTestNamedInTheSafetyCaseExists() throws {
        let document = try Self.read("docs/safety.md")
        let existing = try Self.testFunctionNames()
        var named = 0
        for row in Self.tableRows(of: document) where row.first?.hasPrefix("H") == true || row.count == 4 {
            for cell in row.dropFirst() where cell.contains("`") {
                for name in Self.namedTests(in: cell) where name.count > 20 {
                    let defined = existing.contains(name)
                    #expect(defined, "docs/safety.md names `\(name)`, which no test defines")
                    named += 1
                }
            }
        }
        #expect(named > 40)
    }

    @Test func documentedTransitionMatrixIsTheKernels() throws {
        let rows = Self.tableRows(of: try Self.read("docs/safety.md"))
        var documented = 0
        for row in rows {
            guard let event = InterlockEvent.allCases.first(where: { $0.name == row.first }), row.count == 11 else { continue }
            let expected = (InterlockTableTests.expected[event] ?? "").split(separator: " ").map(String.init)
            #expect(Array(row.dropFirst()) == expected, "matrix row \(event) differs from the kernel's table")
            documented += 1
        }
        #expect(documented == InterlockEvent.allCases.count)
    }

    /// The paragraph of section 4 that lists the transitions' actions names
    /// exactly the actions the table carries, and nothing that is not an
    /// action, an event, a state or a code reference (a retired action such
    /// as `releaseNormal` fails here).
    @Test func documentedActionsAreExactlyTheOnesTheTableCarries() throws {
        let document = try Self.read("docs/safety.md")
        let start = try #require(document.range(of: "Actions carried by transitions"))
        let paragraph = String(document[start.lowerBound...]
            .components(separatedBy: "\n\n")[0])
        let quoted = paragraph.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        let actionNames = Set(InterlockActions.named.map(\.name))
        let known = actionNames.union(InterlockEvent.allCases.map(\.name)).union(InterlockState.allCases.map(\.name))
        for word in quoted where !word.contains(".") {
            #expect(known.contains(word), "docs/safety.md lists `\(word)`, which is no action, event or state")
        }
        let carried = InterlockTable.rules.reduce(InterlockActions()) { $0.union($1.actions) }
        #expect(Set(quoted).intersection(actionNames) == Set(carried.names))
        // Every action the option set defines is carried by some rule.
        #expect(carried.names == InterlockActions.named.map(\.name))
    }

    @Test func everySourceFileNamedInTheSafetyCaseExists() throws {
        let document = try Self.read("docs/safety.md")
        // Every Swift file anywhere under Sources/, by name: the safety case
        // names files of the kernel, the engine and the daemon.
        let sources = Self.repository.appendingPathComponent("Sources")
        var existing = Set<String>()
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "swift" { existing.insert(url.lastPathComponent) }
        }
        for part in document.components(separatedBy: ".swift").dropLast() {
            let name = String(part.reversed().prefix { $0.isLetter }.reversed())
            guard !name.isEmpty else { continue }
            #expect(existing.contains(name + ".swift"), "docs/safety.md names \(name).swift")
        }
    }
}
