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

    /// The table of limits (`LimitSetting.all`) is the one source of every
    /// `limits` key: the document's row for each must give the same unit,
    /// default, range and hazard, so a threshold changed in code and not in
    /// the document (or the reverse) fails here.
    @Test func everyLimitRowGivesTheUnitDefaultRangeAndHazardOfTheTableOfLimits() throws {
        let text = try Self.document()
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `limits.") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            rows[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells
        }
        #expect(LimitSetting.all.count >= 50)
        for setting in LimitSetting.all {
            guard let cells = rows[setting.key], cells.count == 8 else {
                Issue.record("docs/configuration.md has no row of 8 columns for \(setting.key)")
                continue
            }
            #expect(cells[1] == (setting.isInteger ? "integer" : "number"), "\(setting.key): type")
            #expect(cells[2] == setting.unit, "\(setting.key): unit \(cells[2]), the table says \(setting.unit)")
            let documentedDefault = Double(cells[3].trimmingCharacters(in: CharacterSet(charactersIn: "`")))
            #expect(documentedDefault.map { abs($0 - setting.defaultValue) < 1e-9 } == true,
                    "\(setting.key): default \(cells[3]), the code's is \(setting.defaultValue)")
            // "LOW to HIGH" opens the range cell; a note may follow.
            let words = cells[4].split(separator: " ")
            let low = words.first.flatMap { Double($0) }, high = words.count > 2 ? Double(words[2].trimmingCharacters(in: CharacterSet(charactersIn: ","))) : nil
            #expect(words.count > 2 && words[1] == "to", "\(setting.key): range cell \(cells[4])")
            #expect(low == setting.range.lowerBound && high == setting.range.upperBound,
                    "\(setting.key): range \(cells[4]), the table says \(setting.range)")
            if setting.safetyBound != nil {
                #expect(cells[4].contains("SAFETY bound") || cells[4].contains("bound:"),
                        "\(setting.key): a range whose top is a SAFETY.md bound says so")
            }
            #expect(cells[6] == setting.hazard, "\(setting.key): hazard \(cells[6]), the table says \(setting.hazard)")
        }
    }
}
