import TractionDevice

/// Expands a program into segment templates and resolves templates against
/// the force a session reached. Both the planner and validation use these
/// functions, so what validation checks is what the planner plays.
struct SessionCompiler: Sendable {
    let limits: TherapyLimits
    /// No resolved force ever exceeds this.
    let forceLimit: Newtons

    /// The templates of `program`, starting from `initialAngles` at zero force.
    /// Hold forces above `forceLimit` are clamped here so that relative rest
    /// forces follow the hold the patient actually gets.
    func templates(for program: TreatmentProgram, initialAngles: Angles) -> [SegmentTemplate] {
        var templates: [SegmentTemplate] = []
        let moveForce = limits.defaultAngleMoveForce
        var previousAngles = initialAngles
        for (phaseIndex, phase) in program.phases.enumerated() {
            let firstHold = Swift.min(phase.holdForces.first ?? .zero, forceLimit)
            func template(_ role: SegmentRole, _ target: ForceTarget, step: Int = 0, cycle: Int = 0,
                          dwell: Seconds = .zero, reference: Newtons) -> SegmentTemplate {
                SegmentTemplate(role: role, phaseIndex: phaseIndex, step: step, cycle: cycle, target: target,
                                rampUp: phase.rampUp, rampDown: phase.rampDown,
                                dwellNanoseconds: Self.nanoseconds(dwell), angles: phase.angles,
                                referenceHold: reference)
            }
            if phase.angles != previousAngles {
                if phaseIndex == 0 {
                    templates.append(template(.positioning, .holdCurrent, reference: firstHold))
                } else if phase.articulation {
                    templates.append(template(.articulation, .holdCurrent, reference: firstHold))
                } else {
                    templates.append(template(.rampToMoveForce, .atMost(phase.angleMoveForce ?? moveForce),
                                              reference: firstHold))
                    templates.append(template(.angleMove, .holdCurrent, reference: firstHold))
                }
            }
            previousAngles = phase.angles
            for (stepOffset, programmedHold) in phase.holdForces.enumerated() {
                let hold = Swift.min(programmedHold, forceLimit)
                let holdLevel = ForceTarget.level(hold, scalesWithHold: true, holdCeiling: hold)
                let rest = phase.restForce.resolved(forHold: hold)
                let restLevel = ForceTarget.level(rest, scalesWithHold: phase.restForce.scalesWithHold,
                                                  holdCeiling: hold)
                for cycle in 1...phase.cyclesPerStep {
                    let step = stepOffset + 1
                    switch phase.mode {
                    case .static:
                        templates.append(template(.rampToHold, holdLevel, step: step, cycle: cycle, reference: hold))
                        templates.append(template(.hold, holdLevel, step: step, cycle: cycle,
                                                  dwell: phase.holdDuration, reference: hold))
                    case .intermittent, .progressive, .regressive:
                        templates.append(template(.rampToHold, holdLevel, step: step, cycle: cycle, reference: hold))
                        templates.append(template(.hold, holdLevel, step: step, cycle: cycle,
                                                  dwell: phase.holdDuration, reference: hold))
                        templates.append(template(.rampToRest, restLevel, step: step, cycle: cycle, reference: hold))
                        templates.append(template(.rest, restLevel, step: step, cycle: cycle,
                                                  dwell: phase.restDuration, reference: hold))
                    case .cyclic:
                        templates.append(template(.rampToHold, holdLevel, step: step, cycle: cycle, reference: hold))
                        templates.append(template(.rampToRest, restLevel, step: step, cycle: cycle, reference: hold))
                    }
                }
            }
        }
        let lastHold = Swift.min(program.phases.last?.holdForces.last ?? .zero, forceLimit)
        templates.append(SegmentTemplate(role: .release, phaseIndex: -1, step: 0, cycle: 0,
                                         target: .level(.zero, scalesWithHold: false, holdCeiling: .zero),
                                         rampUp: program.release, rampDown: program.release, dwellNanoseconds: 0,
                                         angles: previousAngles, referenceHold: lastHold))
        return templates
    }

    /// The level `target` stands for under the operator's `holdScale`,
    /// starting from `current`, never above `forceLimit`.
    func level(of target: ForceTarget, from current: Newtons, holdScale: Double) -> Newtons {
        let level: Newtons
        switch target {
        case .level(let programmed, let scales, let ceiling):
            level = Swift.min(scales ? programmed * holdScale : programmed, ceiling * holdScale)
        case .holdCurrent:
            level = current
        case .atMost(let ceiling):
            level = Swift.min(current, ceiling)
        }
        return Swift.min(Swift.max(level, .zero), forceLimit)
    }

    /// `template` resolved from `startForce` and `startAngles`.
    func resolve(_ template: SegmentTemplate, index: Int, startForce: Newtons, startAngles: Angles,
                 holdScale: Double) -> ActiveSegment {
        var segment = ActiveSegment(
            templateIndex: index, role: template.role, isRetarget: false, phaseIndex: template.phaseIndex,
            step: template.step, cycle: template.cycle, startForce: startForce, endForce: startForce,
            shape: .linear, durationNanoseconds: 0, startAngles: startAngles, endAngles: startAngles,
            requestedPeakRate: .zero, rampOrigin: nil)
        if template.role.isApproach {
            approach(&segment, to: level(of: template.target, from: startForce, holdScale: holdScale),
                     template: template)
        } else if template.role.isDwell {
            segment.durationNanoseconds = template.dwellNanoseconds
        } else if template.role.movesAngles {
            segment.endAngles = template.angles
            let largestChange = template.angles.largestDifference(from: startAngles)
            segment.durationNanoseconds = Self.nanoseconds(Seconds(largestChange.value / limits.angleMoveRate.value))
        }
        return segment
    }

    /// The ramp an adjustment inserts to bring a dwell to its new level; the
    /// dwell restarts in full once it ends.
    func retarget(_ template: SegmentTemplate, index: Int, startForce: Newtons, startAngles: Angles,
                  holdScale: Double) -> ActiveSegment {
        var segment = resolve(template, index: index, startForce: startForce, startAngles: startAngles,
                              holdScale: holdScale)
        segment.isRetarget = true
        segment.durationNanoseconds = 0
        approach(&segment, to: level(of: template.target, from: startForce, holdScale: holdScale), template: template)
        return segment
    }

    /// Makes `segment` a ramp from its start force to `end`, with the
    /// template's ramp for the direction, slowed if needed so that its peak
    /// rate stays within the maximum for that direction.
    private func approach(_ segment: inout ActiveSegment, to end: Newtons, template: SegmentTemplate) {
        let change = end - segment.startForce
        segment.endForce = end
        guard change.magnitude.value > Self.negligibleForceChange.value else {
            segment.endForce = segment.startForce
            segment.durationNanoseconds = 0
            return
        }
        let rising = change.value > 0
        let ramp = rising ? template.rampUp : template.rampDown
        let maximumRate = rising ? limits.maximumRampRate : limits.maximumReleaseRate
        let requested = ramp.nominalDuration(forChange: change)
        segment.requestedPeakRate = ramp.peakRate(forChange: change, over: requested)
        let slowest = Seconds(change.magnitude.value * ramp.shape.peakSlopeFactor / maximumRate.value)
        segment.shape = ramp.shape
        segment.durationNanoseconds = Self.nanoseconds(Swift.max(requested, slowest))
        switch template.role {
        case .release: segment.rampOrigin = .release
        default: segment.rampOrigin = rising ? .phaseRampUp(template.phaseIndex) : .phaseRampDown(template.phaseIndex)
        }
    }

    /// Total duration of the templates from `index` on, resolved in order
    /// from `startForce`/`startAngles` under `holdScale`. Allocation-free.
    func remainingNanoseconds(from index: Int, in templates: [SegmentTemplate], startForce: Newtons,
                              startAngles: Angles, holdScale: Double) -> Int64 {
        var total: Int64 = 0
        var force = startForce
        var angles = startAngles
        var position = index
        while position < templates.count {
            let segment = resolve(templates[position], index: position, startForce: force, startAngles: angles,
                                  holdScale: holdScale)
            total = Self.sum(total, segment.durationNanoseconds)
            force = segment.endForce
            angles = segment.endAngles
            position += 1
        }
        return total
    }

    /// The fastest the force may climb back to this template's targets after
    /// the session held it back (a pause, stale readings, an alarm that held
    /// tension): the peak rate of the phase's own ramp up, as a ramp from
    /// zero to the cycle's hold would play it, within the therapy maximum.
    /// Every rising segment of the phase climbs at most this fast, so a
    /// setpoint limited to it never holds a planned ramp back.
    func recoveryRate(of template: SegmentTemplate) -> NewtonsPerSecond {
        let rate: Double
        switch template.rampUp.speed {
        case .rate(let perSecond):
            rate = perSecond.value
        case .duration(let duration):
            rate = template.referenceHold.value * template.rampUp.shape.peakSlopeFactor / duration.value
        }
        let fastest = limits.maximumRampRate.value
        guard rate.isFinite, rate > 0 else { return limits.maximumRampRate }
        return NewtonsPerSecond(Swift.min(rate, fastest))
    }

    /// Force changes below this are treated as none (no ramp is played).
    static let negligibleForceChange: Newtons = 1e-6

    /// Durations are whole nanoseconds, rounded up so that a rate computed
    /// from the rounded duration never exceeds the one intended. Validation
    /// refuses any time longer than a session before it gets here; a ramp at
    /// an absurdly slow rate can still ask for centuries, which saturate at
    /// `Int64.max` (292 years) and are then refused as too long, never trap.
    static func nanoseconds(_ duration: Seconds) -> Int64 {
        guard duration.value > 0 else { return 0 }
        return Int64(saturating: (duration.value * 1e9).rounded(.up))
    }

    /// `first + second`, saturating: a sum of durations too long for Int64
    /// is "too long", not a trap or a wrapped negative.
    static func sum(_ first: Int64, _ second: Int64) -> Int64 {
        let (total, overflow) = first.addingReportingOverflow(second)
        guard overflow else { return total }
        return second > 0 ? .max : .min
    }
}
