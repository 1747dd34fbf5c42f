import Foundation
import Testing

@Suite("tractionctl programs validate")
struct ProgramsValidateCommandTests {
    @Test func everyShippedProgramValidatesAndTheExitStatusIsZero() throws {
        let shipped = TractionctlRunner.shippedPrograms()
        #expect(shipped.count >= 8)
        let result = try TractionctlRunner.run(["programs", "validate"] + shipped)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        for file in shipped { #expect(result.standardOutput.contains("\(file): ok")) }
    }

    @Test func aDirectoryIsValidatedAsOneLibrary() throws {
        let result = try TractionctlRunner.run(["programs", "validate", "Config/programs"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("\(TractionctlRunner.shippedPrograms().count) file(s) checked: 0 invalid"))
    }

    @Test(arguments: TractionctlRunner.brokenFixtures())
    func brokenFileGetsEachPreciseErrorAndExitStatus65(_ file: String) throws {
        let result = try TractionctlRunner.run(["programs", "validate", file])
        #expect(result.status == 65)
        let expected = TractionctlRunner.expectations(in: file)
        #expect(!expected.isEmpty)
        for expectation in expected {
            let prefix = "\(file):\(expectation.position): error: \(expectation.field):"
            let line = result.standardOutput.split(separator: "\n").first { $0.hasPrefix(prefix) }
            #expect(line != nil, "missing \(prefix) in\n\(result.standardOutput)")
            #expect(line?.hasSuffix("[\(expectation.code)]") == true)
        }
    }

    @Test func manyFilesAtOnceReportEveryBrokenOneAndFail() throws {
        let files = TractionctlRunner.shippedPrograms() + TractionctlRunner.brokenFixtures()
        let result = try TractionctlRunner.run(["programs", "validate"] + files)
        #expect(result.status == 65)
        #expect(result.standardOutput.contains(
            "\(files.count) file(s) checked: \(TractionctlRunner.brokenFixtures().count) invalid"))
    }

    @Test func duplicateNamesAcrossFilesFail() throws {
        let result = try TractionctlRunner.run(["programs", "validate", "Tests/TractionTherapyTests/Fixtures/duplicates"])
        #expect(result.status == 65)
        #expect(result.standardOutput.contains("two.yaml:2:7: error: name: the name is already used by the program at"))
        #expect(result.standardOutput.contains("[DUPLICATE_PROGRAM_NAME]"))
    }

    @Test func jsonOutputCarriesEveryDiagnosticField() throws {
        let file = "Tests/TractionTherapyTests/Fixtures/invalid/missing-unit.yaml"
        let result = try TractionctlRunner.run(["programs", "validate", "--json", file])
        #expect(result.status == 65)
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false)
        let files = report?["files"] as? [[String: Any]]
        let diagnostics = files?.first?["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.count == 2)
        let first = diagnostics.first ?? [:]
        #expect(first["code"] as? String == "MISSING_UNIT")
        #expect(first["field"] as? String == "limits.body_weight_fraction")
        #expect(first["value"] as? String == "0.5")
        #expect((first["allowed"] as? String)?.isEmpty == false)
        let location = first["location"] as? [String: Any]
        #expect(location?["line"] as? Int == 5)
        #expect(location?["column"] as? Int == 25)
    }

    @Test func jsonForValidFilesSaysValid() throws {
        let result = try TractionctlRunner.run(["programs", "validate", "--json", "Config/programs/demo.yaml"])
        #expect(result.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == true)
    }

    @Test func aMissingFileExitsWithNoInput() throws {
        let result = try TractionctlRunner.run(["programs", "validate", "Config/programs/no-such-program.yaml"])
        #expect(result.status == 66)
        #expect(result.standardError.contains("no-such-program.yaml: error: no such file or directory"))
    }

    @Test func noFilesIsAUsageError() throws {
        let result = try TractionctlRunner.run(["programs", "validate"])
        #expect(result.status == 64)
    }

    @Test func helpListsTheProgramsSubcommands() throws {
        let root = try TractionctlRunner.run(["--help"])
        #expect(root.status == 0)
        #expect(root.standardOutput.contains("programs"))
        let programs = try TractionctlRunner.run(["programs", "--help"])
        #expect(programs.standardOutput.contains("validate"))
        #expect(programs.standardOutput.contains("show"))
    }
}
