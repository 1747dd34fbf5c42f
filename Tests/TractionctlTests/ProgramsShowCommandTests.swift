import Foundation
import Testing
import TractionDevice
import TractionTherapy

@Suite("tractionctl programs show")
struct ProgramsShowCommandTests {
    struct ShowJSON: Decodable {
        struct Limit: Decodable {
            var newtons: Double
            var source: String
        }
        struct Segment: Decodable {
            var start: Double
            var duration: Double
        }
        var program: String
        var totalSeconds: Double
        var total: String
        var effectiveLimit: Limit
        var segments: [Segment]
    }

    static func show(_ arguments: [String]) throws -> (TractionctlRunner.Result, ShowJSON?) {
        let result = try TractionctlRunner.run(["programs", "show"] + arguments + ["--json"])
        let decoded = try? JSONDecoder().decode(ShowJSON.self, from: Data(result.standardOutput.utf8))
        return (result, decoded)
    }

    /// Plays the program through the planner on a virtual clock until it
    /// finishes and returns the time played.
    static func playedSeconds(of file: String, weight: Double) throws -> Double {
        let text = try String(contentsOf: TractionctlRunner.packageRoot.appendingPathComponent(file), encoding: .utf8)
        let program = try ProgramValidator.validate(text: text, file: file).get()
        let plan = try SessionPlan(program: program,
                                   patient: PatientParameters(weight: Kilograms(weight), region: program.program.region))
        let start = MonotonicInstant.origin
        var state = PlannerState(plan: plan, startingAt: start)
        var now = start
        while !state.isFinished {
            now = now + Seconds(0.01)
            _ = state.advance(to: now)
        }
        return ((state.finishedAt ?? now) - start).value
    }

    @Test(arguments: TractionctlRunner.shippedPrograms())
    func showTotalsAgreeWithWhatThePlannerPlays(_ file: String) throws {
        let (result, report) = try Self.show([file, "--weight", "80"])
        #expect(result.status == 0, "\(result.standardError)")
        let shown = try #require(report)
        let played = try Self.playedSeconds(of: file, weight: 80)
        #expect(abs(shown.totalSeconds - played) < 1e-6, "show says \(shown.totalSeconds) s, the planner played \(played) s")
        let lastSegment = try #require(shown.segments.last)
        #expect(abs(lastSegment.start + lastSegment.duration - played) < 1e-6)
        let text = try TractionctlRunner.run(["programs", "show", file, "--weight", "80"])
        #expect(text.standardOutput.contains("Total session time \(shown.total)"))
    }

    @Test func showNamesTheCapThatSetsTheLimit() throws {
        let file = "Config/programs/lumbar-intermittent-standard.yaml"
        let (_, heavy) = try Self.show([file, "--weight", "100"])
        #expect(heavy?.effectiveLimit.source == "program_maximum")
        #expect(heavy?.effectiveLimit.newtons == 450)
        let (_, first) = try Self.show([file, "--weight", "80", "--first-session"])
        #expect(first?.effectiveLimit.source == "first_session")
        let text = try TractionctlRunner.run(["programs", "show", file, "--weight", "50"])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("set by the patient body-weight fraction"))
        #expect(text.standardOutput.contains("(limited)"))
    }

    @Test func showPrintsForcesInNewtonsAndTheChosenMassUnit() throws {
        let file = "Config/programs/cervical-intermittent-flexion.yaml"
        let kilograms = try TractionctlRunner.run(["programs", "show", file, "--weight", "75"])
        #expect(kilograms.standardOutput.contains("100 N (10.2 kg)"))
        #expect(kilograms.standardOutput.contains("flexion 20.0°"))
        let pounds = try TractionctlRunner.run(["programs", "show", file, "--weight", "75", "--units", "lb"])
        #expect(pounds.standardOutput.contains("100 N (22.5 lb)"))
    }

    @Test func aRegionThatIsNotTheProgramsIsRefused() throws {
        let result = try TractionctlRunner.run(["programs", "show", "Config/programs/demo.yaml",
                                                "--weight", "80", "--region", "cervical"])
        #expect(result.status == 65)
        #expect(result.standardError.contains("the program treats the lumbar region but the patient's region is cervical"))
    }

    @Test func anInvalidProgramIsNotShown() throws {
        let result = try TractionctlRunner.run(["programs", "show",
                                                "Tests/TractionTherapyTests/Fixtures/invalid/missing-unit.yaml",
                                                "--weight", "80"])
        #expect(result.status == 65)
        #expect(result.standardError.contains("[MISSING_UNIT]"))
    }

    @Test func missingOrBadArgumentsAreUsageErrors() throws {
        #expect(try TractionctlRunner.run(["programs", "show", "Config/programs/demo.yaml"]).status == 64)
        #expect(try TractionctlRunner.run(["programs", "show", "Config/programs/demo.yaml", "--weight", "-3"]).status == 64)
        #expect(try TractionctlRunner.run(["programs", "show", "Config/programs/demo.yaml", "--weight", "80",
                                           "--units", "stone"]).status == 64)
    }
}
