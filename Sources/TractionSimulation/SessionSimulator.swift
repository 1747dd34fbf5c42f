import Foundation
import Logging
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionService
import TractionTherapy

/// The simulator's one clock. Everything reads it; only the simulator moves it.
public final class VirtualClock: @unchecked Sendable {
    public var now: MonotonicInstant
    public init(_ start: MonotonicInstant) { now = start }
}

/// An invariant of the safety case, checked on the plant's true state.
public enum Invariant: String, Sendable, Hashable, CaseIterable {
    case overForce = "over-force"
    case patientSwitchRelease = "patient-switch release"
    case linkLossEndsTreatment = "link loss ends treatment"
    case hazardAlarmed = "hazard alarmed"
    case forceFollowsPlan = "force follows the plan"
    case oneReplyPerRequest = "one reply per request"
    case interruptedSessionReported = "interrupted session reported"
    case endsSafe = "session ends safe"
    case startsReady = "daemon becomes ready"

    /// The hazard rows of docs/safety.md the invariant stands for.
    public var hazard: String {
        switch self {
        case .overForce: "H1/H2/H4"
        case .patientSwitchRelease: "H7"
        case .linkLossEndsTreatment: "H5"
        case .hazardAlarmed: "H7/H8/H10/H17"
        case .forceFollowsPlan: "H3/H12"
        case .oneReplyPerRequest: "H13/H14 (control protocol)"
        case .interruptedSessionReported: "H6/H14"
        case .endsSafe: "H6/H19"
        case .startsReady: "H6"
        }
    }
}

public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public var invariant: Invariant
    /// Seconds after the daemon first became ready (negative: before).
    public var at: Double
    public var detail: String

    public var description: String {
        "\(invariant.rawValue) (\(invariant.hazard)) at \(SimulationText.number(at)) s: \(detail)"
    }
}

public struct SessionResult: Sendable {
    public var seed: UInt64
    public var violations: [Violation]
    public var checks: Int
    public var simulatedSeconds: Double
    public var ticks: Int
    public var requests: Int
    public var restarts: Int
    /// What happened, one line each: requests and their answers, state changes.
    public var trace: [String]
    /// The first violation's invariant, for the shrinker.
    public var firstInvariant: Invariant? { violations.first?.invariant }
}

/// Answers to the requests a run sent, counted per request. A class the
/// service's reply closures hold, so they do not hold the simulator.
final class ReplyLedger {
    struct Entry {
        var method: ControlMethod
        var sentAt: MonotonicInstant
        var replies = 0
        var firstReplyAt: MonotonicInstant?
        var succeeded = false
        var outcome = ""

        /// The daemon was killed before it answered (the client saw the connection close).
        var orphaned = false
    }
    var entries: [Entry] = []
    let clock: VirtualClock
    var duplicates: [String] = []

    init(clock: VirtualClock) { self.clock = clock }

    func open(_ method: ControlMethod) -> (Result<JSONValue, ControlError>) -> Void {
        let index = entries.count
        entries.append(Entry(method: method, sentAt: clock.now))
        return { [unowned self] result in
            entries[index].replies += 1
            if entries[index].replies == 1 {
                entries[index].firstReplyAt = clock.now
                switch result {
                case .success: entries[index].succeeded = true
                case .failure(let error): entries[index].outcome = error.code.rawValue + ": " + error.message
                }
            } else {
                duplicates.append("\(method.rawValue) sent at \(entries[index].sentAt) answered \(entries[index].replies) times")
            }
        }
    }

    func orphanOutstanding() {
        for index in entries.indices where entries[index].replies == 0 { entries[index].orphaned = true }
    }
}

/// A sink that counts notifications; no client subscribes to telemetry.
final class CountingSink: NotificationSink {
    var published = 0
    var clientCount: Int { 0 }
    func publish(_ topic: Topic, method: String, params: JSONValue) { published += 1 }
    func publishTelemetry(tick: UInt64, loopRateHz: Double, params: JSONValue) {}
}

/// One run of the whole daemon on the virtual clock: the service's request
/// handling, the control loop (engine and safety kernel), the serial link
/// model and the plant, judged every tick by the oracle.
public final class SessionSimulator {
    public let scenario: Scenario
    let clock: VirtualClock
    let link: WireLinkModel
    let ledger: ReplyLedger
    let sink = CountingSink()
    let stateDirectory: String
    let programDirectory: String
    let period: Seconds
    let baseConfiguration: EngineConfiguration
    let safety: SafetyConfiguration

    struct Daemon {
        var runtime: ControlLoopRuntime
        var service: DaemonService
        var tickIndex: UInt64 = 0
        var overruns: UInt64 = 0
        var startedAt: MonotonicInstant
    }
    var daemon: Daemon?
    var restartAt: MonotonicInstant?
    var restarts = 0
    var readyAt: MonotonicInstant?
    var nextDeadline: MonotonicInstant
    var nextEvent = 0
    var active: [ScenarioEvent] = []
    var overrunsToReport = 0
    var random: SplitMix64
    let clients: [ServiceCaller]

    // The oracle's memory.
    var violations: [Violation] = []
    var checks = 0
    var overForceUnreleased: Seconds = .zero
    var trackingOff: Seconds = .zero
    var lastHostBlindingAt: MonotonicInstant?
    var pendingDetections: [(code: AlarmCode, deadline: MonotonicInstant, what: String)] = []
    var switchWatch: (at: MonotonicInstant, force: Newtons, releaseBy: MonotonicInstant, tenPercentBy: MonotonicInstant,
                      released: Bool)?
    var interruptedCheck: MonotonicInstant?
    var lastLimit: Newtons
    var ticks = 0
    var lastCheckAt: MonotonicInstant
    var trace: [String] = []
    var lastState: InterlockState?
    /// Seconds between the force lines of the trace; 0 for none.
    public var samplingInterval = 0.0
    var nextSampleAt = MonotonicInstant.origin

    public init(scenario: Scenario, stateDirectory: String, programDirectory: String) {
        self.scenario = scenario
        self.stateDirectory = stateDirectory
        self.programDirectory = programDirectory
        let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)
        clock = VirtualClock(start)
        ledger = ReplyLedger(clock: clock)
        period = Seconds(1 / scenario.controlRateHertz)
        nextDeadline = start
        random = .stream(13, of: scenario.seed)
        var plant = TablePlant(configuration: scenario.plantConfiguration, start: start)
        _ = plant.tare(at: start)
        // The plant is built from constants the generator keeps in range.
        link = try! WireLinkModel(plant: plant, settings: scenario.link, seed: scenario.seed)
        baseConfiguration = EngineConfiguration(rateHertz: scenario.controlRateHertz)
        safety = baseConfiguration.safety
        lastLimit = safety.idleForceLimit
        lastCheckAt = start
        clients = [
            ServiceCaller(uid: 1000, pid: 100, userName: "clinician-a", role: .clinician),
            ServiceCaller(uid: 1001, pid: 101, userName: "clinician-b", role: .clinician),
            ServiceCaller(uid: 0, pid: 102, userName: "root", role: .admin),
        ]
    }

    var now: MonotonicInstant { clock.now }
    var elapsed: Double { readyAt.map { (now - $0).value } ?? -(now - MonotonicInstant(nanoseconds: 1_000_000_000_000)).value }

    // MARK: Running

    public func run() -> SessionResult {
        startDaemon()
        // Up to 10 s for the self-test and the first ready.
        let limit = now + Seconds(10)
        while now < limit, daemon?.runtime.snapshot.state != .ready { tick() }
        guard daemon?.runtime.snapshot.state == .ready else {
            fail(.startsReady, "the daemon was \(daemon?.runtime.snapshot.state.description ?? "down") 10 s after it started")
            return result()
        }
        readyAt = now
        let end = now + Seconds(scenario.duration)
        while now < end { tick() }
        finish()
        return result()
    }

    func result() -> SessionResult {
        SessionResult(seed: scenario.seed, violations: violations, checks: checks,
                      simulatedSeconds: (now - MonotonicInstant(nanoseconds: 1_000_000_000_000)).value, ticks: ticks,
                      requests: ledger.entries.count, restarts: restarts, trace: trace + ledger.entries.map { entry in
                          "\(entry.method.rawValue) at \(entry.sentAt): \(entry.replies) replies, "
                              + (entry.succeeded ? "ok" : entry.outcome) + (entry.orphaned ? " (orphaned)" : "")
                      })
    }

    func startDaemon() {
        guard let identity = try? link.connectHost(at: now) else { return }
        let configuration = baseConfiguration.adapted(to: identity)
        let runtime = ControlLoopRuntime(engine: Engine(configuration: configuration, identity: identity), link: link)
        let base = baseConfiguration
        let directory = programDirectory
        let clock = self.clock
        let service = DaemonService(
            runtime: runtime, engineConfiguration: configuration,
            configuration: DaemonServiceConfiguration(
                programDirectories: [directory], stateDirectory: stateDirectory, daemonVersion: "sim",
                link: LinkInfo(kind: "serial", path: "/dev/simulated"), loopRateHz: scenario.controlRateHertz,
                clock: { clock.now }, markerWritesSynchronously: true),
            startedAt: now, log: Logger(label: "sim") { _ in SwiftLogNoOpLogHandler() },
            reload: { .success(ServiceReload(engineConfiguration: base, programDirectories: [directory],
                                             restartNeeded: [], applicable: true)) })
        daemon = Daemon(runtime: runtime, service: service, startedAt: now)
    }

    /// One control period: events due, faults in force, the daemon's tick
    /// (control loop, then service), the oracle.
    func tick() {
        ticks += 1
        let deadline = nextDeadline
        var lateness = Seconds.zero
        for event in active {
            if case .tickLateness(let seconds, _) = event.kind { lateness = max(lateness, Seconds(random.nextUniform(in: 0...seconds))) }
        }
        var at = deadline + lateness
        if at <= now { at = now + Seconds(0.000_001) }
        clock.now = at
        link.pump(until: at)
        applyDueEvents()
        applyFaults()
        if daemon == nil, let restartAt, now >= restartAt, !link.plant.faults.powerLost {
            self.restartAt = nil
            startDaemon()
            // Judged after the new daemon's first tick, before an arm (which
            // ends the report of the interruption) can have been carried out.
            interruptedCheck.map { _ in interruptedCheck = now }
        }
        if var running = daemon {
            if lateness >= period { running.overruns += 1 }
            if overrunsToReport > 0 {
                overrunsToReport -= 1
                running.overruns += 1
            }
            running.runtime.tickOnCallersThread(at: at, deadline: deadline, tickIndex: running.tickIndex, period: period,
                                                overruns: running.overruns)
            if running.tickIndex % UInt64(scenario.serviceEvery) == 0 { running.service.serviceTick(sink: sink) }
            running.tickIndex += 1
            daemon = running
        }
        nextDeadline = deadline + period
        while nextDeadline <= at { nextDeadline = nextDeadline + period }
        check()
    }

    // MARK: The scenario

    func applyDueEvents() {
        guard readyAt != nil else { return }
        let t = elapsed
        active.removeAll { t >= $0.at + $0.kind.duration }
        while nextEvent < scenario.events.count, scenario.events[nextEvent].at <= t {
            let event = scenario.events[nextEvent]
            nextEvent += 1
            begin(event)
        }
    }

    func begin(_ event: ScenarioEvent) {
        let detectionBound = link.telemetryPeriod * 2 + scenario.link.latency * 2 + scenario.link.jitter + period * 2
            + Seconds(0.003)
        let state = daemon?.runtime.snapshot.state
        let judged = daemon != nil && state != .selfTest && state != .offline && state != .connecting
        switch event.kind {
        case .arm(let client):
            request(.sessionArm, params: armParams(), from: client)
        case .start(let client, let confirm):
            request(.sessionStart, params: .object(["confirm": .bool(confirm)]), from: client)
        case .pause(let client): request(.sessionPause, params: nil, from: client)
        case .resume(let client): request(.sessionResume, params: nil, from: client)
        case .adjust(let client, let newtons):
            request(.sessionAdjust, params: .object(["max_force_n": .number(newtons)]), from: client)
        case .stop(let client): request(.sessionStop, params: nil, from: client)
        case .acknowledgeAll(let client): request(.alarmsAcknowledge, params: .object(["all": .bool(true)]), from: client)
        case .reset(let client): request(.faultsReset, params: nil, from: client)
        case .reload(let client): request(.configReload, params: nil, from: client)
        case .status(let client): request(.status, params: nil, from: client)
        case .cough(let peak): link.plant.injectCough(peak: Newtons(peak))
        case .shift(let millimetres): link.plant.injectShift(by: Millimetres(millimetres))
        case .tensing(let factor, let duration):
            link.plant.injectTensing(stiffnessFactor: factor, duration: Seconds(duration))
        case .restart(let downFor):
            guard let running = daemon else { break }
            let sessionState = running.runtime.snapshot.state
            if sessionState == .treating || sessionState == .paused { interruptedCheck = .origin }
            daemon = nil
            link.disconnectHost()
            ledger.orphanOutstanding()
            restarts += 1
            restartAt = now + Seconds(downFor)
            lastHostBlindingAt = now + Seconds(downFor)
        case .overruns(let count):
            overrunsToReport += count
        case .patientSwitch(_, let duration):
            active.append(event)
            let force = link.plant.trueCableForce
            if force > safety.slackForce + 5, !link.plant.faults.releaseStalled {
                let ownRelease = scenario.variant.releasesOnPatientSwitch
                let releaseBound = ownRelease ? Seconds(0.003) : detectionBound
                switchWatch = (now, force, now + releaseBound, now + Seconds(1) + (ownRelease ? .zero : releaseBound), false)
            }
            if judged, Seconds(duration) > detectionBound {
                pendingDetections.append((.patientRelease, now + detectionBound, "a patient-switch press"))
            }
        case .emergencyStop(let duration):
            active.append(event)
            if judged, Seconds(duration) > detectionBound {
                pendingDetections.append((.emergencyStop, now + detectionBound, "an emergency stop"))
            }
        case .driveFault(let bits, let duration):
            active.append(event)
            if judged, Seconds(duration) > detectionBound {
                pendingDetections.append((.driveFault, now + detectionBound, "drive fault \(DriveFaults.names(of: bits))"))
            }
        case .harnessOpen(let duration):
            active.append(event)
            if judged, (state == .armed || state == .treating || state == .paused), Seconds(duration) > detectionBound {
                pendingDetections.append((.harnessOpen, now + detectionBound, "the harness opening in a session"))
            }
        default:
            active.append(event)
        }
        if event.kind.blindsTheHost {
            lastHostBlindingAt = max(lastHostBlindingAt ?? now, now + Seconds(event.kind.duration))
        }
    }

    func armParams() -> JSONValue {
        var patient: [String: JSONValue] = [
            "reference": .string("SIM-\(scenario.seed)"), "weight_kg": .number(scenario.weight),
            "region": .string(scenario.region.rawValue),
        ]
        if scenario.firstSession { patient["first_session"] = .bool(true) }
        var params: [String: JSONValue] = ["patient": .object(patient)]
        switch scenario.program {
        case .shipped(let name): params["program"] = .string(name)
        case .text(let text, _): params["program_text"] = .string(text)
        }
        if let maximum = scenario.operatorMaximum { params["max_force_n"] = .number(maximum) }
        return .object(params)
    }

    /// A request as a client's line would deliver it, handled by the real service.
    func request(_ method: ControlMethod, params: JSONValue?, from client: Int) {
        guard let running = daemon else { return }
        let respond = ledger.open(method)
        running.service.handle(method, params: params, from: clients[client % clients.count], sink: sink,
                               respond: respond)
    }

    /// What the active events add up to, applied to the plant and the line.
    func applyFaults() {
        var sensors = SensorFaults()
        var driveFaults = DriveFaults.none
        var power = false, stall = false
        var inputs = TableInputs(harnessClosed: true, splitSectionLatched: link.plant.inputs.splitSectionLatched)
        var wire = WireFaults()
        for event in active {
            switch event.kind {
            case .sensorOffset(.loadCell, let newtons, _): sensors.loadCellOffsetError = sensors.loadCellOffsetError + Newtons(newtons)
            case .sensorOffset(.redundant, let newtons, _): sensors.redundantOffsetError = sensors.redundantOffsetError + Newtons(newtons)
            case .sensorGain(.loadCell, let error, _): sensors.loadCellGainError += error
            case .sensorGain(.redundant, let error, _): sensors.redundantGainError += error
            case .sensorStuck(.loadCell, _): sensors.loadCellStuck = true
            case .sensorStuck(.redundant, _): sensors.redundantStuck = true
            case .driveFault(let bits, _): driveFaults.insert(DriveFaults(rawValue: bits))
            case .powerLoss: power = true
            case .releaseStall: stall = true
            case .emergencyStop: inputs.emergencyStopPressed = true
            case .harnessOpen: inputs.harnessClosed = false
            case .patientSwitch(let channels, _):
                if channels & 1 != 0 { inputs.patientSwitch.channelAPressed = true }
                if channels & 2 != 0 { inputs.patientSwitch.channelBPressed = true }
            case .frameDrops(let probability, _): wire.dropProbability = max(wire.dropProbability, probability)
            case .frameCorruption(let probability, _): wire.corruptProbability = max(wire.corruptProbability, probability)
            case .frameDelay(let seconds, _): wire.extraDelay = max(wire.extraDelay, Seconds(seconds))
            case .linkStall: wire.stalled = true
            default: break
            }
        }
        let faults = TableFaults(sensors: sensors, driveFaults: driveFaults, powerLost: power, releaseStalled: stall)
        if link.plant.faults != faults { link.plant.faults = faults }
        if link.plant.inputs != inputs { link.plant.inputs = inputs }
        if link.faults != wire { link.faults = wire }
    }

    // MARK: The oracle

    func fail(_ invariant: Invariant, _ detail: String) {
        // One report per invariant and run is enough to replay it.
        guard !violations.contains(where: { $0.invariant == invariant }) else { return }
        violations.append(Violation(invariant: invariant, at: elapsed, detail: detail))
    }

    /// The table is not pulling: it releases (a release profile, its own
    /// latch, a command whose lease ran out) or has no power to pull with.
    func tableReleasing(faults reported: DriveFaults) -> Bool {
        let plant = link.plant
        if plant.faults.powerLost || plant.inputs.emergencyStopPressed
            || !plant.faults.driveFaults.intersection(TableFaults.bitsThatCutDrivePower).isEmpty { return true }
        if !reported.intersection([.leaseExpired, .powerFail, .patientSwitchRelease]).isEmpty { return true }
        guard let command = link.lastDeliveredCommand, let deliveredAt = link.lastDeliveredAt else { return true }
        if !command.driveEnabled { return false }
        if now - deliveredAt >= command.lease { return true }
        return command.releaseProfile != .none
    }

    func check() {
        let truth = link.plant.telemetry(at: now)
        let force = link.plant.trueCableForce
        let snapshot = daemon?.runtime.snapshot
        let releasing = tableReleasing(faults: truth.driveFaults)
        let blindedRecently = lastHostBlindingAt.map { now - $0 < Seconds(0.2) } ?? false
        defer { lastCheckAt = now }

        // H1/H2/H4: the true force above the limit plus the H1 tolerance only
        // briefly, and only until a release has started.
        if let snapshot, daemon != nil { lastLimit = snapshot.sessionForceLimit ?? safety.idleForceLimit }
        let limit = lastLimit
        let tolerance = safety.overForceTolerance(for: limit)
        checks += 1
        if force > limit + tolerance, !releasing {
            overForceUnreleased = overForceUnreleased + (now - lastCheckAt)
            var bound = link.telemetryPeriod * Double(safety.overForceDebounceSamples) + scenario.link.latency * 2
                + scenario.link.jitter + period * 2 + Seconds(0.005)
            if blindedRecently || daemon == nil { bound = bound + Seconds(0.060) + DriveCommand.defaultLease }
            if overForceUnreleased > bound {
                fail(.overForce, "true force \(SimulationText.number(force.value)) N above limit "
                     + "\(SimulationText.number(limit.value)) N + \(SimulationText.number(tolerance.value)) N for "
                     + "\(SimulationText.milliseconds(overForceUnreleased)) with no release (bound "
                     + "\(SimulationText.milliseconds(bound)))")
            }
        } else {
            overForceUnreleased = .zero
        }

        // H7: a press starts the release within its bound and brings the
        // force under 10 % of its value at the press within 1 s.
        if let watch = switchWatch {
            checks += 1
            let plant = link.plant
            let excused = plant.faults.releaseStalled || plant.faults.powerLost || plant.inputs.emergencyStopPressed
                || !plant.faults.driveFaults.intersection(TableFaults.bitsThatCutDrivePower).isEmpty
                || (!scenario.variant.releasesOnPatientSwitch && (blindedRecently || daemon == nil))
            if excused {
                switchWatch = nil
            } else {
                if !watch.released, releasing { switchWatch?.released = true }
                if !watch.released, !releasing, now > watch.releaseBy {
                    fail(.patientSwitchRelease, "no release \(SimulationText.milliseconds(now - watch.at)) after a press at "
                         + "\(SimulationText.number(watch.force.value)) N")
                    switchWatch = nil
                } else {
                    let target = max(watch.force * 0.1, safety.slackForce + 2)
                    if force <= target {
                        switchWatch = nil
                    } else if now > watch.tenPercentBy {
                        fail(.patientSwitchRelease, "force \(SimulationText.number(force.value)) N "
                             + "\(SimulationText.milliseconds(now - watch.at)) after a press at "
                             + "\(SimulationText.number(watch.force.value)) N, above \(SimulationText.number(target.value)) N")
                        switchWatch = nil
                    }
                }
            }
        }

        guard let snapshot, let running = daemon else { return }
        if samplingInterval > 0, now >= nextSampleAt {
            nextSampleAt = now + Seconds(samplingInterval)
            trace.append("\(SimulationText.number(elapsed)) s:   \(snapshot.state) true \(SimulationText.number(force.value)) N, "
                         + "measured \(SimulationText.number(snapshot.measuredForce.value)) N, target "
                         + "\(SimulationText.number(snapshot.targetForce.value)) N, alarms \(snapshot.activeAlarms.codes.map(\.symbol))")
        }
        if snapshot.state != lastState {
            lastState = snapshot.state
            trace.append("\(SimulationText.number(elapsed)) s: \(snapshot.state) force \(SimulationText.number(force.value)) N, "
                         + "alarms \(snapshot.activeAlarms.codes.map(\.symbol))")
        }

        // H5: no treatment goes on without telemetry past the loss bound.
        if link.hostIdentified, let last = link.hostLastValidTelemetryAt, now - running.startedAt > Seconds(0.2) {
            checks += 1
            let silence = now - last
            if silence > TelemetryTiming.lossDetectionBound + period + Seconds(0.002),
               snapshot.state == .treating || snapshot.state == .paused {
                fail(.linkLossEndsTreatment, "still \(snapshot.state) after \(SimulationText.milliseconds(silence)) "
                     + "without valid telemetry")
            }
        }

        // H7/H8/H10/H17: the condition is alarmed within its bound.
        if !pendingDetections.isEmpty {
            let alarms = snapshot.activeAlarms
            pendingDetections.removeAll { pending in
                if alarms.contains(AlarmConditions(pending.code)) { return true }
                if blindedRecently { return true }
                guard now > pending.deadline else { return false }
                checks += 1
                fail(.hazardAlarmed, "\(pending.what) was not alarmed as \(pending.code.symbol) within its bound "
                     + "(state \(snapshot.state), alarms \(alarms.codes.map(\.symbol)))")
                return true
            }
        }

        // H3/H12: a treatment far from its target says why.
        if snapshot.state == .treating {
            checks += 1
            let target = snapshot.targetForce
            let off = (force - target).magnitude
            if off > max(target * 0.25, Newtons(30)), snapshot.activeAlarms.isEmpty {
                trackingOff = trackingOff + period
                if trackingOff > Seconds(10) {
                    fail(.forceFollowsPlan, "treating \(SimulationText.number(trackingOff.value)) s with the true force "
                         + "\(SimulationText.number(force.value)) N against a target of \(SimulationText.number(target.value)) N, "
                         + "no alarm")
                }
            } else {
                trackingOff = .zero
            }
        } else {
            trackingOff = .zero
        }

        // H6/H14: a session the daemon died in is reported after the restart.
        if let due = interruptedCheck, due != .origin, now >= due {
            interruptedCheck = nil
            checks += 1
            var status: JSONValue?
            running.service.handle(.status, params: nil, from: clients[0], sink: sink) { result in
                if case .success(let value) = result { status = value }
            }
            if status?["interrupted_session"] == nil || status?["interrupted_session"] == .null {
                fail(.interruptedSessionReported, "status has no interrupted_session at the first tick after a restart that killed "
                     + "a running session")
            }
        }
    }

    // MARK: The end

    /// Clears every fault, stops, acknowledges and resets as an operator
    /// would, and checks the table comes back to ready with the cable slack.
    func finish() {
        active.removeAll()
        nextEvent = scenario.events.count
        pendingDetections.removeAll()
        switchWatch = nil
        applyFaults()
        if daemon == nil {
            restartAt = now
            interruptedCheck = nil
        }
        tick()
        request(.sessionStop, params: nil, from: 0)
        var deadline = now + Seconds(30)
        var nextKick = now + Seconds(2)
        while now < deadline {
            tick()
            let state = daemon?.runtime.snapshot.state
            if state == .ready, link.plant.trueCableForce <= safety.slackForce + 2 { break }
            if now >= nextKick {
                nextKick = now + Seconds(3)
                if state == .fault || state == .emergency {
                    request(.alarmsAcknowledge, params: .object(["all": .bool(true)]), from: 0)
                    request(.faultsReset, params: nil, from: 0)
                }
            }
        }
        // Every request is answered within the reply timeout (1 s).
        deadline = now + Seconds(1.2)
        while now < deadline, ledger.entries.contains(where: { $0.replies == 0 && !$0.orphaned }) { tick() }
        let state = daemon?.runtime.snapshot.state
        let force = link.plant.trueCableForce
        checks += 2
        if state != .ready || force > safety.slackForce + 2 {
            fail(.endsSafe, "after every fault was cleared, a stop, acknowledgement and reset: state "
                 + "\(state?.description ?? "down"), true force \(SimulationText.number(force.value)) N")
        }
        let bound = Seconds(1) + period * Double(scenario.serviceEvery + 2)
        for entry in ledger.entries where !entry.orphaned {
            checks += 1
            if entry.replies != 1 {
                fail(.oneReplyPerRequest, "\(entry.method.rawValue) sent at \(SimulationText.number((entry.sentAt - (readyAt ?? entry.sentAt)).value)) s "
                     + "was answered \(entry.replies) times")
            } else if let answered = entry.firstReplyAt, answered - entry.sentAt > bound {
                fail(.oneReplyPerRequest, "\(entry.method.rawValue) answered after "
                     + "\(SimulationText.milliseconds(answered - entry.sentAt))")
            }
        }
        if let duplicate = ledger.duplicates.first { fail(.oneReplyPerRequest, duplicate) }
    }
}
