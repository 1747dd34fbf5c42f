import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy

/// Searches a fault space instead of sampling it: a session is played once
/// up to chosen instants (one per kind of segment of each phase), the whole
/// state of table, patient and engine is kept at each, and every fault of a
/// grid is then played from a copy of that state. Engine and plant are
/// values, so a branch costs only the ticks played after it.
///
/// The sweep tests (Tests/TractionReplayTests/SafetySweepTests.swift) and
/// `make soak` (traction-soak) judge the outcomes against the bounds of the
/// safety case; docs/safety.md names each.
public enum FaultSweep {
    /// Instants of a session worth branching from: `fractions` of the way
    /// into the first occurrence of each kind of segment of each phase
    /// (positioning, ramp up, hold, ramp down, rest, angle moves), from the
    /// plan alone: without faults the planner's clock does not depend on the
    /// table, so the timeline is exact.
    public static func branchInstants(of plan: SessionPlan, fractions: [Double] = [0.3, 0.8],
                                      startingAt: Bool = true) -> [BranchInstant] {
        var instants: [BranchInstant] = startingAt ? [BranchInstant(label: "start", sessionTime: 0)] : []
        var planner = PlannerState(plan: plan, startingAt: .origin)
        let step = Int64(20_000_000)
        let total = Int64((plan.totalDuration.value * 1e9).rounded(.up))
        var seen = Set<String>()
        var segmentStart: Int64 = 0
        var current = planner.advance(to: .origin)
        var time: Int64 = 0
        while time < total {
            time += step
            let next = planner.advance(to: MonotonicInstant(nanoseconds: time))
            let changed = next.activity != current.activity || next.phaseIndex != current.phaseIndex
                || next.step != current.step || next.cycle != current.cycle
            if changed || next.isFinished {
                let key = "\(current.phaseIndex)/\(current.activity.rawValue)"
                let length = time - segmentStart
                if !seen.contains(key), length >= 200_000_000, current.activity != .finished {
                    seen.insert(key)
                    for fraction in fractions {
                        let at = Double(segmentStart) / 1e9 + Double(length) / 1e9 * fraction
                        let phase = current.phaseIndex >= 0 ? "phase \(current.phaseIndex + 1)" : "final"
                        instants.append(BranchInstant(
                            label: "\(phase) \(current.activity.rawValue) \(Int(fraction * 100))%", sessionTime: at))
                    }
                }
                segmentStart = time
                current = next
                if next.isFinished { break }
            }
        }
        return instants.sorted { $0.sessionTime < $1.sessionTime }
    }

    /// Plays `request` once and keeps a copy of the replay at each instant
    /// (seconds since the start command), in time order.
    public static func branchPoints(_ request: ReplayRequest, at instants: [BranchInstant]) -> [BranchPoint] {
        var request = request
        request.recordsChart = false
        var run = ReplayRun(request: request)
        run.connect()
        var points: [BranchPoint] = []
        let hardLimit = 100_000_000
        for instant in instants.sorted(by: { $0.sessionTime < $1.sessionTime }) {
            while (run.sessionStart == nil || run.sessionTime < instant.sessionTime) && run.ticks < hardLimit {
                run.advance()
            }
            points.append(BranchPoint(instant: instant, run: run))
        }
        return points
    }

    /// Plays `window` seconds from `point` with `fault` applied at its start
    /// (and ended after `fault.duration`, if any), and measures the true
    /// cable force against the session's limit.
    public static func play(from point: BranchPoint, _ fault: SweepFault, window: Seconds,
                            observe: (BranchTick) -> Void = { _ in }) -> BranchOutcome {
        var run = point.run
        let plant = run.plant
        let engine = run.engine
        let limit = engine.sessionForceLimit ?? engine.configuration.safety.idleForceLimit
        let tolerance = engine.configuration.safety.overForceTolerance(for: limit)
        var outcome = BranchOutcome(limit: limit, tolerance: tolerance, forceAtInjection: plant.trueCableForce,
                                    stateAtInjection: engine.state)
        let start = run.now
        fault.apply(to: &run, active: true)
        var ended = fault.duration == nil
        let end = start + window
        var alarmsBefore = run.engine.kernel.alarms.presentConditions.union(run.engine.kernel.alarms.activeLatched)
        var lowest = plant.trueCableForce
        var highest = plant.trueCableForce
        while run.now < end {
            if !ended, let duration = fault.duration, run.now - start >= duration {
                fault.apply(to: &run, active: false)
                ended = true
                outcome.trueForceAtFaultEnd = run.plant.trueCableForce
            }
            run.advance()
            let elapsed = run.now - start
            let force = run.plant.trueCableForce
            highest = max(highest, force)
            lowest = min(lowest, force)
            if outcome.firstOverLimitPlusTolerance == nil, force > limit + tolerance {
                outcome.firstOverLimitPlusTolerance = elapsed
            }
            if outcome.releaseStarted == nil, run.engine.lastCommand.releaseProfile != .none
                || run.engine.state == .releasing || run.engine.state == .fault || run.engine.state == .emergency {
                outcome.releaseStarted = elapsed
            }
            let alarms = run.engine.kernel.alarms.presentConditions.union(run.engine.kernel.alarms.activeLatched)
            let raised = alarms.subtracting(alarmsBefore)
            if !raised.isEmpty {
                for code in raised.codes where outcome.firstAlarm[code] == nil { outcome.firstAlarm[code] = elapsed }
            }
            alarmsBefore = alarms
            if !ended { outcome.lowestTrueForceDuringFault = min(outcome.lowestTrueForceDuringFault ?? force, force) }
            observe(BranchTick(elapsed: elapsed, trueForce: force, telemetry: run.lastTelemetry,
                               state: run.engine.state))
        }
        outcome.highestTrueForce = highest
        outcome.lowestTrueForce = lowest
        outcome.finalState = run.engine.state
        outcome.trueForceAtEnd = run.plant.trueCableForce
        return outcome
    }
}

extension FaultSweep {
    /// The true cable force at every tick of `window` from `point`, with no
    /// fault: the twin a faulted branch is compared with.
    public static func trace(from point: BranchPoint, window: Seconds) -> [Newtons] {
        var run = point.run
        let end = run.now + window
        var forces: [Newtons] = []
        forces.reserveCapacity(Int(window.value * run.request.rateHertz) + 2)
        while run.now < end {
            run.advance()
            forces.append(run.plant.trueCableForce)
        }
        return forces
    }
}

/// One tick of a branch as the sweeps see it.
public struct BranchTick: Sendable {
    /// Time since the fault was injected.
    public var elapsed: Seconds
    public var trueForce: Newtons
    /// The telemetry the engine held this tick.
    public var telemetry: Telemetry?
    public var state: InterlockState
}

/// An instant of a session to branch from.
public struct BranchInstant: Sendable, Hashable, CustomStringConvertible {
    /// Where in the program, e.g. "phase 1 hold 30%".
    public var label: String
    /// Seconds since the start command.
    public var sessionTime: Double

    public init(label: String, sessionTime: Double) {
        self.label = label
        self.sessionTime = sessionTime
    }

    public var description: String { "\(label) (\(sessionTime) s)" }
}

/// A replay stopped at an instant, ready to be copied and played on.
public struct BranchPoint: Sendable {
    public let instant: BranchInstant
    var run: ReplayRun

    /// The force the session's plan asked for at the branch instant.
    public var plannedForce: Newtons { run.engine.plannerOutput?.targetForce ?? .zero }
    /// The state of the interlock at the branch instant.
    public var state: InterlockState { run.engine.state }
    public var trueForce: Newtons { run.plant.trueCableForce }
}

/// A fault injected at a branch instant.
public struct SweepFault: Sendable, Hashable, CustomStringConvertible {
    public var fault: InjectedFault
    /// How long it lasts; nil: to the end of the window.
    public var duration: Seconds?

    public init(_ fault: InjectedFault, for duration: Seconds? = nil) {
        self.fault = fault
        self.duration = duration
    }

    public var description: String {
        let value: String
        switch fault {
        case .loadCellOffset(let offset), .redundantOffset(let offset): value = "=\(offset.value)N"
        case .loadCellGain(let factor), .redundantGain(let factor): value = "=\(factor)"
        case .telemetryDelay(let delay): value = "=\(delay.value * 1000)ms"
        case .frameLoss(let probability): value = "=\(probability * 100)%"
        default: value = ""
        }
        return fault.name + value + (duration.map { "/\($0.value * 1000)ms" } ?? "")
    }

    func apply(to run: inout ReplayRun, active: Bool) {
        FaultInjector.apply(ScheduledFault(at: .zero, fault: fault, duration: duration), to: &run.plant,
                            link: &run.link, active: active)
    }
}

/// What happened after a fault was injected at a branch instant. Times are
/// seconds since the injection; forces are the true cable force.
public struct BranchOutcome: Sendable {
    /// The session's effective limit, and the H1 tolerance above it.
    public var limit: Newtons
    public var tolerance: Newtons
    public var forceAtInjection: Newtons
    public var stateAtInjection: InterlockState
    /// The first instant the true force exceeded limit + tolerance.
    public var firstOverLimitPlusTolerance: Seconds?
    /// The first instant a release was under way (a release profile in the
    /// command, or a releasing, fault or emergency state).
    public var releaseStarted: Seconds?
    /// When each alarm was first raised after the injection.
    public var firstAlarm: [AlarmCode: Seconds] = [:]
    public var highestTrueForce = Newtons.zero
    public var lowestTrueForce = Newtons.zero
    /// The lowest true force while the fault lasted (faults with a duration).
    public var lowestTrueForceDuringFault: Newtons?
    public var trueForceAtFaultEnd: Newtons?
    public var trueForceAtEnd = Newtons.zero
    public var finalState = InterlockState.offline

    init(limit: Newtons, tolerance: Newtons, forceAtInjection: Newtons, stateAtInjection: InterlockState) {
        self.limit = limit
        self.tolerance = tolerance
        self.forceAtInjection = forceAtInjection
        self.stateAtInjection = stateAtInjection
    }

    /// H1/H4: the true force never went above limit + tolerance, or a
    /// release had started before it did.
    public var overForceBoundHolds: Bool {
        guard let over = firstOverLimitPlusTolerance else { return true }
        guard let release = releaseStarted else { return false }
        return release < over
    }
}
