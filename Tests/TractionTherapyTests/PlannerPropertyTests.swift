import PropertyBased
import Testing
import TractionDevice
@testable import TractionTherapy

/// The safety-relevant properties of the planner, over random valid programs,
/// random patients and random operator events, sampled at a 100 ms tick and
/// at every event instant.
@Suite("Planner properties")
struct PlannerPropertyTests {
    static let tick = Seconds(0.1)
    static let start = MonotonicInstant.seconds(5000)
    static let genome = Gen.double(in: 0...1).array(of: 90)
    static let eventGenome = Gen.double(in: 0...1).array(of: 20)

    /// A valid program and plan from `genes`, or nil for the rare program
    /// longer than the maximum session (any other invalidity fails the test).
    static func plan(from genes: [Double]) throws -> SessionPlan? {
        var genome = Genome(genes)
        let yaml = RandomProgram.yaml(from: &genome)
        switch ProgramValidator.validate(text: yaml, file: "random.yaml") {
        case .failure(let found):
            let onlyTooLong = found.diagnostics.allSatisfy { $0.code == .sessionTooLong }
            #expect(onlyTooLong, "generated program is invalid:\n\(found)\n\(yaml)")
            return nil
        case .success(let program):
            let patient = RandomProgram.patient(for: program.program.region, from: &genome)
            do {
                return try SessionPlan(program: program, patient: patient)
            } catch .sessionTooLong {
                return nil
            }
        }
    }

    /// Checks the invariants between two consecutive samples `dt` apart.
    static func checkStep(from previous: PlannerOutput, to current: PlannerOutput, over dt: Seconds,
                          plan: SessionPlan) {
        let limits = plan.program.limits
        let tolerance = 1e-6
        #expect(current.targetForce <= plan.effectiveLimit.force + Newtons(1e-9),
                "target \(current.targetForce) above the effective limit \(plan.effectiveLimit.force)")
        #expect(current.targetForce >= .zero)
        let change = current.targetForce - previous.targetForce
        if change.value > 0 {
            #expect(change.value <= limits.maximumRampRate.value * dt.value + tolerance,
                    "rose \(change) in \(dt) during \(current.activity)")
        } else {
            #expect(-change.value <= limits.maximumReleaseRate.value * dt.value + tolerance,
                    "fell \(change) in \(dt) during \(current.activity)")
        }
        if current.targetAngles != previous.targetAngles {
            #expect(current.movingAngles || previous.movingAngles, "angles changed outside a move")
        }
        for sample in [previous, current] where sample.movingAngles && !sample.articulating {
            #expect(sample.targetForce <= limits.nonTherapeuticForce + Newtons(1e-9),
                    "angles moving at \(sample.targetForce) without articulation")
        }
    }

    @Test func withoutEventsThePlayedTimelineMatchesThePlannedTotalAndKeepsEveryInvariant() async throws {
        await propertyCheck(count: 60, input: Self.genome) { genes in
            guard let plan = try Self.plan(from: genes) else { return }
            var state = PlannerState(plan: plan, startingAt: Self.start)
            var previous = state.output
            var now = Self.start
            let bound = Int(plan.totalDuration.value / Self.tick.value) + 2
            for _ in 0..<bound where !state.isFinished {
                now = now + Self.tick
                let current = state.advance(to: now)
                Self.checkStep(from: previous, to: current, over: Self.tick, plan: plan)
                previous = current
            }
            #expect(state.isFinished)
            #expect(previous.targetForce == .zero, "the session ends at zero force")
            let played = (state.finishedAt?.nanoseconds ?? 0) - Self.start.nanoseconds
            #expect(played == plan.totalNanoseconds, "played \(played) ns, planned \(plan.totalNanoseconds) ns")
            let timelineEnd = plan.timeline.last.map { $0.start + $0.duration } ?? .zero
            #expect(abs(timelineEnd.value - plan.totalDuration.value) < 1e-6)
        }
    }

    @Test func withOperatorEventsTheInvariantsHoldAndThePredictedEndIsMet() async throws {
        await propertyCheck(count: 60, input: Self.genome, Self.eventGenome) { genes, eventGenes in
            guard let plan = try Self.plan(from: genes) else { return }
            var eventGenome = Genome(eventGenes)
            let events = RandomProgram.events(for: plan, startingAt: Self.start, from: &eventGenome)
            var pending = events[...]
            var state = PlannerState(plan: plan, startingAt: Self.start)
            var previous = state.output
            var previousInstant = Self.start
            var predictedEnd = Self.start + plan.totalDuration
            var now = Self.start
            // Pauses lengthen the wall time; the tick bound allows for them.
            let pausedAtMost = (events.last.map { $0.instant - Self.start } ?? .zero).value
            let bound = Int((plan.totalDuration.value * 3 + pausedAtMost) / Self.tick.value) + 100
            for _ in 0..<bound where !state.isFinished {
                now = now + Self.tick
                while let event = pending.first, event.instant <= now {
                    pending.removeFirst()
                    let before = state.advance(to: event.instant)
                    Self.checkStep(from: previous, to: before, over: event.instant - previousInstant, plan: plan)
                    state.apply(event)
                    let after = state.output
                    Self.checkStep(from: before, to: after, over: .zero, plan: plan)
                    if !state.isPaused { predictedEnd = event.instant + after.timeLeft }
                    previous = after
                    previousInstant = event.instant
                }
                let current = state.advance(to: now)
                Self.checkStep(from: previous, to: current, over: now - previousInstant, plan: plan)
                previous = current
                previousInstant = now
            }
            #expect(state.isFinished)
            #expect(previous.targetForce == .zero, "the session ends at zero force")
            let finishedAt = state.finishedAt ?? .origin
            #expect(abs(finishedAt.nanoseconds - predictedEnd.nanoseconds) <= 1_000,
                    "finished at \(finishedAt), predicted \(predictedEnd)")
        }
    }

    @Test func thePureEvaluationAgreesWithTheIncrementalStateAtRandomInstants() async throws {
        await propertyCheck(count: 30, input: Self.genome, Self.eventGenome) { genes, eventGenes in
            guard let plan = try Self.plan(from: genes) else { return }
            var eventGenome = Genome(eventGenes)
            let events = RandomProgram.events(for: plan, startingAt: Self.start, from: &eventGenome)
            var state = PlannerState(plan: plan, startingAt: Self.start)
            var pending = events[...]
            var instant = Self.start
            for _ in 0..<10 {
                instant = instant + Seconds(eventGenome.value(in: 0...0.15) * plan.totalDuration.value)
                while let event = pending.first, event.instant <= instant { state.apply(event); pending.removeFirst() }
                let incremental = state.advance(to: instant)
                let pure = Planner.evaluate(plan, startedAt: Self.start, events: events, at: instant)
                #expect(incremental == pure)
            }
        }
    }
}
