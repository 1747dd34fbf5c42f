import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionReplay
import TractionTherapy

/// Runs the engine's hazard reactions once, on a virtual clock and a
/// simulated table, before the control thread starts.
///
/// Why: memory is locked as touched (`RealtimeSetup`, docs/engine.md), so
/// code stays resident once it has run, but code that has never run (the
/// first patient-switch press, the first over-force) would cost a page
/// fault inside the tick that needs it most. Replaying one short session
/// per hazard makes the kernel's and the engine's reaction code resident
/// first. The replays use their own engines and a simulated table: nothing
/// reaches the real table, and nothing of them is kept.
enum CodeWarmup {
    /// A short low-force lumbar program: ramp, a brief hold, a release.
    static let programText = """
        name: warm-up
        description: the daemon's start-up warm-up of its hazard reactions (never run on a table)
        region: lumbar
        limits:
          body_weight_fraction: 30 %
          maximum_force: 120 N
        phases:
          - name: hold
            mode: static
            hold_force: 100 N
            hold_time: 4 s
            ramp_up: 20 N/s
        release: 20 N/s
        """

    /// One scenario per hazard the kernel reacts to, plus the operator's
    /// commands; each fault comes during the hold (the ramp takes 5 s).
    static let scenarios: [(faults: [ScheduledFault], actions: [ReplayOperatorAction])] = {
        let at = Seconds(6)
        let faults: [InjectedFault] = [
            .patientSwitch, .patientSwitchChannelA, .emergencyStop, .harnessOpen, .stuckLoadCell,
            .loadCellOffset(Newtons(400)), .loadCellOffset(Newtons(1000)), .driveFault, .cough(Newtons(150)), .tenseUp(factor: 3), .linkStall,
        ]
        var all: [(faults: [ScheduledFault], actions: [ReplayOperatorAction])] = faults.map { fault in
            ([ScheduledFault(at: at, fault: fault, duration: fault == .linkStall ? Seconds(0.2) : nil)],
             [ReplayOperatorAction(at: 8, .acknowledge), ReplayOperatorAction(at: 9, .reset)])
        }
        all.append(([], [ReplayOperatorAction(at: 6, .pause), ReplayOperatorAction(at: 6.5, .resume),
                         ReplayOperatorAction(at: 7, .adjust(Newtons(80))), ReplayOperatorAction(at: 8, .stop)]))
        return all
    }()

    struct Outcome {
        var scenarios: Int
        var ticks: Int
        var seconds: Double
        /// Every alarm code the scenarios raised: the reactions whose code ran.
        var alarms: [String]
    }

    /// Replays every scenario with the daemon's own engine configuration.
    /// Nil when the warm-up program does not fit the configured limits (it
    /// is then skipped, and the daemon says so).
    static func run(configuration: EngineConfiguration) -> Outcome? {
        guard case .success(let program) = ProgramValidator.validate(text: programText, file: "(warm-up)",
                                                                     limits: configuration.therapyLimits),
              let plan = try? SessionPlan(program: program,
                                          patient: PatientParameters(weight: Kilograms(75), region: .lumbar))
        else { return nil }
        let started = MonotonicClock.now()
        var ticks = 0
        var alarms = Set<String>()
        for scenario in scenarios {
            let request = ReplayRequest(plan: plan, rateHertz: configuration.rateHertz, faults: scenario.faults,
                                        operatorActions: scenario.actions, engine: configuration, tail: 2)
            let report = ReplayRunner.run(request).report
            ticks += report.ticks
            alarms.formUnion(report.alarms.map(\.code))
        }
        return Outcome(scenarios: scenarios.count, ticks: ticks,
                       seconds: (MonotonicClock.now() - started).value, alarms: alarms.sorted())
    }
}
