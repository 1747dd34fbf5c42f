import Benchmark
import TractionDevice
import TractionEngine
import TractionPlant
import TractionTherapy

/// An engine and a simulated table, brought into the hold of a session, so
/// that what is measured is the steady path of a tick.
struct SteadySession {
    var engine: Engine
    var plant: TablePlant
    var log = EngineEventLog()
    var now = MonotonicInstant.origin
    let period = Seconds(0.004)

    init() throws {
        let plantConfiguration = PlantConfiguration(seed: 5, disturbances: .none)
        let configuration = EngineConfiguration().adapted(to: plantConfiguration.identity)
        let text = """
            name: bench-static
            description: a single long hold, for the allocation benchmark
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
        let program = try ProgramValidator.validate(text: text, file: "bench-static.yaml",
                                                    limits: configuration.therapyLimits).get()
        let plan = try SessionPlan(program: program, patient: PatientParameters(weight: 80, region: .lumbar))
        engine = Engine(configuration: configuration, identity: plantConfiguration.identity)
        plant = TablePlant(configuration: plantConfiguration)
        _ = plant.tare(at: now)
        engine.linkConnected(at: now, into: &log)
        engine.handshakeDone(at: now, into: &log)
        while engine.state != .ready { tick() }
        _ = engine.arm(plan, patientReference: "BENCH", by: "bench", at: now, into: &log)
        _ = engine.start(confirmed: true, by: "bench", at: now, into: &log)
        // Into the hold, well past the ramp (250 N at 15 N/s is about 17 s); the
        // 50-minute hold outlasts every measured tick.
        for _ in 0..<(40 * 250) { tick() }
        log.removeAll()
    }

    /// One control period: the table's telemetry, one engine step, the command back.
    @inline(__always)
    mutating func tick() {
        plant.advance(to: now)
        let command = engine.step(now: now, telemetry: plant.telemetry(at: now), into: &log)
        _ = plant.receive(command, at: now)
        log.removeAll()
        now = now + period
    }
}

let engineBenchmarks: @Sendable () -> Void = {
    let allocationFree = Benchmark.Configuration(
        metrics: [.mallocCountTotal, .wallClock],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])]
    )

    Benchmark("engine step at a steady hold (safety, planner, controllers, clamp)", configuration: allocationFree) { benchmark in
        var session = try SteadySession()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            session.tick()
        }
        benchmark.stopMeasurement()
        blackHole(session.engine.lastCommand)
    }
}
