import Foundation
import Testing

/// docs/architecture.md draws every target of Package.swift as it is: each
/// target has a row with its complete list of direct dependencies, and the
/// drawing names it. Read from the sources, so adding a target or an import
/// to Package.swift without the document fails here.
@Suite struct ArchitectureDocumentTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The text from `open` (just after an opening bracket) to its matching close.
    static func balanced(_ text: Substring, open: Character, close: Character) -> Substring {
        var depth = 1
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == open { depth += 1 }
            if text[index] == close { depth -= 1; if depth == 0 { break } }
            index = text.index(after: index)
        }
        return text[text.startIndex..<index]
    }

    static func quoted(_ text: Substring) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// Every target of Package.swift with its direct dependencies (targets
    /// and products, by name), and whether it is a test target.
    static func packageTargets() throws -> [String: (dependencies: Set<String>, test: Bool)] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [String: (Set<String>, Bool)] = [:]
        for kind in [".target(", ".executableTarget(", ".testTarget(", ".systemLibrary("] {
            for part in manifest.components(separatedBy: kind).dropFirst() {
                let body = balanced(Substring(part), open: "(", close: ")")
                guard body.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("name:"),
                      let name = quoted(body).first else { continue }
                var dependencies: Set<String> = []
                if let start = body.range(of: "dependencies: [") {
                    var list = String(balanced(body[start.upperBound...], open: "[", close: "]"))
                    // A product counts by its name, not its package's.
                    while let product = list.range(of: #"package: "[^"]*""#, options: .regularExpression) {
                        list.removeSubrange(product)
                    }
                    dependencies = Set(quoted(Substring(list)).filter { !$0.isEmpty && !$0.contains(",") })
                }
                targets[name] = (dependencies, kind == ".testTarget(")
            }
        }
        return targets
    }

    /// The rows of the document's target tables: name, the names in its
    /// "depends on" cell.
    static func documentedTargets() throws -> (rows: [String: Set<String>], drawing: String) {
        let document = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        var rows: [String: Set<String>] = [:]
        var dependsColumn = 0
        for line in document.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if let column = cells.firstIndex(of: "depends on") { dependsColumn = column; continue }
            guard cells.count > dependsColumn, cells[0].hasPrefix("`"), cells[0].hasSuffix("`") else { continue }
            let name = String(cells[0].dropFirst().dropLast())
            let names = cells[dependsColumn].split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            rows[name] = Set(names)
        }
        let drawing = document.components(separatedBy: "```").dropFirst().first ?? ""
        return (rows, drawing)
    }

    @Test func everyTargetOfThePackageIsDrawnWithItsDependencies() throws {
        let targets = try Self.packageTargets()
        let (rows, drawing) = try Self.documentedTargets()
        #expect(targets.count > 45, "Package.swift parsed to \(targets.count) targets")
        let missing = Set(targets.keys).subtracting(rows.keys).sorted()
        let unknown = Set(rows.keys).subtracting(targets.keys).sorted()
        #expect(missing.isEmpty, "missing from the document: \(missing)")
        #expect(unknown.isEmpty, "in the document, not in Package.swift: \(unknown)")
        for (name, target) in targets {
            let documented = rows[name]?.sorted() ?? []
            #expect(rows[name] == target.dependencies,
                    "\(name): the document says \(documented), Package.swift \(target.dependencies.sorted())")
            if !target.test {
                #expect(drawing.contains(name), "the drawing leaves out \(name)")
            }
        }
    }
}
