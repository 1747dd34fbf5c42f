import Foundation
import Testing

/// `tractionctl replay` run as a technician would, on the real binary.
@Suite("tractionctl replay")
struct ReplayCommandTests {
    struct Report: Decodable {
        struct Alarm: Decodable { var code: String; var priority: String }
        struct Phase: Decodable { var phase: Int; var holdRmsErrorPercent: Double?; var meetsTrackingGoals: Bool? }
        var program: String
        var simulated: Bool
        var sessionEnd: String
        var finalState: String
        var plannedDurationSeconds: Double
        var sessionDurationSeconds: Double
        var alarms: [Alarm]
        var phases: [Phase]
    }

    func report(_ arguments: [String]) throws -> (Int32, Report?) {
        let result = try TractionctlRunner.run(["replay"] + arguments + ["--json"])
        let report = try? JSONDecoder().decode(Report.self, from: Data(result.standardOutput.utf8))
        return (result.status, report)
    }

    @Test func theDemoPlaysToItsEndWithinTheTrackingGoals() throws {
        let (status, decoded) = try report(["Config/programs/demo.yaml", "--weight", "75", "--calm"])
        let report = try #require(decoded)
        #expect(status == 0)
        #expect(report.simulated)
        #expect(report.sessionEnd == "completed")
        #expect(report.finalState == "ready")
        #expect(report.alarms.isEmpty)
        #expect(abs(report.sessionDurationSeconds - report.plannedDurationSeconds) < 0.05)
        #expect(report.phases.contains { $0.meetsTrackingGoals == true })
    }

    @Test func aPatientSwitchPressIsReportedAsAHighAlarmAndEndsTheSession() throws {
        let (_, decoded) = try report(["Config/programs/demo.yaml", "--weight", "75", "--faults", "20s:patient-switch"])
        let report = try #require(decoded)
        #expect(report.sessionEnd == "interrupted")
        #expect(report.finalState == "emergency")
        #expect(report.alarms.contains { $0.code == "PATIENT_RELEASE" && $0.priority == "high" })
    }

    @Test func theChartIsAnSvgFile() throws {
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID()).svg")
        defer { try? FileManager.default.removeItem(at: chart) }
        let result = try TractionctlRunner.run(["replay", "Config/programs/demo.yaml", "--weight", "75",
                                                "--chart", chart.path])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("SIMULATED replay of demo"))
        let svg = try String(contentsOf: chart, encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("id=\"measured-force\""))
    }

    @Test func aMalformedFaultSpecIsAUsageErrorThatNamesTheItem() throws {
        let result = try TractionctlRunner.run(["replay", "Config/programs/demo.yaml", "--weight", "75",
                                                "--faults", "30s:patient-switch,40:estop"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("fault spec item 2 \"40:estop\""))
    }

    @Test func aFaultTimeNoReplayCouldReachIsAUsageErrorNotACrash() throws {
        for spec in ["20s:estop,1e300s:patient-switch", "20s:stuck-sensor/1e20min"] {
            let result = try TractionctlRunner.run(["replay", "Config/programs/demo.yaml", "--weight", "75",
                                                    "--faults", spec])
            #expect(result.status == 64, "\(spec): \(result.standardError)")
            #expect(result.standardError.contains("times and durations are at most 86400 s"), "\(spec)")
        }
    }

    @Test func aRateBelow250HzIsAUsageErrorThatSaysWhy() throws {
        let result = try TractionctlRunner.run(["replay", "Config/programs/demo.yaml", "--weight", "75", "--rate", "249"])
        #expect(result.status == 64)
        #expect(result.standardError.contains(
            "--rate 249 refused: must be from 250 to 1000 Hz (the safety kernel needs a tick of at most 4 ms)."))
    }
}
