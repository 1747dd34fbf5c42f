import TractionDevice

/// What the table is doing, as the planner reports it each tick.
public enum TherapyActivity: String, Sendable, Hashable, Codable, CaseIterable {
    /// Moving the angles to the first phase's, at zero force.
    case positioning
    case rampUp = "ramp_up"
    case hold
    case rampDown = "ramp_down"
    case rest
    /// Moving angles between phases at or below the non-therapeutic force.
    case angleMove = "angle_move"
    /// Moving angles under held tension (the phase declared articulation).
    case articulation
    /// The final release to zero force.
    case release
    /// The operator paused: force and angles held, treatment clock stopped.
    case paused
    case finished
}

/// The force a segment heads for, before the operator's hold scaling and
/// the effective limit are applied.
enum ForceTarget: Sendable, Hashable {
    /// A programmed level. `scalesWithHold` levels follow an operator
    /// adjustment; the result never exceeds `holdCeiling` times the scale
    /// (a rest stays at or below its cycle's hold).
    case level(Newtons, scalesWithHold: Bool, holdCeiling: Newtons)
    /// Keep whatever force the previous segment ended at.
    case holdCurrent
    /// Lower to this force if above it; otherwise keep the current force.
    case atMost(Newtons)
}

/// The part of a program a segment comes from.
enum SegmentRole: Sendable, Hashable {
    case positioning
    case rampToHold
    case hold
    case rampToRest
    case rest
    case rampToMoveForce
    case angleMove
    case articulation
    case release

    var isApproach: Bool {
        switch self {
        case .rampToHold, .rampToRest, .rampToMoveForce, .release: true
        default: false
        }
    }

    var isDwell: Bool { self == .hold || self == .rest }
    var movesAngles: Bool { self == .positioning || self == .angleMove || self == .articulation }
}

/// Which program field set a ramp's speed (for validation messages).
enum RampOrigin: Sendable, Hashable {
    case phaseRampUp(Int)
    case phaseRampDown(Int)
    case release
}

/// One step of a compiled session, before it is resolved against the force
/// the session actually reached. Held in an array built once per session.
struct SegmentTemplate: Sendable, Hashable {
    var role: SegmentRole
    /// 0-based phase index; -1 for the final release.
    var phaseIndex: Int
    /// 1-based step and cycle within the phase (0 outside cycles).
    var step: Int
    var cycle: Int
    var target: ForceTarget
    var rampUp: Ramp
    var rampDown: Ramp
    /// Dwell time of holds and rests, in nanoseconds.
    var dwellNanoseconds: Int64
    /// Angles at the end of the segment (the move target for moves).
    var angles: Angles
    /// The (limit-clamped) hold force of the cycle this segment belongs to;
    /// an operator adjustment scales forces by requested / referenceHold.
    var referenceHold: Newtons
}

/// A template resolved against the force and angles the session reached:
/// concrete start and end, and a duration. Pure value; no allocation.
struct ActiveSegment: Sendable, Hashable {
    var templateIndex: Int
    var role: SegmentRole
    /// True for the ramp an adjustment inserts before restarting a dwell.
    var isRetarget: Bool
    var phaseIndex: Int
    var step: Int
    var cycle: Int
    var startForce: Newtons
    var endForce: Newtons
    var shape: RampShape
    var durationNanoseconds: Int64
    var startAngles: Angles
    var endAngles: Angles
    /// Peak rate the program asked for, before the planner's rate limit
    /// (validation reports ramps whose request exceeds the maximum).
    var requestedPeakRate: NewtonsPerSecond
    var rampOrigin: RampOrigin?

    func force(atOffset offset: Int64) -> Newtons {
        if offset >= durationNanoseconds { return endForce }
        if offset <= 0 { return startForce }
        let progress = Double(offset) / Double(durationNanoseconds)
        return startForce + (endForce - startForce) * shape.fraction(atProgress: progress)
    }

    func angles(atOffset offset: Int64) -> Angles {
        guard role.movesAngles else { return startAngles }
        if offset >= durationNanoseconds { return endAngles }
        if offset <= 0 { return startAngles }
        let progress = Double(offset) / Double(durationNanoseconds)
        return Angles(
            flexion: startAngles.flexion + (endAngles.flexion - startAngles.flexion) * progress,
            lateralTilt: startAngles.lateralTilt + (endAngles.lateralTilt - startAngles.lateralTilt) * progress,
            rotation: startAngles.rotation + (endAngles.rotation - startAngles.rotation) * progress)
    }

    var activity: TherapyActivity {
        switch role {
        case .positioning: return .positioning
        case .angleMove: return .angleMove
        case .articulation: return .articulation
        case .release: return .release
        case .hold: return isRetarget ? direction(or: .hold) : .hold
        case .rest: return isRetarget ? direction(or: .rest) : .rest
        case .rampToHold: return direction(or: .rampUp)
        case .rampToRest, .rampToMoveForce: return direction(or: .rampDown)
        }
    }

    private func direction(or flat: TherapyActivity) -> TherapyActivity {
        if endForce > startForce { return .rampUp }
        if endForce < startForce { return .rampDown }
        return flat
    }
}
