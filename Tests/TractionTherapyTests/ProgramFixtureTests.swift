import Foundation
import Testing
import TractionDevice
@testable import TractionTherapy

/// Broken fixtures carry their expected diagnostics as trailing comments:
/// `# expect: CODE LINE:COLUMN FIELD`. Each file must report exactly those.
@Suite("Program fixtures and shipped programs")
struct ProgramFixtureTests {
    struct Expected: Hashable, CustomStringConvertible {
        var code: String
        var line: Int
        var column: Int
        var field: String
        var description: String { "\(code) \(line):\(column) \(field)" }
    }

    static func expectations(in text: String) -> [Expected] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# expect: ") else { return nil }
            let parts = line.dropFirst("# expect: ".count).split(separator: " ", maxSplits: 2)
            guard parts.count == 3 else { return nil }
            let position = parts[1].split(separator: ":")
            return Expected(code: String(parts[0]), line: Int(position[0]) ?? 0, column: Int(position[1]) ?? 0,
                            field: String(parts[2]))
        }
    }

    static let brokenFiles = TestFiles.yamlFiles(in: TestFiles.fixtures.appendingPathComponent("invalid"))

    @Test func everyBrokenFixtureDeclaresWhatItExpects() {
        #expect(Self.brokenFiles.count >= 15)
        for file in Self.brokenFiles {
            #expect(!Self.expectations(in: TestFiles.text(of: file)).isEmpty, "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: brokenFiles)
    func brokenFixtureReportsExactlyItsMistakesWithLineAndColumn(_ file: URL) {
        let text = TestFiles.text(of: file)
        let found = diagnostics(of: text, file: file.lastPathComponent)
        let expected = Self.expectations(in: text)
        let actual = found.map {
            Expected(code: $0.code.rawValue, line: $0.location.line, column: $0.location.column, field: $0.field)
        }
        #expect(Set(actual) == Set(expected), "\(file.lastPathComponent):\n\(found.map(\.description).joined(separator: "\n"))")
        for diagnostic in found {
            #expect(diagnostic.location.file == file.lastPathComponent)
            #expect(!diagnostic.allowed.isEmpty, "every diagnostic says what is allowed: \(diagnostic)")
            #expect(!diagnostic.message.isEmpty)
        }
    }

    @Test func aFileWithSeveralMistakesReportsAllOfThem() {
        let file = TestFiles.fixtures.appendingPathComponent("invalid/several-mistakes.yaml")
        let found = diagnostics(of: TestFiles.text(of: file))
        #expect(found.count >= 9)
        #expect(Set(found.map(\.code)).count >= 6)
    }

    @Test func diagnosticTextCarriesFileLineColumnFieldValueAndAllowed() throws {
        let found = diagnostics(of: "name: x\nregion: lumbar\nlimits:\n  body_weight_fraction: 50 %\n  maximum_force: 400 N\nphases:\n  - mode: static\n    hold_force: 300\n    hold_time: 1 min\n", file: "p.yaml")
        let first = try #require(found.first)
        #expect(found.count == 1)
        #expect(first.description.hasPrefix("p.yaml:8:17: error: phases[1].hold_force: the unit is missing"))
        #expect(first.description.contains("found \"300\""))
        #expect(first.description.contains("allowed: a number followed by a unit: N"))
    }

    static let shippedFiles = TestFiles.yamlFiles(in: TestFiles.shippedPrograms)

    @Test func atLeastEightProgramsShipIncludingTheDemo() {
        let names = Self.shippedFiles.map(\.lastPathComponent)
        #expect(names.count >= 8)
        #expect(names.contains("demo.yaml"))
    }

    @Test(arguments: shippedFiles)
    func shippedProgramValidatesAndStartsWithAPurposeComment(_ file: URL) throws {
        let text = TestFiles.text(of: file)
        #expect(text.hasPrefix("# "), "each shipped program opens with a comment on what it is for")
        #expect(text.contains("When to use"), "each shipped program says when to use it")
        _ = try validProgram(text, file: file.lastPathComponent)
    }

    @Test func shippedLibraryHasNoDuplicateNames() {
        let library = ProgramLibrary(files: Self.shippedFiles.map {
            ProgramLibrary.SourceFile(path: $0.lastPathComponent, text: TestFiles.text(of: $0))
        })
        #expect(library.isValid, "\(library.diagnostics)")
        #expect(library.programs.count == Self.shippedFiles.count)
    }

    @Test func shippedProgramsUseTheFieldsPlausibleNumbers() throws {
        for file in Self.shippedFiles {
            let validated = try validProgram(TestFiles.text(of: file))
            let program = validated.program
            let plan = try SessionPlan(program: validated, patient: PatientParameters(weight: 80, region: program.region))
            if file.lastPathComponent == "demo.yaml" {
                #expect(abs(plan.totalDuration.value - 60) <= 10, "the demo lasts about a minute")
            } else if program.region == .lumbar {
                #expect((600...1800).contains(plan.totalDuration.value), "\(program.name): lumbar sessions last 10-30 min")
                for phase in program.phases {
                    #expect(phase.peakHoldForce <= Kilograms(80).weight * 0.5, "\(program.name): at most 50 % BW")
                }
            } else {
                for phase in program.phases {
                    #expect((50...150).contains(phase.peakHoldForce.value), "\(program.name): cervical 50-150 N")
                    #expect((15...25).contains(phase.angles.flexion.value), "\(program.name): 15-25° flexion")
                }
            }
        }
    }

    @Test func duplicateNamesAcrossALibraryAreAnErrorPointingAtBothFiles() throws {
        let directory = TestFiles.fixtures.appendingPathComponent("duplicates")
        let files = TestFiles.yamlFiles(in: directory).map {
            ProgramLibrary.SourceFile(path: $0.lastPathComponent, text: TestFiles.text(of: $0))
        }
        let library = ProgramLibrary(files: files)
        #expect(!library.isValid)
        let duplicate = try #require(library.diagnostics.first)
        #expect(library.diagnostics.count == 1)
        #expect(duplicate.code == .duplicateProgramName)
        #expect(duplicate.location == SourceLocation(file: "two.yaml", line: 2, column: 7))
        #expect(duplicate.message.contains("one.yaml:2:7"))
        #expect(library.programs.count == 1)
    }
}
