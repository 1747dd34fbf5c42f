#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy
import TractionTestSupport

/// A real `ControlLoopRuntime` on its own control thread (no real-time
/// request, so it runs anywhere) driving the simulated table. The test is
/// the only consumer of the runtime's queues.
final class RuntimeRig {
    let runtime: ControlLoopRuntime
    let configuration: EngineConfiguration
    private(set) var events: [EngineEvent] = []
    private var replies: [UInt64: OperatorReply] = [:]
    private(set) var snapshotsSeen = 0

    init(plant: PlantConfiguration = PlantConfiguration(seed: 3, disturbances: .none),
         prepare: (inout TablePlant) -> Void = { _ in }) throws {
        let link = SimulatedTableLink(configuration: plant, start: MonotonicClock.now())
        let identity = try link.identify()
        _ = try? link.tare(at: MonotonicClock.now())
        prepare(&link.plant)
        configuration = EngineConfiguration(rateHertz: 250).adapted(to: identity)
        runtime = ControlLoopRuntime(engine: Engine(configuration: configuration, identity: identity), link: link)
        try runtime.start(configuration: ControlLoopConfiguration(rateHertz: 250, realtime: .none))
    }

    deinit { runtime.stop() }

    /// Drains the queues until `condition` holds or `timeout` passes.
    @discardableResult
    func wait(timeout: Double = 15, until condition: (ControlSnapshot) -> Bool) -> Bool {
        waitUntil(timeout: timeout, poll: 0.002) {
            drain()
            return condition(runtime.snapshot)
        }
    }

    func drain() {
        while let event = runtime.events.pop() { events.append(event) }
        while let reply = runtime.replies.pop() { replies[reply.id] = reply }
        while runtime.telemetry.pop() != nil { snapshotsSeen += 1 }
    }

    /// Submits a request and waits for its reply.
    func send(_ request: DaemonRequest, timeout: Double = 5) -> OperatorReply? {
        guard let id = runtime.submit(request, by: "uid 1000 (test)") else { return nil }
        return waitFor(timeout: timeout, poll: 0.001) {
            drain()
            return replies.removeValue(forKey: id)
        }
    }

    static func plan(holdForce: Double = 120, weight: Double = 75, limits: TherapyLimits) throws -> SessionPlan {
        let text = """
            name: runtime-test
            description: a short static program for the runtime tests
            region: lumbar
            limits:
              body_weight_fraction: 50 %
              maximum_force: 300 N
            phases:
              - name: hold
                mode: static
                hold_force: \(holdForce) N
                hold_time: 60 s
                ramp_up: 20 N/s
            release: 20 N/s
            """
        let program = try ProgramValidator.validate(text: text, file: "runtime-test.yaml", limits: limits).get()
        return try SessionPlan(program: program, patient: PatientParameters(weight: Kilograms(weight), region: .lumbar))
    }
}
