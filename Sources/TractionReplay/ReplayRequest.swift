import TractionDevice
import TractionEngine
import TractionPlant
import TractionTherapy

/// An operator action replayed at an instant of the session.
public struct ReplayOperatorAction: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case pause, resume, stop, acknowledge, reset
        case adjust(Newtons)

        /// The spelling of the action spec (`OperatorActionSpecParser`).
        public var name: String {
            switch self {
            case .pause: "pause"
            case .resume: "resume"
            case .stop: "stop"
            case .acknowledge: "ack"
            case .reset: "reset"
            case .adjust(let force): "adjust=\(force.value)N"
            }
        }
    }

    /// Time since the session started.
    public var at: Seconds
    public var action: Action

    public init(at: Seconds, _ action: Action) {
        self.at = at
        self.action = action
    }
}

/// Everything a replay needs: the plan, the simulated patient and table, the
/// faults and the operator's actions.
public struct ReplayRequest: Sendable {
    public var plan: SessionPlan
    /// Seeds the plant's random streams: same seed, same replay.
    public var seed: UInt64
    public var rateHertz: Double
    public var faults: [ScheduledFault]
    public var operatorActions: [ReplayOperatorAction]
    public var engine: EngineConfiguration
    public var plant: PlantConfiguration
    /// Spacing of the samples kept for the chart.
    public var chartSampleInterval: Seconds
    /// How long the replay continues after the session has ended.
    public var tail: Seconds
    /// Keep samples for the chart (sweeps that copy a replay thousands of
    /// times turn it off).
    public var recordsChart = true

    public init(plan: SessionPlan, seed: UInt64 = 1, rateHertz: Double = 250, faults: [ScheduledFault] = [],
                operatorActions: [ReplayOperatorAction] = [], engine: EngineConfiguration? = nil,
                plant: PlantConfiguration? = nil, chartSampleInterval: Seconds = 0.05, tail: Seconds = 3) {
        self.plan = plan
        self.seed = seed
        self.rateHertz = rateHertz
        self.faults = faults
        self.operatorActions = operatorActions
        self.engine = engine ?? EngineConfiguration(rateHertz: rateHertz, therapyLimits: plan.program.limits)
        self.plant = plant ?? PlantConfiguration(
            seed: seed,
            patient: SimulatedPatient(bodyMass: plan.patient.weight, region: plan.patient.region))
        self.chartSampleInterval = chartSampleInterval
        self.tail = tail
    }
}
