import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy

/// Runs a session against the plant on a virtual clock, as fast as the CPU
/// allows, through the same `Engine.step` the daemon runs in real time.
///
/// The sequence is the daemon's: the link connects, the handshake completes,
/// the self-test runs, then the session is armed and started (confirmed: a
/// replay is a technician's simulation; the report says whether a clinician
/// would have had to confirm). Faults and operator actions are applied at
/// their times since the start. The replay ends `tail` after the session has
/// ended and the force is released, or at a hard limit of the planned
/// duration plus five minutes.
public enum ReplayRunner {
    /// Calls `progress` with the fraction of the planned duration played,
    /// about 200 times per replay.
    public static func run(_ request: ReplayRequest, progress: ((Double) -> Void)? = nil) -> ReplayResult {
        var run = ReplayRun(request: request)
        run.play(progress: progress)
        return run.result()
    }
}

/// The state of one replay in progress.
struct ReplayRun {
    let request: ReplayRequest
    var plant: TablePlant
    var engine: Engine
    var log = EngineEventLog()
    let periodNanoseconds: Int64
    var now = MonotonicInstant.origin
    var ticks = 0
    var sessionStart: MonotonicInstant?
    var sessionEnd: MonotonicInstant?
    var sessionEndReason: SessionEndReason?
    var appliedFaults = Set<Int>()
    var endedFaults = Set<Int>()
    var appliedActions = Set<Int>()
    var link: TelemetryPath
    /// The telemetry the engine was handed at the last tick.
    var lastTelemetry: Telemetry?
    var metrics: PhaseMetrics
    var chartSamples: [ForceChartData.Sample] = []
    var nextChartSample = MonotonicInstant.origin
    var phaseMarks: [(name: String, start: Double)] = []
    var alarms: [ReplayReport.Alarm] = []
    var actionOutcomes: [ReplayReport.Action] = []
    var peakForce = Newtons.zero
    /// The highest true cable force from the start command to the end of
    /// the replay (ground truth; a real table has none).
    var truePeakForce = Newtons.zero

    init(request: ReplayRequest) {
        self.request = request
        plant = TablePlant(configuration: request.plant)
        engine = Engine(configuration: request.engine, identity: request.plant.identity)
        periodNanoseconds = Int64((1e9 / request.rateHertz).rounded())
        metrics = PhaseMetrics(program: request.plan.program.program)
        link = TelemetryPath(seed: request.seed)
        if request.recordsChart {
            chartSamples.reserveCapacity(Int(request.plan.totalDuration.value / request.chartSampleInterval.value) + 256)
        }
    }

    var sessionTime: Double { sessionStart.map { (now - $0).value } ?? 0 }

    mutating func play(progress: ((Double) -> Void)?) {
        // A technician zeroes the load cell with the cable slack before a session.
        connect()

        let planned = request.plan.totalDuration.value
        let hardLimit = MonotonicInstant.origin + Seconds(planned + 300)
        let progressEvery = max(1, Int(planned * request.rateHertz / 200))
        while now < hardLimit {
            tick()
            if let progress, ticks % progressEvery == 0 { progress(min(1, sessionTime / max(planned, 1))) }
            if let end = sessionEnd, now - end >= request.tail, plant.trueCableForce <= engine.configuration.safety.slackForce {
                break
            }
            now = MonotonicInstant(nanoseconds: now.nanoseconds + periodNanoseconds)
        }
        progress?(1)
    }

    /// Runs one tick at `now`, then moves the clock on by one period.
    mutating func advance() {
        tick()
        now = MonotonicInstant(nanoseconds: now.nanoseconds + periodNanoseconds)
    }

    /// Connects, shakes hands and zeroes the load cell, as `play` does first.
    mutating func connect() {
        _ = plant.tare(at: now)
        engine.linkConnected(at: now, into: &log)
        engine.handshakeDone(at: now, into: &log)
        consumeEvents()
    }

    mutating func tick() {
        ticks += 1
        applyFaultsAndActions()
        plant.advance(to: now)
        let telemetry = link.deliver(plant.telemetry(at: now), at: now)
        lastTelemetry = telemetry
        let command = engine.step(now: now, telemetry: telemetry, into: &log)
        if link.commandsReachTable { _ = plant.receive(command, at: now) }
        consumeEvents()
        if sessionStart != nil { truePeakForce = max(truePeakForce, plant.trueCableForce) }

        if sessionStart == nil && engine.state == .ready {
            startSession()
        }
        if let telemetry, link.arrived(telemetry, at: now) {
            peakForce = max(peakForce, telemetry.measuredForce)
            if sessionStart != nil && sessionEnd == nil {
                metrics.observe(output: engine.plannerOutput, measured: telemetry.measuredForce,
                                angles: telemetry.angles, disturbed: plant.disturbanceActivity.any,
                                time: sessionTime)
            }
        }
        if request.recordsChart && sessionStart != nil && now >= nextChartSample {
            nextChartSample = now + request.chartSampleInterval
            chartSamples.append(ForceChartData.Sample(
                time: Seconds(sessionTime),
                targetForce: engine.plannerOutput?.targetForce ?? .zero,
                measuredForce: telemetry?.measuredForce ?? .zero,
                angles: telemetry?.angles ?? .zero))
        }
    }

    mutating func startSession() {
        let plan = request.plan
        let armed = engine.arm(plan, patientReference: "REPLAY", by: "replay", at: now, into: &log)
        guard armed.isAccepted else { return }
        let started = engine.start(confirmed: true, by: "replay", at: now, into: &log)
        consumeEvents()
        if started.isAccepted { sessionStart = now }
    }

    mutating func applyFaultsAndActions() {
        guard let start = sessionStart else { return }
        let elapsed = (now - start).value
        for (index, scheduled) in request.faults.enumerated() {
            if !appliedFaults.contains(index), elapsed >= scheduled.at.value {
                appliedFaults.insert(index)
                FaultInjector.apply(scheduled, to: &plant, link: &link, active: true)
            }
            if let duration = scheduled.duration, !endedFaults.contains(index),
               elapsed >= (scheduled.at + duration).value {
                endedFaults.insert(index)
                FaultInjector.apply(scheduled, to: &plant, link: &link, active: false)
            }
        }
        for (index, action) in request.operatorActions.enumerated()
        where !appliedActions.contains(index) && elapsed >= action.at.value {
            appliedActions.insert(index)
            let outcome: OperatorOutcome
            switch action.action {
            case .pause: outcome = engine.pause(by: "replay", at: now, into: &log)
            case .resume: outcome = engine.resume(by: "replay", at: now, into: &log)
            case .stop: outcome = engine.stop(by: "replay", at: now, into: &log)
            case .acknowledge: outcome = engine.acknowledge(by: "replay", at: now, into: &log)
            case .reset: outcome = engine.reset(by: "replay", at: now, into: &log)
            case .adjust(let force): outcome = engine.adjust(holdForce: force, by: "replay", at: now, into: &log)
            }
            let outcomeText: String
            switch outcome {
            case .accepted: outcomeText = "accepted"
            case .refused(let refusal): outcomeText = "refused: \(refusal.code): \(refusal)"
            }
            actionOutcomes.append(ReplayReport.Action(
                atSeconds: elapsed, action: action.action.name, outcome: outcomeText,
                measuredForceNewtons: engine.lastTelemetry?.measuredForce.value ?? 0,
                trueForceNewtons: plant.trueCableForce.value))
        }
    }

    /// Reads the tick's events into the report and empties the log.
    mutating func consumeEvents() {
        for event in log.events {
            switch event {
            case .phaseEntered(let activity, let phaseIndex, _, _, _):
                let name = phaseIndex >= 0 ? request.plan.program.program.phases[phaseIndex].name : activity.rawValue
                if phaseMarks.last?.name != name { phaseMarks.append((name, sessionTime)) }
            case .sessionEnded(let reason, let at):
                if sessionStart != nil && sessionEnd == nil {
                    sessionEnd = at
                    sessionEndReason = reason
                }
            case .safety(.alarmRaised(let code, _)):
                alarms.append(ReplayReport.Alarm(code: code.symbol, priority: "\(code.priority)",
                                                 raisedSeconds: sessionTime, endedSeconds: nil))
            case .safety(.alarmEnded(let code, _)):
                if let index = alarms.lastIndex(where: { $0.code == code.symbol && $0.endedSeconds == nil }) {
                    alarms[index].endedSeconds = sessionTime
                }
            default:
                break
            }
        }
        log.removeAll()
    }

    func result() -> ReplayResult {
        let plan = request.plan
        let end = sessionEnd.map { ($0 - (sessionStart ?? .origin)).value } ?? sessionTime
        var phaseSpans: [ForceChartData.Phase] = []
        for (index, mark) in phaseMarks.enumerated() {
            let next = index + 1 < phaseMarks.count ? phaseMarks[index + 1].start : end
            phaseSpans.append(.init(name: mark.name, start: Seconds(mark.start), end: Seconds(max(mark.start, next))))
        }
        let report = ReplayReport(
            program: plan.program.program.name,
            region: plan.patient.region.rawValue,
            weightKilograms: plan.patient.weight.value,
            seed: request.seed,
            rateHertz: request.rateHertz,
            simulated: true,
            effectiveLimitNewtons: plan.effectiveLimit.force.value,
            limitSource: plan.effectiveLimit.source.rawValue,
            confirmationRequired: plan.requiresConfirmation,
            plannedDurationSeconds: plan.totalDuration.value,
            sessionDurationSeconds: end,
            sessionEnd: sessionEndReason?.rawValue ?? "not_ended",
            finalState: engine.state.description,
            peakForceNewtons: peakForce.value,
            truePeakForceNewtons: truePeakForce.value,
            finalForceNewtons: plant.trueCableForce.value,
            phases: metrics.reports(),
            alarms: alarms,
            faults: request.faults.map { "\(ForceChart.format($0.at.value))s:\($0.fault.name)" },
            actions: actionOutcomes,
            ticks: ticks)
        let axes = AngleAxis.allCases.filter { axis in
            plan.program.program.phases.contains { $0.angles[axis] != .zero }
        }
        let chart = ForceChartData(
            title: "\(plan.program.program.name): \(ForceChart.format(plan.patient.weight.value)) kg, seed \(request.seed) (SIMULATED)",
            samples: chartSamples, phases: phaseSpans,
            alarms: alarms.map { .init(time: Seconds($0.raisedSeconds), code: $0.code, isHighPriority: $0.priority == "high") },
            angleAxes: axes)
        return ReplayResult(report: report, chart: chart)
    }
}
