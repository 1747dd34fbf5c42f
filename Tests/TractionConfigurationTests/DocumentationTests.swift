import Foundation
import Testing
import TractionConfiguration

/// docs/configuration.md must let someone write a valid file alone.
@Suite struct ConfigurationDocumentationTests {
    static func document() throws -> String {
        try String(contentsOfFile: Repository.path("docs/configuration.md"), encoding: .utf8)
    }

    @Test func everyKeyPathOfTheSchemaIsDocumented() throws {
        let text = try Self.document()
        #expect(DaemonConfiguration.keyPaths.count > 60)
        for keyPath in DaemonConfiguration.keyPaths {
            #expect(text.contains("`\(keyPath)`"), "docs/configuration.md does not document \(keyPath)")
        }
    }

    @Test func everyKeyPathNamedInTheDocumentExists() throws {
        let text = try Self.document()
        let known = Set(DaemonConfiguration.keyPaths)
        let sections = ["device", "loop", "limits", "socket", "programs", "state", "simulation"]
        // Table rows start with a key path in backquotes.
        var rows = 0
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            rows += 1
            let name = line.dropFirst(3).prefix { $0 != "`" }
            // `limits.<region>.force_cap_n` stands for both regions.
            guard sections.contains(where: { name.hasPrefix($0 + ".") }), !name.contains("<") else { continue }
            if !known.contains(String(name)) {
                Issue.record("docs/configuration.md documents \(name), which the schema lacks")
            }
        }
        #expect(rows >= DaemonConfiguration.keyPaths.count)
    }
}
