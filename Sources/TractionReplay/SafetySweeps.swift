import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionTherapy

/// One session a sweep branches from: a program for a patient, with the
/// seed of the simulated patient. `programPath` is what a person would pass
/// to `tractionctl replay` to reproduce a finding.
public struct SweepSession: Sendable {
    public var programPath: String
    public var plan: SessionPlan
    public var seed: UInt64
    /// A still patient: no random coughs, shifts or tensing.
    public var calm: Bool
    /// Safety thresholds other than the defaults (tests that prove a sweep
    /// can fail); nil for the defaults a daemon runs with.
    public var safety: SafetyConfiguration?

    public init(programPath: String, plan: SessionPlan, seed: UInt64, calm: Bool = false) {
        self.programPath = programPath
        self.plan = plan
        self.seed = seed
        self.calm = calm
    }

    /// The replay of this session, as `tractionctl replay` builds it.
    public var request: ReplayRequest {
        var request = ReplayRequest(plan: plan, seed: seed, plant: PlantConfiguration(
            seed: seed, patient: SimulatedPatient(bodyMass: plan.patient.weight, region: plan.patient.region),
            disturbances: calm ? .none : DisturbanceParameters()))
        request.recordsChart = false
        if let safety { request.engine.safety = safety }
        return request
    }

    /// The command line that replays this session with `faults` and `actions`.
    public func replayCommand(faults: String? = nil, actions: String? = nil) -> String {
        var words = ["tractionctl replay", programPath, "--weight", SweepText.number(plan.patient.weight.value),
                     "--seed", "\(seed)"]
        if plan.patient.region != plan.program.program.region { words += ["--region", plan.patient.region.rawValue] }
        if calm { words.append("--calm") }
        if let faults { words += ["--faults", faults] }
        if let actions { words += ["--actions", actions] }
        return words.joined(separator: " ")
    }
}

/// A bound a sweep found broken, with the command that replays it.
public struct SweepViolation: Sendable, CustomStringConvertible {
    public var sweep: String
    public var what: String
    public var replayCommand: String

    public var description: String { "\(sweep): \(what)\n    replay: \(replayCommand)" }
}

/// What one sweep found: how many branches it played, how many bounds it
/// checked, the worst figure of each kind, and every violation.
public struct SweepFindings: Sendable {
    public var name: String
    /// The hazards of docs/safety.md whose bound the sweep proves.
    public var hazards: String
    public var runs = 0
    public var checks = 0
    public var violations: [SweepViolation] = []
    /// The worst value seen of each figure (larger is worse).
    public var worst: [String: Double] = [:]

    public init(name: String, hazards: String) {
        self.name = name
        self.hazards = hazards
    }

    mutating func check(_ holds: Bool, _ what: @autoclosure () -> String, replay: @autoclosure () -> String) {
        checks += 1
        if !holds { violations.append(SweepViolation(sweep: name, what: what(), replayCommand: replay())) }
    }

    mutating func note(_ figure: String, _ value: Double) {
        worst[figure] = max(worst[figure] ?? -.infinity, value)
    }

    public mutating func merge(_ other: SweepFindings) {
        runs += other.runs
        checks += other.checks
        violations += other.violations
        for (figure, value) in other.worst { note(figure, value) }
    }

    /// One line per figure, for reports and `make soak`.
    public var summary: String {
        var lines = ["\(name) (\(hazards)): \(runs) runs, \(checks) checks, \(violations.count) violations"]
        for figure in worst.keys.sorted() {
            lines.append("  worst \(figure): \(SweepText.number(worst[figure]!))")
        }
        return lines.joined(separator: "\n")
    }
}

/// The sweeps that prove the bounds of docs/safety.md over a fault space.
/// Each takes the sessions to branch from and the grid to search, and
/// returns its findings; the tests in `make test` run small grids, the
/// soak (`make soak`, traction-soak) large ones. docs/safety.md names each.
public enum SafetySweeps {
    // MARK: H4 and H1: a force channel that reads wrong

    /// Grid of the force-channel sweep.
    public struct SensorGrid: Sendable {
        public var offsets: [Double]
        public var gains: [Double]
        /// Also freeze each channel.
        public var stuck: Bool
        /// Offsets of channel B (the redundant channel).
        public var channelBOffsets: [Double]
        public var window: Seconds

        public init(offsets: [Double], gains: [Double], stuck: Bool = true, channelBOffsets: [Double] = [],
                    window: Seconds) {
            self.offsets = offsets
            self.gains = gains
            self.stuck = stuck
            self.channelBOffsets = channelBOffsets
            self.window = window
        }

        /// The fault space: offsets -100...+100 N, gains 0.7...1.3.
        public static let full = SensorGrid(
            offsets: [-100, -75, -50, -35, -28, -25, -20, -15, -12, -10, -8, -6, -4, -2, 2, 4, 6, 8, 10, 12, 15, 20, 25,
                      28, 35, 50, 75, 100],
            gains: [0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 1.03, 1.05, 1.07, 1.1, 1.15, 1.2, 1.25, 1.3],
            channelBOffsets: [-100, -50, -25, -12, -6, 6, 12, 25, 50, 100], window: 20)
    }

    /// H4/H1: a force channel offset, scaled or frozen at any instant of the
    /// session. Bound: the true force never exceeds the effective limit plus
    /// the H1 tolerance unless a release had started first; a fault whose
    /// disagreement is well beyond the plausibility tolerance is named
    /// within 100 ms (H4); a frozen channel is named within 100 ms of the
    /// true force leaving it by more than the tolerance.
    public static func sensorFaults(_ sessions: [SweepSession], grid: SensorGrid,
                                    fractions: [Double] = [0.3, 0.8]) -> SweepFindings {
        var findings = SweepFindings(name: "force channel faults", hazards: "H1, H4")
        for session in sessions {
            let instants = FaultSweep.branchInstants(of: session.plan, fractions: fractions)
            for point in FaultSweep.branchPoints(session.request, at: instants) {
                var faults: [SweepFault] = grid.offsets.map { SweepFault(.loadCellOffset(Newtons($0))) }
                    + grid.gains.map { SweepFault(.loadCellGain($0)) }
                if grid.stuck { faults += [SweepFault(.stuckLoadCell), SweepFault(.stuckRedundantChannel)] }
                faults += grid.channelBOffsets.map { SweepFault(.redundantOffset(Newtons($0))) }
                for fault in faults {
                    findings.merge(sensorBranch(session, point, fault, window: grid.window))
                }
            }
        }
        return findings
    }

    private static func sensorBranch(_ session: SweepSession, _ point: BranchPoint, _ fault: SweepFault,
                                     window: Seconds) -> SweepFindings {
        var findings = SweepFindings(name: "force channel faults", hazards: "H1, H4")
        findings.runs = 1
        let safety = point.run.engine.configuration.safety
        let replay = session.replayCommand(faults: "\(SweepText.number(point.instant.sessionTime))s:\(fault)")
        let sensorCodes: [AlarmCode] = [.forceSensorImplausible, .forceSensorStuck, .forceSensorOutOfRange]
        // A frozen channel: when the true force first leaves the frozen
        // reading by more than what H4 tolerates (the plausibility tolerance
        // plus the healthy channel's own error).
        var frozen: Newtons?
        var leftFrozenAt: Seconds?
        let outcome = FaultSweep.play(from: point, fault, window: window) { tick in
            guard fault.fault == .stuckLoadCell || fault.fault == .stuckRedundantChannel,
                  let telemetry = tick.telemetry else { return }
            let reading = fault.fault == .stuckLoadCell ? telemetry.loadCellForce : telemetry.redundantForce
            if frozen == nil { frozen = reading }
            let allowed = safety.plausibilityTolerance(at: tick.trueForce) + 1 + tick.trueForce * 0.01
            if leftFrozenAt == nil, (tick.trueForce - frozen!).magnitude > allowed { leftFrozenAt = tick.elapsed }
        }
        findings.check(outcome.overForceBoundHolds,
                       "true force \(SweepText.newtons(outcome.highestTrueForce)) passed limit "
                       + "\(SweepText.newtons(outcome.limit)) + \(SweepText.newtons(outcome.tolerance)) at "
                       + "\(point.instant) + \(SweepText.seconds(outcome.firstOverLimitPlusTolerance)) before any release",
                       replay: replay)
        findings.note("true force above the limit (N)", (outcome.highestTrueForce - outcome.limit).value)
        findings.note("true force above limit + H1 tolerance (N)",
                      (outcome.highestTrueForce - outcome.limit - outcome.tolerance).value)

        let detected = sensorCodes.compactMap { outcome.firstAlarm[$0] }.min()
        let force = point.trueForce
        let disagreement: Double?
        switch fault.fault {
        case .loadCellOffset(let offset), .redundantOffset(let offset): disagreement = offset.value.magnitude
        case .loadCellGain(let factor): disagreement = (factor - 1).magnitude * force.value
        default: disagreement = nil
        }
        // A disagreement as large as the H1 tolerance could hide an
        // over-force: it must be named, whatever the plausibility threshold
        // is configured to (which `SafetyConfiguration.validate` keeps below it).
        let tolerance = safety.overForceTolerance(for: force)
        if let disagreement, disagreement >= tolerance.value {
            let bound = SafetyConfiguration.RequiredBounds.sensorDetectionBound
            findings.check(detected.map { $0 <= bound } ?? false,
                           "\(fault) at \(point.instant) (force \(SweepText.newtons(force)), disagreement "
                           + "\(SweepText.number(disagreement)) N, H1 tolerance \(SweepText.newtons(tolerance))) "
                           + "named after \(SweepText.seconds(detected)), bound \(SweepText.seconds(bound))",
                           replay: replay)
            if let detected { findings.note("detection of a disagreeing channel (ms)", detected.value * 1000) }
        }
        if let leftFrozenAt {
            let bound = leftFrozenAt + SafetyConfiguration.RequiredBounds.sensorDetectionBound
            findings.check(detected.map { $0 <= bound } ?? false,
                           "\(fault) at \(point.instant): the true force left the frozen reading at "
                           + "\(SweepText.seconds(leftFrozenAt)), named after \(SweepText.seconds(detected))",
                           replay: replay)
            if let detected {
                findings.note("detection of a frozen channel after the force left it (ms)",
                              (detected - leftFrozenAt).value * 1000)
            }
        }
        return findings
    }

    // MARK: H5: short telemetry gaps, delays and frame loss

    public struct LinkGrid: Sendable {
        /// Telemetry gaps (commands still reach the table), s.
        public var gaps: [Seconds]
        /// Telemetry delays held for `delayHeld`, s.
        public var delays: [Seconds]
        public var delayHeld: Seconds
        /// Frame loss probabilities held for `delayHeld`.
        public var frameLoss: [Double]
        /// Link stalls (nothing either way), s.
        public var stalls: [Seconds]
        public var window: Seconds

        public init(gaps: [Seconds], delays: [Seconds], delayHeld: Seconds, frameLoss: [Double], stalls: [Seconds],
                    window: Seconds) {
            self.gaps = gaps
            self.delays = delays
            self.delayHeld = delayHeld
            self.frameLoss = frameLoss
            self.stalls = stalls
            self.window = window
        }

        public static let full = LinkGrid(
            gaps: [0.004, 0.008, 0.012, 0.016, 0.020, 0.024, 0.030, 0.036, 0.040, 0.044, 0.048],
            delays: [0.008, 0.016, 0.030, 0.045], delayHeld: 5, frameLoss: [0.002, 0.01, 0.05],
            stalls: [0.008, 0.020, 0.040], window: 15)
    }

    /// H5: a telemetry gap, delay or stall shorter than the loss bound, or
    /// scattered frame loss, at any instant. Bound: tension is held, neither
    /// raised nor dumped: against the same session without the fault, the
    /// true force differs by at most the H1 tolerance, no latched alarm
    /// sounds, and the session goes on. Give it calm sessions: with a
    /// coughing patient the faulted run and its twin part ways for reasons
    /// that are not the fault's (a cough's FORCE_RATE_HIGH sounds in one and
    /// not the other, and its held tension comes back at the ramp rate),
    /// which the comparison would blame on the link.
    public static func linkFaults(_ sessions: [SweepSession], grid: LinkGrid,
                                  fractions: [Double] = [0.3, 0.8]) -> SweepFindings {
        var findings = SweepFindings(name: "short link faults", hazards: "H5")
        for session in sessions {
            let instants = FaultSweep.branchInstants(of: session.plan, fractions: fractions, startingAt: false)
            for point in FaultSweep.branchPoints(session.request, at: instants) {
                let twin = FaultSweep.trace(from: point, window: grid.window)
                var faults = grid.gaps.map { SweepFault(.telemetryGap, for: $0) }
                faults += grid.stalls.map { SweepFault(.linkStall, for: $0) }
                faults += grid.delays.map { SweepFault(.telemetryDelay($0), for: grid.delayHeld) }
                faults += grid.frameLoss.map { SweepFault(.frameLoss($0), for: grid.delayHeld) }
                for fault in faults {
                    findings.merge(linkBranch(session, point, fault, twin: twin, window: grid.window))
                }
            }
        }
        return findings
    }

    private static func linkBranch(_ session: SweepSession, _ point: BranchPoint, _ fault: SweepFault,
                                   twin: [Newtons], window: Seconds) -> SweepFindings {
        var findings = SweepFindings(name: "short link faults", hazards: "H5")
        findings.runs = 1
        let safety = point.run.engine.configuration.safety
        let replay = session.replayCommand(faults: "\(SweepText.number(point.instant.sessionTime))s:\(fault)")
        var largestDifference = Newtons.zero
        var index = 0
        let outcome = FaultSweep.play(from: point, fault, window: window) { tick in
            if index < twin.count { largestDifference = max(largestDifference, (tick.trueForce - twin[index]).magnitude) }
            index += 1
        }
        let tolerance = safety.overForceTolerance(for: max(point.trueForce, point.plannedForce))
        findings.check(largestDifference <= tolerance,
                       "\(fault) at \(point.instant): the true force moved \(SweepText.newtons(largestDifference)) "
                       + "from the unfaulted session, more than the H1 tolerance \(SweepText.newtons(tolerance))",
                       replay: replay)
        findings.note("true force moved by a \(fault.fault.name) (N)", largestDifference.value)
        let latched = outcome.firstAlarm.keys.filter { $0.latches }
        findings.check(latched.isEmpty,
                       "\(fault) at \(point.instant) raised \(latched.map(\.symbol)): a fault shorter than the loss "
                       + "bound must not end the session", replay: replay)
        return findings
    }

    // MARK: Pause and resume

    public struct PauseGrid: Sendable {
        public var pause: Seconds
        /// How long after the resume the return to the target is watched.
        public var afterResume: Seconds

        public init(pause: Seconds, afterResume: Seconds) {
            self.pause = pause
            self.afterResume = afterResume
        }

        public static let full = PauseGrid(pause: 300, afterResume: 30)
    }

    /// Pause holds the force it found, and resume returns at the program's
    /// ramp rate. Bound: over the pause, the true force drifts by at most 2 %
    /// of the paused force (mean of the last 10 s against the first 2 s) and
    /// never rises above the force the pause holds (beyond the sensor's
    /// noise and the table limiter's catch); after the resume no one-second
    /// window rises faster than the phase's ramp rate (plus 3 N of noise
    /// and the patient's disturbances, which the calm sessions leave out).
    public static func pauseAndResume(_ sessions: [SweepSession], grid: PauseGrid,
                                      fractions: [Double] = [0.5]) -> SweepFindings {
        var findings = SweepFindings(name: "pause and resume", hazards: "H1, H3")
        for session in sessions {
            let instants = FaultSweep.branchInstants(of: session.plan, fractions: fractions, startingAt: false)
                .filter { !$0.label.contains("positioning") && !$0.label.contains("final") }
            for point in FaultSweep.branchPoints(session.request, at: instants) {
                guard point.state == .treating, point.trueForce > point.run.engine.configuration.safety.slackForce else {
                    continue
                }
                findings.merge(pauseBranch(session, point, grid: grid))
            }
        }
        return findings
    }

    private static func pauseBranch(_ session: SweepSession, _ point: BranchPoint, grid: PauseGrid) -> SweepFindings {
        var findings = SweepFindings(name: "pause and resume", hazards: "H1, H3")
        findings.runs = 1
        let at = point.instant.sessionTime
        let replay = session.replayCommand(
            actions: "\(SweepText.number(at))s:pause,\(SweepText.number(at + grid.pause.value))s:resume")
        var run = point.run
        var log = EngineEventLog()
        guard run.engine.pause(by: "sweep", at: run.now, into: &log) == .accepted else {
            findings.check(false, "pause refused at \(point.instant)", replay: replay)
            return findings
        }
        let held = run.engine.kernel.pausedHoldForce ?? .zero
        let pauseStart = run.now
        var early: [Double] = []
        var late: [Double] = []
        var highest = Newtons.zero
        while run.now - pauseStart < grid.pause {
            run.advance()
            let elapsed = (run.now - pauseStart).value
            let force = run.plant.trueCableForce
            if elapsed <= 2 { early.append(force.value) }
            if elapsed >= grid.pause.value - 10 { late.append(force.value) }
            if !run.plant.disturbanceActivity.any { highest = max(highest, force) }
        }
        let startMean = early.reduce(0, +) / Double(max(early.count, 1))
        let endMean = late.reduce(0, +) / Double(max(late.count, 1))
        let drift = (endMean - startMean).magnitude / max(startMean, 1)
        findings.check(drift <= 0.02,
                       "pause at \(point.instant): the force drifted \(SweepText.number(drift * 100)) % "
                       + "(\(SweepText.number(startMean)) N to \(SweepText.number(endMean)) N) over "
                       + "\(SweepText.number(grid.pause.value)) s", replay: replay)
        findings.note("drift over the pause (%)", drift * 100)
        let above = highest - held
        findings.check(above.value <= 1.5 + held.value * 0.01,
                       "pause at \(point.instant): the true force rose to \(SweepText.newtons(highest)), above the "
                       + "\(SweepText.newtons(held)) the pause holds", replay: replay)
        findings.note("true force above the paused force (N)", above.value)

        guard run.engine.resume(by: "sweep", at: run.now, into: &log) == .accepted else {
            findings.check(false, "resume refused after the pause at \(point.instant)", replay: replay)
            return findings
        }
        let resumeStart = run.now
        // Per tick: the true force, the planned target, and the ramp rate
        // the setpoint may climb back at (a later phase may ramp faster).
        var samples: [(time: Double, force: Double, target: Double, rate: Double)] = []
        var disturbed = false
        while run.now - resumeStart < grid.afterResume {
            run.advance()
            samples.append(((run.now - resumeStart).value, run.plant.trueCableForce.value,
                            run.engine.plannerOutput?.targetForce.value ?? 0,
                            run.engine.plannerOutput?.recoveryRate.value ?? 0))
            disturbed = disturbed || run.plant.disturbanceActivity.any
        }
        guard !disturbed else { return findings }
        // Over every second: the force may climb as fast as the plan does,
        // or as fast as the ramp rate allows, whichever is more, plus 3 N for
        // the loop's lag and the sensors' noise.
        var worstExcess = -Double.infinity
        var windowStart = 0
        var rate = 0.0
        for sample in samples {
            while sample.time - samples[windowStart].time > 1 { windowStart += 1 }
            guard sample.time - samples[windowStart].time >= 0.99 else { continue }
            let first = samples[windowStart]
            let fastestRate = samples[windowStart...].lazy.map(\.rate).max() ?? 0
            let allowed = max(fastestRate, sample.target - first.target) + 3
            let excess = (sample.force - first.force) - allowed
            if excess > worstExcess {
                worstExcess = excess
                rate = fastestRate
            }
        }
        let steepest = worstExcess + rate + 3
        findings.check(worstExcess <= 0,
                       "resume after the pause at \(point.instant): the force rose \(SweepText.number(steepest)) N in "
                       + "one second, faster than the ramp rate \(SweepText.number(rate)) N/s and the plan", replay: replay)
        findings.note("rise in a second after resume above what the ramp rate and the plan allow (N)", worstExcess + 3)
        return findings
    }

    // MARK: H1: the effective limit, without faults

    /// Whole sessions without a fault. Bound: the measured peak (the larger
    /// force channel, noise included) and the true peak stay at or below the
    /// effective limit; the session completes with no alarm but the medium
    /// FORCE_RATE_HIGH of a cough.
    public static func peaksWithoutFaults(_ sessions: [SweepSession]) -> SweepFindings {
        var findings = SweepFindings(name: "peaks without faults", hazards: "H1, H4")
        for session in sessions {
            findings.runs += 1
            let report = ReplayRunner.run(session.request).report
            let replay = session.replayCommand()
            let limit = report.effectiveLimitNewtons
            findings.check(report.peakForceNewtons <= limit,
                           "measured peak \(SweepText.number(report.peakForceNewtons)) N above the effective limit "
                           + "\(SweepText.number(limit)) N", replay: replay)
            findings.check(report.truePeakForceNewtons <= limit,
                           "true peak \(SweepText.number(report.truePeakForceNewtons)) N above the effective limit "
                           + "\(SweepText.number(limit)) N", replay: replay)
            findings.note("measured peak above the limit (N)", report.peakForceNewtons - limit)
            findings.note("true peak above the limit (N)", report.truePeakForceNewtons - limit)
            let unexpected = report.alarms.filter { $0.code != AlarmCode.forceRateHigh.symbol }
            findings.check(unexpected.isEmpty && report.sessionEnd == "completed",
                           "session ended \(report.sessionEnd) with alarms \(unexpected.map(\.code))", replay: replay)
        }
        return findings
    }
}

/// Numbers as the sweeps print them.
enum SweepText {
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded(), rounded.magnitude < 1e15 { return String(Int64(rounded)) }
        return String(rounded)
    }

    static func newtons(_ force: Newtons) -> String { number(force.value) + " N" }

    static func seconds(_ time: Seconds?) -> String {
        guard let time else { return "never" }
        return number(time.value * 1000) + " ms"
    }
}
