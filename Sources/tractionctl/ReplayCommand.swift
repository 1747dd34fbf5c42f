import ArgumentParser
import Foundation
import TractionDevice
import TractionEngine
import TractionPlant
import TractionReplay
import TractionTherapy

/// `tractionctl replay PROGRAM --weight KG [--seed N] [--faults SPEC] [--chart FILE.svg] [--json]`
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a program against the simulated table on a virtual clock.",
        discussion: """
            The program runs through the same engine as a real session (safety kernel, \
            planner, controllers), against the table-and-patient model, as fast as the CPU \
            allows. The report gives, per phase, the target and achieved force, the hold RMS \
            error, the overshoot and the time to reach the hold, then the alarms and the \
            duration. Everything is SIMULATED.

            Fault spec (docs/replay.md): TIME:FAULT[=VALUE][/DURATION], comma-separated, \
            e.g. 30s:patient-switch,45s:cough=80N,2min:stuck-sensor/10s.
            Faults: \(FaultSpecParser.faultNames.joined(separator: ", ")).

            Action spec: TIME:ACTION[=VALUE], comma-separated, what a clinician did, \
            e.g. 60s:pause,2min:resume,3min:adjust=150N,5min:stop.
            Actions: \(OperatorActionSpecParser.actionNames.joined(separator: ", ")).
            """
    )

    @Argument(help: "The program file.")
    var program: String

    @Option(help: "Patient body weight in kilograms.")
    var weight: Double

    @Option(help: "Treatment region; must match the program's. Defaults to the program's.")
    var region: TreatmentRegion?

    @Flag(help: "The patient's first session: the first-session cap applies.")
    var firstSession = false

    @Option(help: "Seed of the simulated patient's disturbances and sensor noise.")
    var seed: UInt64 = 1

    @Option(help: "Control loop rate in Hz (250-1000).")
    var rate: Double = 250

    @Option(help: "Faults and disturbances to inject (see above).")
    var faults: String?

    @Option(help: "Operator actions to replay (see above).")
    var actions: String?

    @Flag(help: "A calm patient: no random coughs, shifts or tensing.")
    var calm = false

    @Option(help: "Write an SVG chart of target and measured force, angles, phases and alarms.")
    var chart: String?

    @Option(help: "Unit shown beside newtons: kg or lb.")
    var units: DisplayMassUnit = .kg

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard weight.isFinite, weight > 0 else { throw ValidationError("--weight must be a positive number of kilograms.") }
        guard EngineConfiguration.allowedRates.contains(rate) else {
            throw ValidationError("--rate \(EngineConfiguration.rateText(rate)) refused: "
                                  + EngineConfiguration.allowedRatesRule + ".")
        }
        if let faults {
            let schedule: [ScheduledFault]
            do { schedule = try FaultSpecParser.parse(faults) } catch { throw ValidationError(error.description) }
            // A time the replay could never reach (1e300s) would only reach
            // the report's whole-number arithmetic; refused here, where it was typed.
            for (index, item) in schedule.enumerated()
            where item.at > Self.latestFaultTime || (item.duration ?? .zero) > Self.latestFaultTime {
                throw ValidationError("fault spec item \(index + 1): times and durations are at most "
                                      + "\(Int(Self.latestFaultTime.value)) s (a day; no session lasts that long)")
            }
        }
        if let actions {
            do { _ = try OperatorActionSpecParser.parse(actions) } catch { throw ValidationError(error.description) }
        }
    }

    /// Longer than any session (at most 2 h, docs/configuration.md), and
    /// small enough that every time converts exactly.
    static let latestFaultTime = Seconds(86_400)

    func run() throws {
        let input = ProgramFiles(paths: [program])
        for unreadable in input.unreadable { printError("\(unreadable.path.visible): error: \(unreadable.reason)") }
        guard let source = input.sources.first, input.unreadable.isEmpty else { throw ExitStatus.noInput }

        // Programs are validated against the limits of the table they will
        // run on: the default engine adapted to the simulated table.
        var plantConfiguration = PlantConfiguration(seed: seed)
        let engine = EngineConfiguration(rateHertz: rate).adapted(to: plantConfiguration.identity)
        let validated: ValidatedProgram
        switch ProgramValidator.validate(source, limits: engine.therapyLimits) {
        case .success(let program): validated = program
        case .failure(let diagnostics):
            for diagnostic in diagnostics.diagnostics { printError(diagnostic.description.visible) }
            throw ExitStatus.dataError
        }
        let patient = PatientParameters(weight: Kilograms(weight), region: region ?? validated.program.region,
                                        firstSession: firstSession)
        let plan: SessionPlan
        do { plan = try SessionPlan(program: validated, patient: patient) } catch {
            printError("\(source.path.visible): error: \(error)")
            throw ExitStatus.dataError
        }
        plantConfiguration.patient = SimulatedPatient(bodyMass: Kilograms(weight), region: patient.region)
        if calm { plantConfiguration.disturbances = .none }
        let request = ReplayRequest(
            plan: plan, seed: seed, rateHertz: rate,
            faults: try faults.map { try FaultSpecParser.parse($0) } ?? [],
            operatorActions: try actions.map { try OperatorActionSpecParser.parse($0) } ?? [],
            engine: engine, plant: plantConfiguration)

        let showProgress = !output.json && isatty(STDERR_FILENO) == 1
        let progress: ((Double) -> Void)? = showProgress ? { Self.drawProgress($0) } : nil
        let result = ReplayRunner.run(request, progress: progress)
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

        if let chart {
            do {
                try ForceChart.svg(result.chart).write(toFile: chart, atomically: true, encoding: .utf8)
            } catch {
                printError("\(chart): error: cannot write the chart: \(error.localizedDescription)")
                throw ExitCode(73)
            }
        }
        if output.json {
            try JSONOutput.print(result.report)
        } else {
            print(ReplayText.render(result.report, units: units, chart: chart))
        }
    }

    /// A one-line progress bar on standard error (a terminal only).
    static func drawProgress(_ fraction: Double) {
        let width = 30
        let filled = min(width, max(0, Int(saturatingRounded: fraction * Double(width))))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\rreplaying [\(bar)] \(Int(saturating: fraction * 100))%".utf8))
    }
}

/// The replay report for people.
enum ReplayText {
    static func render(_ report: ReplayReport, units: DisplayMassUnit, chart: String?) -> String {
        var lines: [String] = []
        lines.append("SIMULATED replay of \(report.program.visible): \(report.region), "
            + "\(DisplayMassUnit.number(report.weightKilograms, decimals: 1)) kg, seed \(report.seed), "
            + "\(DisplayMassUnit.number(report.rateHertz, decimals: 0)) Hz")
        lines.append("Effective limit: \(units.format(Newtons(report.effectiveLimitNewtons))) (\(report.limitSource))"
            + (report.confirmationRequired ? "; a clinician would have to confirm this force" : ""))
        lines.append("")
        lines.append(pad("phase", 24) + pad("target", 20) + pad("achieved", 20) + pad("hold RMS", 16)
            + pad("overshoot", 18) + pad("to hold", 10) + "angles")
        for phase in report.phases {
            let name = phase.phase == 0 ? "release" : "\(phase.phase). \(phase.name.visible)"
            let target = phase.targetHoldNewtons.map { units.format(Newtons($0)) } ?? "-"
            let achieved = phase.achievedHoldNewtons.map { units.format(Newtons($0)) } ?? "-"
            let rms = phase.holdRmsErrorNewtons.map {
                "\(DisplayMassUnit.number($0, decimals: 2)) N \(DisplayMassUnit.number(phase.holdRmsErrorPercent ?? 0, decimals: 2))%"
            } ?? "-"
            let overshoot = phase.overshootNewtons.map {
                "\(DisplayMassUnit.number($0, decimals: 1)) N \(DisplayMassUnit.number(phase.overshootPercent ?? 0, decimals: 1))%"
            } ?? "-"
            let toHold = phase.timeToHoldFirstSeconds.map { "\(DisplayMassUnit.number($0, decimals: 1)) s" } ?? "-"
            let angles = Angles(flexion: Degrees(phase.flexionDegrees), lateralTilt: Degrees(phase.lateralTiltDegrees),
                                rotation: Degrees(phase.rotationDegrees)).shortDescription
            let verdict = phase.meetsTrackingGoals.map { $0 ? "" : "  (tracking goal NOT met)" } ?? ""
            lines.append(pad(name, 24) + pad(target, 20) + pad(achieved, 20) + pad(rms, 16) + pad(overshoot, 18)
                + pad(toHold, 10) + angles + verdict)
        }
        lines.append("")
        if report.alarms.isEmpty {
            lines.append("Alarms: none")
        } else {
            lines.append("Alarms:")
            for alarm in report.alarms {
                let ended = alarm.endedSeconds.map { "ended \(clock($0))" } ?? "still active"
                lines.append("  \(clock(alarm.raisedSeconds))  \(alarm.code) (\(alarm.priority)), \(ended)")
            }
        }
        if !report.faults.isEmpty { lines.append("Injected: \(report.faults.joined(separator: ", "))") }
        if !report.actions.isEmpty {
            lines.append("Actions:")
            for action in report.actions {
                lines.append("  \(clock(action.atSeconds))  \(action.action): \(action.outcome) "
                    + "(at \(units.format(Newtons(action.measuredForceNewtons))))")
            }
        }
        lines.append("Session: \(report.sessionEnd.replacingOccurrences(of: "_", with: " ")) after "
            + "\(clock(report.sessionDurationSeconds)) (planned \(clock(report.plannedDurationSeconds))); "
            + "table \(report.finalState), \(units.format(Newtons(max(0, report.finalForceNewtons)))) left; "
            + "peak \(units.format(Newtons(report.peakForceNewtons))) measured, "
            + "\(units.format(Newtons(report.truePeakForceNewtons))) true")
        if let chart { lines.append("Chart: \(chart)") }
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// m:ss, with tenths below a minute's precision when useful.
    static func clock(_ seconds: Double) -> String {
        let total = Int(saturating: seconds.rounded(.down))
        let tenths = Int(saturating: ((seconds - Double(total)) * 10).rounded(.down))
        let remainder = total % 60
        return "\(total / 60):\(remainder < 10 ? "0" : "")\(remainder).\(tenths)"
    }
}
