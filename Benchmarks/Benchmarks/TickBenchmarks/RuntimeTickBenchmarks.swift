import Benchmark
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionTherapy

/// The simulated table, reporting link events the way the serial link does
/// (an SPSC queue, empty in the steady state), so the measured tick includes
/// the runtime's drain of the link's events.
final class SimulatedLinkWithEvents: TareRequesting, LinkEventSource {
    let table: SimulatedTableLink
    let linkEvents = SPSCQueue<SerialLinkEvent>(capacity: 256)

    init(_ table: SimulatedTableLink) { self.table = table }

    func identify() throws(TableLinkError) -> TableIdentity { try table.identify() }
    func send(_ command: DriveCommand, at now: MonotonicInstant) throws(TableLinkError) { try table.send(command, at: now) }
    func latestTelemetry(at now: MonotonicInstant) -> Telemetry? { table.latestTelemetry(at: now) }
    func tare(at now: MonotonicInstant) throws(TableLinkError) { try table.tare(at: now) }
    func requestTare(at now: MonotonicInstant) -> TareProgress { table.requestTare(at: now) }
    func tareProgress(at now: MonotonicInstant) -> TareProgress { table.tareProgress(at: now) }
    func nextEvent() -> SerialLinkEvent? { linkEvents.pop() }
}

/// The daemon's whole tick (link events, requests, link, engine, event and
/// telemetry queues) at a steady hold, with the service side draining the
/// queues between ticks as it does in the daemon.
func runtimeBenchmarks() {
    Benchmark("runtime tick with snapshot and telemetry queue, steady hold",
              configuration: .init(metrics: [.mallocCountTotal, .wallClock], scalingFactor: .kilo,
                                   thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])])) { benchmark in
        let plantConfiguration = PlantConfiguration(seed: 5, disturbances: .none)
        let link = SimulatedTableLink(configuration: plantConfiguration)
        let configuration = EngineConfiguration().adapted(to: plantConfiguration.identity)
        let runtime = ControlLoopRuntime(engine: Engine(configuration: configuration, identity: plantConfiguration.identity),
                                         link: SimulatedLinkWithEvents(link))
        let period = Seconds(0.004)
        var now = MonotonicInstant.origin
        var index: UInt64 = 0
        func tick() {
            runtime.tickOnCallersThread(at: now, tickIndex: index, period: period)
            while runtime.events.pop() != nil {}
            while runtime.replies.pop() != nil {}
            while let snapshot = runtime.telemetry.pop() { blackHole(snapshot) }
            now = now + period
            index += 1
        }
        _ = try? link.tare(at: now)
        while runtime.snapshot.state != .ready && index < 2000 { tick() }
        let text = """
            name: bench-runtime
            description: a single long hold
            region: lumbar
            limits:
              body_weight_fraction: 50 %
              maximum_force: 400 N
            phases:
              - name: hold
                mode: static
                hold_force: 250 N
                hold_time: 50 min
                ramp_up: 15 N/s
            release: 20 N/s
            """
        guard let program = try? ProgramValidator.validate(text: text, file: "bench-runtime.yaml",
                                                             limits: configuration.therapyLimits).get(),
              let plan = try? SessionPlan(program: program, patient: PatientParameters(weight: 80, region: .lumbar))
        else { fatalError("the benchmark program must be valid") }
        _ = runtime.submit(.arm(plan, patientReference: "BENCH"), by: "bench")
        _ = runtime.submit(.start(confirmed: true), by: "bench")
        for _ in 0..<(40 * 250) { tick() }
        precondition(runtime.snapshot.state == .treating && runtime.snapshot.activity == .hold,
                     "the benchmark measures the hold of a running session")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { tick() }
        benchmark.stopMeasurement()
        blackHole(runtime.snapshot)
    }
}
