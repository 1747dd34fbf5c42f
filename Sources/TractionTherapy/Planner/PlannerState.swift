import TractionDevice

/// The planner for one running session, advanced once per control tick.
///
/// Contract: `advance(to:)` is O(1) amortised (it crosses at most the
/// segments that ended since the last call) and allocates nothing; event
/// handling does O(segments) work without allocating. Instants must not go
/// backwards; an earlier instant is treated as no time passing. The
/// treatment clock runs only while not paused.
public struct PlannerState: Sendable {
    public let plan: SessionPlan
    private var active: ActiveSegment
    private var nextTemplateIndex: Int
    /// Treatment clock, ns since start (stops while paused).
    private var treatmentNanoseconds: Int64 = 0
    /// Treatment clock at which `active` began.
    private var activeStartNanoseconds: Int64 = 0
    /// Total duration of everything after `active`, as it will resolve.
    private var remainingAfterActiveNanoseconds: Int64
    private var lastInstant: MonotonicInstant
    public private(set) var holdScale: Double = 1
    public private(set) var isPaused = false
    /// The final release has begun (programmed or after a stop).
    public private(set) var isReleasing = false
    public private(set) var isFinished = false
    /// The instant the final release reached zero.
    public private(set) var finishedAt: MonotonicInstant?
    public let startedAt: MonotonicInstant

    public init(plan: SessionPlan, startingAt start: MonotonicInstant) {
        self.plan = plan
        self.startedAt = start
        self.lastInstant = start
        let compiler = plan.compiler
        let first = compiler.resolve(plan.templates[0], index: 0, startForce: .zero,
                                     startAngles: plan.patient.initialAngles, holdScale: 1)
        self.active = first
        self.nextTemplateIndex = 1
        self.remainingAfterActiveNanoseconds = plan.totalNanoseconds - first.durationNanoseconds
        self.isReleasing = first.role == .release
        crossFinishedSegments(now: start)
    }

    /// Moves the session to `now` and returns its targets.
    public mutating func advance(to now: MonotonicInstant) -> PlannerOutput {
        moveClock(to: now)
        return output
    }

    /// Applies `event` at its instant (after advancing to it).
    @discardableResult
    public mutating func apply(_ event: OperatorEvent) -> OperatorEventOutcome {
        moveClock(to: event.instant)
        switch event.command {
        case .pause:
            if isFinished { return .ignored(.finished) }
            if isReleasing { return .ignored(.releasing) }
            if isPaused { return .ignored(.alreadyPaused) }
            isPaused = true
            return .applied
        case .resume:
            if isFinished { return .ignored(.finished) }
            if !isPaused { return .ignored(.notPaused) }
            isPaused = false
            return .applied
        case .stop:
            if isFinished { return .ignored(.finished) }
            if isReleasing { return .ignored(.releasing) }
            beginRelease()
            return .applied
        case .adjustHoldForce(let requested):
            if isFinished { return .ignored(.finished) }
            if isReleasing { return .ignored(.releasing) }
            guard requested.isFinite, requested.value > 0 else { return .ignored(.invalidForce) }
            return adjust(to: requested)
        }
    }

    /// The targets at the last instant the state was moved to.
    public var output: PlannerOutput {
        let offset = treatmentNanoseconds - activeStartNanoseconds
        let left = isFinished ? 0 : (active.durationNanoseconds - offset) + remainingAfterActiveNanoseconds
        return PlannerOutput(
            targetForce: isFinished ? .zero : active.force(atOffset: offset),
            targetAngles: active.angles(atOffset: offset),
            activity: isFinished ? .finished : (isPaused ? .paused : active.activity),
            phaseIndex: isFinished ? -1 : active.phaseIndex,
            step: active.step, cycle: active.cycle,
            timeLeft: Seconds(Double(left) / 1e9),
            treatmentElapsed: Seconds(Double(treatmentNanoseconds) / 1e9),
            articulating: !isFinished && active.role == .articulation,
            movingAngles: !isFinished && active.role.movesAngles,
            effectiveLimit: plan.effectiveLimit.force,
            limitSource: plan.effectiveLimit.source,
            holdScale: holdScale,
            recoveryRate: plan.compiler.recoveryRate(of: plan.templates[active.templateIndex]),
            isFinished: isFinished)
    }

    // MARK: - Clock

    private mutating func moveClock(to now: MonotonicInstant) {
        let elapsed = now.nanoseconds &- lastInstant.nanoseconds
        guard elapsed > 0 else { return }
        lastInstant = now
        if !isPaused && !isFinished { treatmentNanoseconds += elapsed }
        crossFinishedSegments(now: now)
    }

    private mutating func crossFinishedSegments(now: MonotonicInstant) {
        while !isFinished && treatmentNanoseconds - activeStartNanoseconds >= active.durationNanoseconds {
            let endOfActive = activeStartNanoseconds + active.durationNanoseconds
            if nextTemplateIndex >= plan.templates.count {
                isFinished = true
                isPaused = false
                // The clock passed the end by (treatment - end) ns, all of it unpaused.
                finishedAt = MonotonicInstant(nanoseconds: now.nanoseconds - (treatmentNanoseconds - endOfActive))
                treatmentNanoseconds = endOfActive
                activeStartNanoseconds = endOfActive
                return
            }
            let next = plan.compiler.resolve(plan.templates[nextTemplateIndex], index: nextTemplateIndex,
                                             startForce: active.endForce, startAngles: active.endAngles,
                                             holdScale: holdScale)
            active = next
            activeStartNanoseconds = endOfActive
            nextTemplateIndex += 1
            remainingAfterActiveNanoseconds -= next.durationNanoseconds
            if next.role == .release { isReleasing = true; isPaused = false }
        }
    }

    // MARK: - Events

    private var currentForce: Newtons { active.force(atOffset: treatmentNanoseconds - activeStartNanoseconds) }
    private var currentAngles: Angles { active.angles(atOffset: treatmentNanoseconds - activeStartNanoseconds) }

    private mutating func beginRelease() {
        let releaseIndex = plan.templates.count - 1
        active = plan.compiler.resolve(plan.templates[releaseIndex], index: releaseIndex, startForce: currentForce,
                                       startAngles: currentAngles, holdScale: holdScale)
        activeStartNanoseconds = treatmentNanoseconds
        nextTemplateIndex = plan.templates.count
        remainingAfterActiveNanoseconds = 0
        isPaused = false
        isReleasing = true
        crossFinishedSegments(now: lastInstant)
    }

    private mutating func adjust(to requested: Newtons) -> OperatorEventOutcome {
        let granted = Swift.min(requested, plan.highestTarget)
        let templateIndex = active.templateIndex
        let template = plan.templates[templateIndex]
        guard template.referenceHold.value > 0 else { return .ignored(.invalidForce) }
        holdScale = granted / template.referenceHold
        let force = currentForce
        let angles = currentAngles
        let compiler = plan.compiler
        if template.role.isApproach, case .level = template.target {
            // Ramping toward a level: head for the new one from here.
            active = compiler.resolve(template, index: templateIndex, startForce: force, startAngles: angles,
                                      holdScale: holdScale)
            activeStartNanoseconds = treatmentNanoseconds
        } else if template.role.isDwell,
                  compiler.level(of: template.target, from: force, holdScale: holdScale) != force || active.isRetarget {
            // A hold or rest whose level changed: ramp to it, then restart the dwell in full.
            active = compiler.retarget(template, index: templateIndex, startForce: force, startAngles: angles,
                                       holdScale: holdScale)
            activeStartNanoseconds = treatmentNanoseconds
            nextTemplateIndex = templateIndex
        }
        remainingAfterActiveNanoseconds = compiler.remainingNanoseconds(
            from: nextTemplateIndex, in: plan.templates, startForce: active.endForce,
            startAngles: active.endAngles, holdScale: holdScale)
        crossFinishedSegments(now: lastInstant)
        return granted < requested ? .clampedToLimit(granted) : .applied
    }
}

/// The planner as a pure function, for tests and offline tools.
public enum Planner {
    /// The targets of `plan` at `instant` for a session that started at
    /// `start`, given the operator events (applied in instant order; events
    /// after `instant` are ignored).
    public static func evaluate(_ plan: SessionPlan, startedAt start: MonotonicInstant,
                                events: [OperatorEvent], at instant: MonotonicInstant) -> PlannerOutput {
        var state = PlannerState(plan: plan, startingAt: start)
        for event in events.sorted(by: { $0.instant < $1.instant }) where event.instant <= instant {
            state.apply(event)
        }
        return state.advance(to: instant)
    }
}
