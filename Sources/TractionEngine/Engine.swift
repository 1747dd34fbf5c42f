import TractionDevice
import TractionSafety
import TractionTherapy

/// A session prepared by `arm` and waiting for `start`.
public struct ArmedSession: Sendable {
    public var plan: SessionPlan
    /// A pseudonymous patient reference, never a name.
    public var patientReference: String
    public var armedBy: String
    /// A hold force the operator set before the start; applied when it starts.
    public var pendingHoldForce: Newtons?
}

/// The deterministic core of tractiond: one `step` per control period.
///
/// Each step runs, in this order (ARCHITECTURE.md, "The tick"):
/// 1. safety first: the kernel judges the newest telemetry;
/// 2. therapy: the planner yields this instant's targets;
/// 3. control: the force and angle controllers turn targets into demands;
/// 4. safety last: the kernel clamps the demand to its envelope.
///
/// The engine is pure: no I/O, no clock, no threads. The same value runs
/// under the daemon's real-time thread, a replay's virtual clock and the
/// tests. Its steady path (no state change, no new alarm) allocates nothing;
/// `Benchmarks/` proves it by counting mallocs.
public struct Engine: Sendable {
    public let configuration: EngineConfiguration
    public let identity: TableIdentity
    public internal(set) var kernel: SafetyKernel

    public internal(set) var armedSession: ArmedSession?
    public internal(set) var planner: PlannerState?
    /// The planner's targets at the last tick of the running session.
    public private(set) var plannerOutput: PlannerOutput?
    public private(set) var lastCommand = DriveCommand.disabled
    public private(set) var lastTelemetry: Telemetry?
    public private(set) var lastStepAt: MonotonicInstant?
    /// The reason the latest session ended, kept until the next one is armed.
    public private(set) var lastSessionEnd: SessionEndReason?

    private var forceController: ForceController
    private var angleControllers: AngleControllers
    /// The force controller's setpoint last tick (its rate is fed forward).
    private var previousSetpoint = Newtons.zero
    /// The setpoint limited to the program's ramp rate (`controllerSetpoint`).
    private var governedSetpoint = Newtons.zero
    private var selfTestRun: SelfTestRun?
    /// Pays out tension found at rest (`RestRelease`).
    private var restRelease = RestRelease()
    /// The limit of the session that ended, kept until the release is done.
    private var releaseForceLimit: Newtons?
    /// The start window (docs/safety.md, H6): from this engine's creation
    /// until the table shows a sample without `leaseExpired`, the engine
    /// first enables the drive other than to release, or a self-test ends. Inside it a
    /// `leaseExpired` latch is the trace of the previous daemon, not a drive
    /// fault of this one: the engine keeps that one bit from the kernel.
    public private(set) var startWindowOpen = true
    /// The table reported `leaseExpired` inside the start window: the
    /// previous daemon stopped commanding while the drive was enabled.
    public private(set) var tableLeaseExpiredAtStart = false

    /// - Parameter identity: what the table reported in its handshake; the
    ///   configuration is narrowed to the table's own force cap and axes.
    public init(configuration: EngineConfiguration, identity: TableIdentity) {
        let adapted = configuration.adapted(to: identity)
        self.configuration = adapted
        self.identity = identity
        kernel = SafetyKernel(configuration: adapted.safety)
        forceController = ForceController(configuration: adapted.forceController)
        angleControllers = AngleControllers(axes: identity.angleAxes, configuration: adapted.angleController)
    }

    public var state: InterlockState { kernel.state }

    /// The force limit the kernel judges against: the armed or running
    /// session's, and after a session ends the same limit until the table
    /// is slack again (the idle limit would otherwise flag the release
    /// itself as an over-force).
    public var sessionForceLimit: Newtons? {
        planner?.plan.effectiveLimit.force ?? armedSession?.plan.effectiveLimit.force ?? releaseForceLimit
    }

    /// The region of the armed or running session; lumbar when idle (its
    /// hard cap is the larger, so idle checks use the idle force limit).
    public var region: TreatmentRegion {
        planner?.plan.patient.region ?? armedSession?.plan.patient.region ?? .lumbar
    }

    // MARK: Link

    /// The transport to the table is open.
    public mutating func linkConnected(at now: MonotonicInstant, into log: inout EngineEventLog) {
        kernel.link(.connected, at: now, into: &log.safety)
        react(to: &log, at: now)
    }

    /// The handshake succeeded; the self-test starts.
    public mutating func handshakeDone(at now: MonotonicInstant, into log: inout EngineEventLog) {
        kernel.link(.handshakeDone, at: now, into: &log.safety)
        react(to: &log, at: now)
    }

    /// The link layer gave up on the table.
    public mutating func linkLost(at now: MonotonicInstant, into log: inout EngineEventLog) {
        kernel.link(.lost, at: now, into: &log.safety)
        react(to: &log, at: now)
    }

    /// Applies what the table link reported, in order, at the tick's `now`
    /// (the kernel's clock never runs backwards; the event keeps the link's
    /// own stamp in the log). A handshake after a loss on the same port, or
    /// after a refusal, comes without a `connected`; the engine then
    /// connects first, so a table back from a glitch is self-tested again.
    /// A transport failure and a FAULT_REPORT are logged only: the silence
    /// that follows a failure is reported as `lost`.
    public mutating func linkReported(_ event: SerialLinkEvent, at now: MonotonicInstant,
                                      into log: inout EngineEventLog) {
        log.recordLink(event)
        switch event {
        case .connected: linkConnected(at: now, into: &log)
        case .handshakeDone:
            if kernel.state == .offline { linkConnected(at: now, into: &log) }
            handshakeDone(at: now, into: &log)
        case .lost, .refused: linkLost(at: now, into: &log)
        // A FAULT_REPORT is for people: the faults it names reach the
        // kernel in telemetry's drive_faults, which is what it acts on.
        case .transportFailed, .faultReport: break
        }
    }

    // MARK: The tick

    /// Runs one control period at `now` with the newest telemetry (nil when
    /// none has arrived) and returns the command for the table.
    ///
    /// - Parameter deadlineMissed: the previous tick overran its deadline
    ///   (the control thread's count feeds the kernel's overrun budget, H11).
    public mutating func step(now: MonotonicInstant, telemetry: Telemetry?, deadlineMissed: Bool = false,
                              into log: inout EngineEventLog) -> DriveCommand {
        let period = periodSinceLastStep(now)
        lastStepAt = now
        if let telemetry { lastTelemetry = telemetry }
        let judged = judgedAtStart(telemetry, at: now, into: &log)

        if releaseForceLimit != nil, kernel.state == .ready || kernel.state == .offline
            || (telemetry.map { $0.measuredForce <= configuration.safety.slackForce } ?? false) {
            releaseForceLimit = nil
        }

        // 1. Safety first.
        let context = TractionSafety.TickContext(
            sessionForceLimit: sessionForceLimit, region: region,
            angleTargets: plannerOutput?.targetAngles,
            articulationDeclared: plannerOutput?.articulating ?? false,
            deadlineMissed: deadlineMissed)
        kernel.observe(judged, context: context, at: now, into: &log.safety)
        react(to: &log, at: now)
        advanceSelfTest(telemetry: judged, at: now, into: &log)

        // 2. Therapy.
        var targetForce = Newtons.zero
        if planner != nil {
            let previous = plannerOutput
            let output = planner!.advance(to: now)
            plannerOutput = output
            targetForce = output.targetForce
            if previous.map({ $0.activity != output.activity || $0.phaseIndex != output.phaseIndex
                    || $0.step != output.step || $0.cycle != output.cycle }) ?? true {
                log.append(.phaseEntered(activity: output.activity, phaseIndex: output.phaseIndex,
                                         step: output.step, cycle: output.cycle, at: now))
            }
            if output.isFinished && kernel.state == .treating {
                kernel.sessionComplete(at: now, into: &log.safety)
                react(to: &log, at: now)
            }
        }

        // 3. Control.
        var demand = DriveCommand(driveEnabled: false, lease: configuration.commandLease)
        if let output = plannerOutput, planner != nil, let measured = lastTelemetry {
            let measuredForce = measured.measuredForce
            let setpoint = controllerSetpoint(planned: targetForce, measured: measuredForce,
                                              recoveryRate: output.recoveryRate, period: period)
            let setpointRate = (setpoint - previousSetpoint) / period
            previousSetpoint = setpoint
            demand.driveEnabled = true
            demand.tractionVelocity = forceController.update(
                target: setpoint, targetRate: setpointRate, measured: measuredForce, period: period)
            demand.angleVelocities = angleControllers.update(
                targets: output.targetAngles, measured: measured.angles, period: period)
            demand.forceCeiling = configuration.tableCeiling(forLimit: output.effectiveLimit)
            demand.tractionVelocity = keepClearOfTravelEnds(demand.tractionVelocity, at: measured.tractionPosition)
        } else {
            previousSetpoint = .zero
            if restRelease.update(state: kernel.state, sample: lastTelemetry,
                                  slackForce: configuration.safety.slackForce) {
                demand.driveEnabled = true
                demand.releaseProfile = .normal
            } else if kernel.state == .armed {
                // Hold the slack harness; nothing pulls before `start`.
                demand.driveEnabled = true
            }
        }

        // 4. Safety last.
        let command = kernel.clamp(DriveDemand(command: demand, targetForce: targetForce), at: now,
                                   into: &log.safety)
        react(to: &log, at: now)
        if command.tractionVelocity != demand.tractionVelocity {
            // The clamp overrode the controller: resume from what was applied.
            forceController.track(applied: command.tractionVelocity)
        }
        lastCommand = command
        // Once this engine has enabled the drive for anything but a release
        // (from then on it may command tension), a lease that expires is its
        // own link's failure (H5): a drive fault from then on. A release
        // under fault keeps the window open: the table releases anyway.
        if command.driveEnabled && command.releaseProfile == .none { startWindowOpen = false }
        return command
    }

    /// The force controller's setpoint for this tick, from the planner's
    /// target:
    /// - in `paused`, the force the pause holds (the kernel's
    ///   `pausedHoldForce`), never above the planned target: the table
    ///   restores what the patient's creep takes, and no more;
    /// - whenever the kernel held tension back last tick (a pause, stale
    ///   readings, an alarm that holds tension, a state other than
    ///   `treating`), the force the patient has now: nothing to catch up;
    /// - otherwise the planned target, approached from where the setpoint was
    ///   at no more than the phase's ramp rate (`recoveryRate`), so tension
    ///   held back comes back as a programmed ramp would, never in a jolt.
    ///   A planned ramp climbs no faster than that rate, so it passes unchanged.
    private mutating func controllerSetpoint(planned: Newtons, measured: Newtons, recoveryRate: NewtonsPerSecond,
                                             period: Seconds) -> Newtons {
        let present = measured.isFinite ? max(measured, .zero) : planned
        if kernel.state == .paused {
            governedSetpoint = min(planned, present)
            return min(planned, kernel.pausedHoldForce ?? planned)
        }
        if kernel.state != .treating || !kernel.tensionMayRise {
            governedSetpoint = min(planned, present)
            return governedSetpoint
        }
        governedSetpoint = min(planned, governedSetpoint + recoveryRate * period)
        return governedSetpoint
    }

    /// Ends the start window at once: a `leaseExpired` latch is a drive
    /// fault from now on. For an engine that replaces a running one (a
    /// configuration reload), which has no previous daemon's trace to excuse.
    public mutating func closeStartWindow() { startWindowOpen = false }

    /// The sample the kernel and the self-test judge. Inside the start
    /// window a `leaseExpired` bit is recorded once (`tableLeaseExpiredAtStart`)
    /// and removed; every other bit passes, so any other drive fault at start
    /// is still DRIVE_FAULT. The first sample without the bit (the table took
    /// this engine's drive-off command, which clears its latch) ends the window.
    private mutating func judgedAtStart(_ telemetry: Telemetry?, at now: MonotonicInstant,
                                        into log: inout EngineEventLog) -> Telemetry? {
        guard startWindowOpen, var sample = telemetry else { return telemetry }
        guard sample.driveFaults.contains(.leaseExpired) else {
            startWindowOpen = false
            return telemetry
        }
        if !tableLeaseExpiredAtStart {
            tableLeaseExpiredAtStart = true
            log.append(.tableLeaseExpiredAtStart(force: sample.measuredForce, at: now))
        }
        sample.driveFaults.remove(.leaseExpired)
        return sample
    }

    /// Paying out cable at the home end, or pulling at the far end, only
    /// drives the axis into its stop (the table reports a drive fault).
    private func keepClearOfTravelEnds(_ velocity: MillimetresPerSecond,
                                       at position: Millimetres) -> MillimetresPerSecond {
        let clearance = configuration.travelEndClearance
        if position <= clearance && velocity < .zero { return .zero }
        if position >= configuration.maximumTravel - clearance && velocity > .zero { return .zero }
        return velocity
    }

    private func periodSinceLastStep(_ now: MonotonicInstant) -> Seconds {
        guard let last = lastStepAt else { return configuration.period }
        let elapsed = now - last
        // A first tick, a stall or a clock that did not move: use the nominal
        // period rather than feed the controllers a zero or a huge step.
        guard elapsed > .zero, elapsed <= configuration.period * 20 else { return configuration.period }
        return elapsed
    }

    // MARK: Reacting to the kernel

    /// Performs the actions of every transition the kernel appended since
    /// the last collection, and records the session's life cycle.
    mutating func react(to log: inout EngineEventLog, at now: MonotonicInstant) {
        guard !log.safety.isEmpty else { return }
        // Each kernel event goes into the log before what the engine does
        // about it, so the record reads in cause-and-effect order.
        for index in 0..<log.safety.count {
            let event = log.safety.events[index]
            log.append(.safety(event))
            guard case .transition(let from, let to, let cause, let actions, _, _) = event else { continue }
            if actions.contains(.runSelfTest) {
                selfTestRun = SelfTestRun(startedAt: now)
                log.append(.selfTestStarted(at: now))
            }
            if actions.contains(.startSession), var armed = armedSession {
                var running = PlannerState(plan: armed.plan, startingAt: now)
                if let holdForce = armed.pendingHoldForce {
                    running.apply(OperatorEvent(at: now, .adjustHoldForce(holdForce)))
                    armed.pendingHoldForce = nil
                }
                planner = running
                plannerOutput = nil
                armedSession = nil
                forceController.reset()
                angleControllers.reset()
                previousSetpoint = .zero
                governedSetpoint = .zero
                log.append(.sessionStarted(at: now))
            }
            if actions.contains(.holdTension) {
                planner?.apply(OperatorEvent(at: now, .pause))
            }
            if cause == .resume && from == .paused && to == .treating {
                planner?.apply(OperatorEvent(at: now, .resume))
            }
            if actions.contains(.endSession) {
                let reason: SessionEndReason
                switch cause {
                case .sessionComplete: reason = .completed
                case .stop: reason = from == .armed ? .cancelled : .stoppedByOperator
                case .harnessOpen: reason = .harnessOpened
                default: reason = .interrupted
                }
                endSession(reason, at: now, into: &log)
            }
        }
        log.safety.removeAll()
    }

    private mutating func endSession(_ reason: SessionEndReason, at now: MonotonicInstant,
                                     into log: inout EngineEventLog) {
        guard planner != nil || armedSession != nil else { return }
        releaseForceLimit = sessionForceLimit
        planner = nil
        plannerOutput = nil
        armedSession = nil
        forceController.reset()
        angleControllers.reset()
        previousSetpoint = .zero
        governedSetpoint = .zero
        lastSessionEnd = reason
        log.append(.sessionEnded(reason: reason, at: now))
    }

    // MARK: Self-test

    private mutating func advanceSelfTest(telemetry: Telemetry?, at now: MonotonicInstant,
                                          into log: inout EngineEventLog) {
        guard var run = selfTestRun else { return }
        guard kernel.state == .selfTest else {
            // An alarm ended the test early (e.g. the force over the idle
            // limit after a restart mid-session): record what it had found.
            selfTestRun = nil
            log.append(.selfTestFinished(passed: false, finding: run.finding ?? .interruptedByAlarm,
                                         peakIdleForce: run.peakIdleForce, at: now))
            return
        }
        if let telemetry { run.observe(telemetry, criteria: configuration.selfTest) }
        guard now - run.startedAt >= configuration.selfTest.duration else {
            selfTestRun = run
            return
        }
        selfTestRun = nil
        var finding = run.samples == 0 ? .noTelemetry : run.finding
        // The table must have cleared its lease latch by now (every command
        // of the self-test has the drive off); one that still reports it
        // is not obeying, and the start window ends here either way.
        if startWindowOpen, finding == nil, lastTelemetry?.driveFaults.contains(.leaseExpired) ?? false {
            finding = .driveFault
        }
        startWindowOpen = false
        log.append(.selfTestFinished(passed: finding == nil, finding: finding, peakIdleForce: run.peakIdleForce,
                                     at: now))
        kernel.selfTest(passed: finding == nil, at: now, into: &log.safety)
        react(to: &log, at: now)
    }
}

/// The rest release (docs/safety.md, H1): outside a session, in `ready` and
/// `armed`, a tension above the slack force is paid out at the normal release
/// rate until the table holds at its own slack. A table reads "drive off" as
/// "brakes applied" (docs/wire-protocol.md section 10.2), so without this a
/// patient whose body recoils against the braked cable after a release, or
/// a tension found after a restart, would lie on a tight harness between
/// sessions. The release starts above the slack force and ends once the
/// force is at or below it and the table no longer pays out (it has braked
/// at its own slack, at most 5 N); a table that does not pay out is the
/// kernel's RELEASE_NOT_PROGRESSING (H19).
struct RestRelease: Sendable {
    private(set) var active = false
    /// Slower than this inward (mm/s), the table is holding, not paying out.
    static let payingOutSpeed = MillimetresPerSecond(0.5)
    /// Within this of the home position the cable is fully paid out: the
    /// winch holds nothing there, so a force the load cell still reports is
    /// its zero, not tension (the self-test's idle-force check and the
    /// daemon's tare check judge it), and there is nothing left to pay out.
    static let homeMargin = Millimetres(2)

    mutating func update(state: InterlockState, sample: Telemetry?, slackForce: Newtons) -> Bool {
        guard state == .ready || state == .armed, let sample, sample.measuredForce.isFinite else {
            active = false
            return false
        }
        let beyondHome = sample.tractionPosition > Self.homeMargin
        if !active {
            active = sample.measuredForce > slackForce && beyondHome
        } else if !beyondHome || (sample.measuredForce <= slackForce && sample.tractionVelocity > -Self.payingOutSpeed) {
            active = false
        }
        return active
    }
}

/// The self-test in progress: the table is watched with the drive off.
struct SelfTestRun: Sendable {
    var startedAt: MonotonicInstant
    var samples = 0
    var peakIdleForce = Newtons.zero
    var finding: SelfTestFinding?

    init(startedAt: MonotonicInstant) { self.startedAt = startedAt }

    mutating func observe(_ telemetry: Telemetry, criteria: SelfTestCriteria) {
        samples += 1
        let idleForce = max(telemetry.loadCellForce.magnitude, telemetry.redundantForce.magnitude)
        peakIdleForce = max(peakIdleForce, idleForce)
        guard finding == nil else { return }
        if telemetry.emergencyStopPressed {
            finding = .emergencyStopPressed
        } else if telemetry.patientSwitch.eitherPressed || telemetry.driveFaults.contains(.patientSwitchRelease) {
            finding = .patientSwitchPressed
        } else if !telemetry.driveFaults.isEmpty {
            finding = .driveFault
        } else if !(idleForce <= criteria.largestIdleForce) {
            finding = .tensionPresent
        } else if !((telemetry.loadCellForce - telemetry.redundantForce).magnitude <= criteria.largestSensorDisagreement) {
            finding = .sensorsDisagree
        }
    }
}
