import TractionDevice
@testable import TractionSafety

/// Drives a `SafetyKernel` tick by tick the way the engine does: observe the
/// newest telemetry, then clamp the controller's demand. Time is virtual.
struct KernelHarness {
    var kernel: SafetyKernel
    var events = SafetyEventLog()
    /// Every event since the harness was created, for assertions over a run.
    var history: [SafetyEvent] = []
    var now = MonotonicInstant.seconds(1)
    /// The reading the next tick delivers; tests edit it between ticks.
    var telemetry = Telemetry(harnessClosed: true, driveEnabled: true)
    var context = TickContext()
    /// The controller's wish for the next tick; tests edit it.
    var demand = DriveDemand(command: DriveCommand(driveEnabled: true))
    /// The command the last tick sent to the table.
    var lastCommand = DriveCommand.disabled
    /// When false the next ticks deliver no new sample (the table is silent).
    var telemetryArrives = true
    static let clinician = "clinician:alice"

    init(configuration: SafetyConfiguration = SafetyConfiguration()) {
        kernel = SafetyKernel(configuration: configuration)
    }

    var configuration: SafetyConfiguration { kernel.configuration }
    var state: InterlockState { kernel.state }
    var period: Seconds { configuration.tickPeriod }

    /// One control period: time advances, a sample arrives (unless silenced),
    /// the kernel observes it and clamps the demand. Returns the command.
    @discardableResult
    mutating func tick(advancingBy step: Seconds? = nil) -> DriveCommand {
        now = now + (step ?? period)
        if telemetryArrives {
            telemetry.sequence &+= 1
            telemetry.receivedAt = now
        }
        events.removeAll()
        kernel.observe(telemetry, context: context, at: now, into: &events)
        lastCommand = kernel.clamp(demand, at: now, into: &events)
        history += events.events
        return lastCommand
    }

    mutating func command(_ command: OperatorCommand, by identity: String = KernelHarness.clinician) {
        events.removeAll()
        kernel.command(command, by: identity, at: now, into: &events)
        history += events.events
    }

    mutating func link(_ event: LinkEvent) {
        events.removeAll()
        kernel.link(event, at: now, into: &events)
        history += events.events
    }

    mutating func selfTest(passed: Bool) {
        events.removeAll()
        kernel.selfTest(passed: passed, at: now, into: &events)
        history += events.events
    }

    mutating func sessionComplete() {
        events.removeAll()
        kernel.sessionComplete(at: now, into: &events)
        history += events.events
    }

    /// Connects, shakes hands and passes the self-test: the kernel is `ready`.
    mutating func bringToReady() {
        link(.connected)
        link(.handshakeDone)
        tick()
        selfTest(passed: true)
        tick()
    }

    /// Brings the kernel to `treating` with `limit` as the session's limit.
    mutating func startTreatment(limit: Newtons = 300, region: TreatmentRegion = .lumbar) {
        bringToReady()
        context.sessionForceLimit = limit
        context.region = region
        command(.arm)
        tick()
        command(.start)
        tick()
    }

    /// Ticks until `condition` holds, at most `maximum` ticks; returns how
    /// many ticks it took, or nil if it never held.
    mutating func ticks(upTo maximum: Int, until condition: (KernelHarness) -> Bool) -> Int? {
        for count in 1...maximum {
            tick()
            if condition(self) { return count }
        }
        return nil
    }

    /// The alarm `code` was raised by the last call.
    func raised(_ code: AlarmCode) -> Bool {
        events.events.contains { if case .alarmRaised(code, _) = $0 { true } else { false } }
    }

    /// The last call refused `event`, with the reason.
    func refusal(of event: InterlockEvent) -> RefusalReason? {
        for case .refused(event, _, let reason, _, _) in events.events { return reason }
        return nil
    }
}

extension KernelHarness {
    /// Sets the load cell and a redundant estimate that agrees with it.
    mutating func setForce(_ force: Newtons) {
        telemetry.loadCellForce = force
        telemetry.redundantForce = force
    }

    /// Like `ticks(upTo:until:)`, running `setup` before each tick.
    mutating func ticks(upTo maximum: Int, until condition: (KernelHarness) -> Bool,
                        setup: (inout KernelHarness) -> Void) -> Int? {
        for count in 1...maximum {
            setup(&self)
            tick()
            if condition(self) { return count }
        }
        return nil
    }

    /// Ticks while the controller asks for `ceiling` until the kernel's
    /// ramp (H3) has brought the force ceiling there.
    mutating func rampCeiling(to ceiling: Newtons) {
        demand.command.forceCeiling = ceiling
        let ticksNeeded = Int((ceiling / (configuration.maximumForceRate * configuration.tickPeriod)).rounded(.up)) + 2
        for _ in 0..<(2 * ticksNeeded) where lastCommand.forceCeiling < ceiling { tick() }
    }
}
