import ArgumentParser
import Foundation
import TractionControlClient
import TractionControlProtocol
import TractionDevice
import TractionTherapy

/// `tractionctl start PROGRAM --patient REF --weight KG [--region R] [--max-force N] [--first-session] [--yes]`
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Plan a session, show it, confirm it if needed, then arm and start it.",
        discussion: """
            The daemon plans the session first (session.preview) and tractionctl shows the \
            plan: total time, peak force, the effective force limit and which cap set it. \
            When the plan needs a clinician's confirmation (its peak is above the \
            confirmation threshold, or the first-session cap reduced it), tractionctl asks \
            on the terminal; without a terminal it refuses unless --yes is given. Then it \
            arms and starts the session. If the start is refused (for example the harness \
            is open), the armed session is cancelled and nothing pulls.

            PROGRAM is a program name the daemon knows (tractionctl programs list) or a \
            local .yaml file, whose text is sent to the daemon (the daemon never opens a \
            path a client names).
            """
    )

    @Argument(help: ArgumentHelp("A program name the daemon knows, or a local .yaml file.", valueName: "program"))
    var program: String

    @Option(help: ArgumentHelp("The patient's pseudonymous reference (1-64 of A-Z a-z 0-9 - _ . : /; never a name).",
                               valueName: "ref"))
    var patient: String

    @Option(help: ArgumentHelp("The patient's body weight in kilograms.", valueName: "kg"))
    var weight: Double

    @Option(help: "Treatment region; must be the program's (values: lumbar, cervical).")
    var region: TreatmentRegion?

    @Option(name: .customLong("max-force"), help: ArgumentHelp(
        "Your own cap for this session in newtons; the smallest cap is the limit.", valueName: "newtons"))
    var maxForce: Double?

    @Flag(help: "The patient's first session: the first-session cap applies.")
    var firstSession = false

    @Flag(name: [.customShort("y"), .long], help: """
        Confirm a plan that needs confirmation without asking (for scripts). The daemon still \
        checks the plan and every condition.
        """)
    var yes = false

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        guard PatientParams.isValidReference(patient) else {
            throw ValidationError("--patient must be 1 to 64 characters from A-Z a-z 0-9 - _ . : / (no spaces; never a name).")
        }
        guard weight.isFinite, weight > 0 else { throw ValidationError("--weight must be a positive number of kilograms.") }
        if let maxForce, !(maxForce.isFinite && maxForce > 0) {
            throw ValidationError("--max-force must be a positive number of newtons.")
        }
    }

    /// A path or a .yaml/.yml name is a local file; anything else is the daemon's name.
    var isLocalFile: Bool {
        program.contains("/") || program.hasSuffix(".yaml") || program.hasSuffix(".yml")
    }

    func armParams() throws -> ArmParams {
        let patientParams = PatientParams(reference: patient, weightKg: weight, region: region?.rawValue,
                                          firstSession: firstSession ? true : nil)
        guard isLocalFile else { return ArmParams(program: program, patient: patientParams, maxForceN: maxForce) }
        guard let data = FileManager.default.contents(atPath: program) else {
            printError("tractionctl: \(program): cannot be read (no such file, or no permission) [NO_INPUT]")
            throw ExitStatus.noInput
        }
        return ArmParams(programText: String(decoding: data, as: UTF8.self), patient: patientParams, maxForceN: maxForce)
    }

    func run() throws {
        let params = try armParams()
        let paramsValue = ControlJSON.value(params)
        let style = Style.current
        let outcome = try daemon.run(refusal: "the session was not started") { client throws(ControlClientError) in
            let preview = try client.request(.sessionPreview, params: paramsValue, as: PlanResult.self)
            if !daemon.json { print(PlanText.render(preview, style: style)) }
            var confirm = false
            if preview.confirmationRequired {
                if yes {
                    confirm = true
                    if !daemon.json { print("Confirmed with --yes.") }
                } else if Terminal.current.standardInputIsTerminal && !daemon.json {
                    guard Self.askForConfirmation(preview) else { return (preview, nil as JSONValue?) }
                    confirm = true
                } else {
                    throw .daemon(ControlError(.confirmationRequired, "the plan needs a clinician's confirmation",
                                               data: ["peak_n": .number(preview.peakN),
                                                      "threshold_n": .number(preview.confirmationThresholdN)]))
                }
            }
            let armed = try client.request(.sessionArm, params: paramsValue, as: PlanResult.self)
            guard Self.samePlan(armed, preview) else {
                _ = try? client.request(.sessionStop)
                throw .daemon(ControlError(.planRefused, "the plan changed between the preview and arming "
                    + "(was the daemon's configuration reloaded?); nothing was started, run the command again"))
            }
            do throws(ControlClientError) {
                let started = try client.request(.sessionStart, params: ControlJSON.value(StartParams(confirm: confirm)))
                return (armed, started)
            } catch {
                // Leave nothing armed behind a refusal: the table goes back to ready.
                _ = try? client.request(.sessionStop)
                throw error
            }
        }
        guard let started = outcome.1 else {
            print("Not confirmed: nothing was armed.")
            throw ExitStatus.refused
        }
        if daemon.json {
            return JSONText.print(.object(["plan": ControlJSON.value(outcome.0), "start": started]))
        }
        print("Started: \(outcome.0.program) for \(outcome.0.patient) is \(style.state(started["state"]?.stringValue ?? "treating")). "
              + "Watch with `tractionctl watch`, pause with `tractionctl pause`, stop with `tractionctl stop`.")
    }

    static func samePlan(_ armed: PlanResult, _ preview: PlanResult) -> Bool {
        abs(armed.effectiveLimitN - preview.effectiveLimitN) < 1e-6 && abs(armed.peakN - preview.peakN) < 1e-6
            && abs(armed.totalS - preview.totalS) < 1e-6 && armed.confirmationRequired == preview.confirmationRequired
    }

    static func askForConfirmation(_ plan: PlanResult) -> Bool {
        writeOutput("Start this session with a peak of \(Units.force(plan.peakN))? Type yes to confirm: ")
        guard let answer = readLine() else { return false }
        return ["yes", "y"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}

/// The plan for people, before anything pulls.
enum PlanText {
    static func render(_ plan: PlanResult, style: Style) -> String {
        var lines: [String] = []
        lines.append(StatusText.field("Program", "\(plan.program) for \(plan.patient) (\(plan.region)), "
            + "\(Units.clock(plan.totalS)) in all"))
        lines.append(StatusText.field("Peak", Units.force(plan.peakN)))
        lines.append(StatusText.field("Limit", style.bold(Units.force(plan.effectiveLimitN))
            + ", set by \(Units.limitSource(plan.limitSource))"))
        let caps = plan.limits.map { "\(Units.limitSource($0.source)) \(Units.shortForce($0.forceN))" }
        if !caps.isEmpty { lines.append(StatusText.field("", "caps: \(caps.joined(separator: "; "))")) }
        lines.append(StatusText.field("Confirm", plan.confirmationRequired
            ? style.yellow("REQUIRED") + ": the plan's peak \(Units.force(plan.peakN)) is above the threshold "
                + "\(Units.force(plan.confirmationThresholdN))" + (plan.limitSource == "first_session" ? ", or the first-session cap reduced it" : "")
            : "not needed (threshold \(Units.force(plan.confirmationThresholdN)))"))
        lines.append(StatusText.field("Phases", ""))
        for group in phaseGroups(plan.phases) {
            let name = group.phase.map { "\($0)" } ?? "release"
            let activities = group.activities.map(Units.words).joined(separator: ", ")
            lines.append("  " + name.padding(toLength: 8, withPad: " ", startingAt: 0)
                + "\(Units.clock(group.start))-\(Units.clock(group.end))".padding(toLength: 13, withPad: " ", startingAt: 0)
                + "\(Units.shortForce(group.lowest)) to \(Units.shortForce(group.highest))".padding(toLength: 18, withPad: " ", startingAt: 0)
                + activities)
        }
        return lines.joined(separator: "\n")
    }

    struct PhaseGroup {
        var phase: Int?
        var start: Double
        var end: Double
        var lowest: Double
        var highest: Double
        var activities: [String]
    }

    /// Consecutive entries of one phase as one row: a cyclic phase of twenty
    /// cycles is one line, not eighty.
    static func phaseGroups(_ entries: [PhaseEntry]) -> [PhaseGroup] {
        var groups: [PhaseGroup] = []
        for entry in entries {
            if var last = groups.last, last.phase == entry.phase {
                last.end = entry.endS
                last.lowest = min(last.lowest, entry.startN, entry.endN)
                last.highest = max(last.highest, entry.startN, entry.endN)
                if !last.activities.contains(entry.activity) { last.activities.append(entry.activity) }
                groups[groups.count - 1] = last
            } else {
                groups.append(PhaseGroup(phase: entry.phase, start: entry.startS, end: entry.endS,
                                         lowest: min(entry.startN, entry.endN), highest: max(entry.startN, entry.endN),
                                         activities: [entry.activity]))
            }
        }
        return groups
    }
}
