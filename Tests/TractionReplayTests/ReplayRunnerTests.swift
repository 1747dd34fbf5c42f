import Foundation
import Testing
import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy
@testable import TractionReplay

/// Locates the shipped programs from this file's path.
enum ShippedPrograms {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config/programs")

    static var files: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "yaml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The therapy limits of the default engine adapted to the default simulated table.
    static let limits = EngineConfiguration().adapted(to: PlantConfiguration().identity).therapyLimits

    static func plan(_ name: String, weight: Double, firstSession: Bool = false) throws -> SessionPlan {
        let url = directory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let program = try ProgramValidator.validate(text: text, file: url.lastPathComponent, limits: limits).get()
        return try SessionPlan(program: program,
                               patient: TractionTherapy.PatientParameters(weight: Kilograms(weight),
                                                                          region: program.program.region,
                                                                          firstSession: firstSession))
    }
}

@Suite struct ReplayRunnerTests {
    @Test func theDemoProgramPlaysToTheEndAndReleasesToZero() throws {
        let plan = try ShippedPrograms.plan("demo.yaml", weight: 75)
        let result = ReplayRunner.run(ReplayRequest(plan: plan, seed: 7))
        let report = result.report
        print(report)
        #expect(report.sessionEnd == "completed")
        #expect(report.finalState == "ready")
        #expect(report.finalForceNewtons < 15)
        #expect(report.alarms.isEmpty)
        #expect(abs(report.sessionDurationSeconds - report.plannedDurationSeconds) < 0.05)
    }
}
