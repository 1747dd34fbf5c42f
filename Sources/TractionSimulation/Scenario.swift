import TractionDevice
import TractionPlant
import TractionTherapy

/// A force channel of the table's load cell.
public enum ForceChannel: String, Sendable, Hashable, CaseIterable {
    case loadCell = "A"
    case redundant = "B"
}

/// What happens at one instant of a scenario. Faults last `duration`; the
/// simulator works out, every tick, what the active ones add up to, so any
/// of them can be combined with any other and any can be left out (shrink).
public enum ScenarioEventKind: Sendable, Hashable {
    // The operators, through the daemon's request handling.
    case arm(client: Int)
    case start(client: Int, confirm: Bool)
    case pause(client: Int)
    case resume(client: Int)
    case adjust(client: Int, newtons: Double)
    case stop(client: Int)
    case acknowledgeAll(client: Int)
    case reset(client: Int)
    case reload(client: Int)
    case status(client: Int)
    // The patient.
    case cough(peak: Double)
    case shift(millimetres: Double)
    /// Tensing (factor above 1) or relaxing (below 1).
    case tensing(factor: Double, duration: Double)
    /// Both channels (`channels` 3), or only A (1) or only B (2).
    case patientSwitch(channels: Int, duration: Double)
    // The table.
    case sensorOffset(ForceChannel, newtons: Double, duration: Double)
    case sensorGain(ForceChannel, error: Double, duration: Double)
    case sensorStuck(ForceChannel, duration: Double)
    case driveFault(bits: UInt16, duration: Double)
    case powerLoss(duration: Double)
    case emergencyStop(duration: Double)
    case harnessOpen(duration: Double)
    case releaseStall(duration: Double)
    // The line.
    case frameDrops(probability: Double, duration: Double)
    case frameCorruption(probability: Double, duration: Double)
    case frameDelay(seconds: Double, duration: Double)
    case linkStall(duration: Double)
    // The host.
    /// Every tick runs this late behind its deadline.
    case tickLateness(seconds: Double, duration: Double)
    /// The control thread reports this many overruns, one a tick.
    case overruns(count: Int)
    /// kill -9 of the daemon; a new one starts after `downFor`, the state
    /// directory kept.
    case restart(downFor: Double)

    /// How long the event lasts (0 for an instant).
    public var duration: Double {
        switch self {
        case .tensing(_, let duration), .patientSwitch(_, let duration), .sensorOffset(_, _, let duration),
             .sensorGain(_, _, let duration), .sensorStuck(_, let duration), .driveFault(_, let duration),
             .powerLoss(let duration), .emergencyStop(let duration), .harnessOpen(let duration),
             .releaseStall(let duration), .frameDrops(_, let duration), .frameCorruption(_, let duration),
             .frameDelay(_, let duration), .linkStall(let duration), .tickLateness(_, let duration):
            duration
        case .restart(let downFor): downFor
        default: 0
        }
    }

    /// Faults of the line, or of the host (they blind the daemon for a while).
    public var blindsTheHost: Bool {
        switch self {
        case .frameDrops, .frameCorruption, .frameDelay, .linkStall, .tickLateness, .overruns, .restart, .powerLoss:
            true
        default: false
        }
    }

    public var isOperatorAction: Bool {
        switch self {
        case .arm, .start, .pause, .resume, .adjust, .stop, .acknowledgeAll, .reset, .reload, .status: true
        default: false
        }
    }
}

public struct ScenarioEvent: Sendable, Hashable, CustomStringConvertible {
    /// Seconds after the daemon first reported ready.
    public var at: Double
    public var kind: ScenarioEventKind

    public init(at: Double, kind: ScenarioEventKind) {
        self.at = at
        self.kind = kind
    }

    public var description: String { "\(SimulationText.number(at)) s: \(kind)" }
}

/// The program a scenario runs: a short one written for it, or a shipped one.
public enum ScenarioProgram: Sendable, Hashable {
    case text(String, region: TreatmentRegion)
    case shipped(String)
}

/// One whole run, determined by its seed: the table, the line, the
/// patient, the program, what the operators do and what goes wrong.
public struct Scenario: Sendable, Hashable {
    public var seed: UInt64
    public var controlRateHertz: Double
    /// The service thread runs once every this many control ticks.
    public var serviceEvery: Int
    public var link: WireLinkSettings
    public var variant: TableVariant
    public var axes: (flexion: Bool, lateralTilt: Bool, rotation: Bool)
    public var weight: Double
    public var region: TreatmentRegion
    public var firstSession: Bool
    public var operatorMaximum: Double?
    /// Multiplies the spine's elastic compliance (lower is stiffer) and its creep.
    public var compliance: Double
    public var creep: Double
    /// Multiplies the default rates of random coughs, shifts and tensing.
    public var restlessness: Double
    public var program: ScenarioProgram
    /// How long the scenario runs before the final stop, seconds.
    public var duration: Double
    public var events: [ScenarioEvent]

    public static func == (left: Scenario, right: Scenario) -> Bool {
        left.seed == right.seed && left.events == right.events && left.duration == right.duration
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seed)
        hasher.combine(events)
        hasher.combine(duration)
    }

    /// The plant this scenario's table and patient are.
    public var plantConfiguration: PlantConfiguration {
        var body = BodyParameters.defaults(for: region)
        body.elasticElongationAtReferenceLoad = body.elasticElongationAtReferenceLoad * compliance
        body.fastCreepElongationAtReferenceLoad = body.fastCreepElongationAtReferenceLoad * creep
        body.slowCreepElongationAtReferenceLoad = body.slowCreepElongationAtReferenceLoad * creep
        var disturbances = DisturbanceParameters()
        disturbances.coughsPerMinute *= restlessness
        disturbances.shiftsPerMinute *= restlessness
        disturbances.tensingsPerMinute *= restlessness
        return PlantConfiguration(
            seed: seed, patient: SimulatedPatient(bodyMass: Kilograms(weight), region: region, body: body),
            disturbances: disturbances, variant: variant,
            flexionAxis: axes.flexion ? .flexion : nil, lateralTiltAxis: axes.lateralTilt ? .lateralTilt : nil,
            rotationAxis: axes.rotation ? .rotation : nil)
    }

    /// The scenario's lines for a report: what varies, then every event.
    public var summary: String {
        var lines = [
            "seed \(seed): loop \(Int(controlRateHertz)) Hz, service every \(serviceEvery) ticks, telemetry "
                + "\(Int(link.telemetryRateHertz)) Hz, latency \(SimulationText.milliseconds(link.latency)) + "
                + "jitter \(SimulationText.milliseconds(link.jitter)), table "
                + "\(variant.limitsForceAtCeiling ? "limiter" : "no limiter")/"
                + "\(variant.releasesOnPatientSwitch ? "own switch release" : "host switch release")",
            "patient \(SimulationText.number(weight)) kg \(region.rawValue)\(firstSession ? " first session" : ""), "
                + "compliance x\(SimulationText.number(compliance)), creep x\(SimulationText.number(creep)), "
                + "restlessness x\(SimulationText.number(restlessness))"
                + (operatorMaximum.map { ", operator maximum \(SimulationText.number($0)) N" } ?? ""),
        ]
        switch program {
        case .shipped(let name): lines.append("program \(name) (shipped), \(SimulationText.number(duration)) s")
        case .text(let text, _):
            lines.append("program (written for the run), \(SimulationText.number(duration)) s:")
            lines += text.split(separator: "\n").map { "    " + $0 }
        }
        lines += events.enumerated().map { "  [\($0.offset)] \($0.element)" }
        return lines.joined(separator: "\n")
    }
}

/// Numbers as the simulator prints them.
public enum SimulationText {
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded(), rounded.magnitude < 1e15 { return String(Int64(rounded)) }
        return String(rounded)
    }

    public static func milliseconds(_ time: Seconds) -> String { number(time.value * 1000) + " ms" }
}
