import TractionDevice

/// How a phase pulls. See docs/programs.md for the exact segment sequence each
/// mode expands to.
public enum PhaseMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// One ramp up and one long hold.
    case `static`
    /// Cycles of ramp up, hold, ramp down, rest.
    case intermittent
    /// Intermittent cycles whose hold force rises in equal steps.
    case progressive
    /// Intermittent cycles whose hold force falls in equal steps.
    case regressive
    /// Continuous ramping between a peak and a trough, with no dwell.
    case cyclic
}

/// The profile of a ramp between two force levels.
public enum RampShape: String, Sendable, Hashable, Codable, CaseIterable {
    /// Constant rate.
    case linear
    /// Fast start, gentle approach, after the VAX-D "logarithmic" pull:
    /// progress p(u) = 1 - (1 - u)^2 for u in [0, 1].
    case logarithmic

    /// The fraction of the ramp's force change reached at `progress` (0...1).
    @inlinable
    public func fraction(atProgress progress: Double) -> Double {
        let u = Swift.min(Swift.max(progress, 0), 1)
        switch self {
        case .linear: return u
        case .logarithmic:
            let remaining = 1 - u
            return 1 - remaining * remaining
        }
    }

    /// The steepest slope of the shape relative to a linear ramp of the same
    /// duration and force change: the ramp's peak rate is this factor times
    /// (force change / duration). Validation and planning use it to keep the
    /// peak rate, not the average, under the maximum.
    public var peakSlopeFactor: Double {
        switch self {
        case .linear: 1
        case .logarithmic: 2
        }
    }
}

/// How long a ramp takes: a fixed time, or a peak rate from which the time
/// follows for each actual force change.
public enum RampSpeed: Sendable, Hashable, Codable {
    case duration(Seconds)
    case rate(NewtonsPerSecond)
}

/// A ramp's speed and shape.
public struct Ramp: Sendable, Hashable, Codable {
    public var speed: RampSpeed
    public var shape: RampShape

    public init(speed: RampSpeed, shape: RampShape = .linear) {
        self.speed = speed
        self.shape = shape
    }

    /// The time this ramp takes to change the force by `change` (either sign)
    /// with its own speed, before any rate limit is applied.
    public func nominalDuration(forChange change: Newtons) -> Seconds {
        switch speed {
        case .duration(let duration): return duration
        case .rate(let rate): return Seconds(change.magnitude.value * shape.peakSlopeFactor / rate.value)
        }
    }

    /// The peak rate of this ramp for a change of `change` over `duration`.
    public func peakRate(forChange change: Newtons, over duration: Seconds) -> NewtonsPerSecond {
        guard duration.value > 0 else { return NewtonsPerSecond(change.value == 0 ? 0 : .infinity) }
        return NewtonsPerSecond(change.magnitude.value * shape.peakSlopeFactor / duration.value)
    }
}

/// The base (rest, trough) force of a phase.
public enum RestForce: Sendable, Hashable, Codable {
    case absolute(Newtons)
    /// A fraction (0...1) of the hold force of the same cycle.
    case fractionOfHold(Double)

    /// The rest force that goes with `hold`, never above it.
    public func resolved(forHold hold: Newtons) -> Newtons {
        switch self {
        case .absolute(let force): Swift.min(force, hold)
        case .fractionOfHold(let fraction): hold * fraction
        }
    }

    public var scalesWithHold: Bool {
        if case .fractionOfHold = self { return true }
        return false
    }
}

/// Where a value came from in a program file, for messages and `show`.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One phase of a program, with every default filled in.
public struct ProgramPhase: Sendable, Hashable, Codable {
    public var name: String
    public var mode: PhaseMode
    /// The hold (peak) force of each step, in order. One entry for static,
    /// intermittent and cyclic phases; `steps` entries for progressive and
    /// regressive ones.
    public var holdForces: [Newtons]
    /// Cycles per step (the cycle count for intermittent and cyclic phases;
    /// 1 for static).
    public var cyclesPerStep: Int
    public var restForce: RestForce
    public var holdDuration: Seconds
    public var restDuration: Seconds
    public var rampUp: Ramp
    public var rampDown: Ramp
    /// The angles of this phase, every axis resolved (inherited or zero).
    public var angles: Angles
    /// The phase moves its angles under the tension the previous phase ended
    /// at, instead of first lowering it to the non-therapeutic force.
    public var articulation: Bool
    /// The force held while moving into this phase's angles (without
    /// articulation); nil means the configured non-therapeutic force.
    public var angleMoveForce: Newtons?
    public var location: SourceLocation

    public init(name: String, mode: PhaseMode, holdForces: [Newtons], cyclesPerStep: Int,
                restForce: RestForce, holdDuration: Seconds, restDuration: Seconds,
                rampUp: Ramp, rampDown: Ramp, angles: Angles, articulation: Bool,
                angleMoveForce: Newtons?, location: SourceLocation) {
        self.name = name
        self.mode = mode
        self.holdForces = holdForces
        self.cyclesPerStep = cyclesPerStep
        self.restForce = restForce
        self.holdDuration = holdDuration
        self.restDuration = restDuration
        self.rampUp = rampUp
        self.rampDown = rampDown
        self.angles = angles
        self.articulation = articulation
        self.angleMoveForce = angleMoveForce
        self.location = location
    }

    /// The largest hold force of the phase.
    public var peakHoldForce: Newtons { holdForces.max() ?? .zero }
}

/// A treatment program as written, with defaults filled in. Only
/// `ProgramValidator` turns it into a `ValidatedProgram` the planner accepts.
public struct TreatmentProgram: Sendable, Hashable, Codable {
    /// Unique within a library.
    public var name: String
    public var description: String
    public var region: TreatmentRegion
    /// Patient-relative cap: this fraction of body weight (0...1).
    public var bodyWeightFraction: Double
    /// The program's absolute cap.
    public var maximumForce: Newtons
    /// The final release to zero (always present; linear).
    public var release: Ramp
    public var phases: [ProgramPhase]
    /// Location of the `name` value.
    public var location: SourceLocation

    public init(name: String, description: String, region: TreatmentRegion, bodyWeightFraction: Double,
                maximumForce: Newtons, release: Ramp, phases: [ProgramPhase], location: SourceLocation) {
        self.name = name
        self.description = description
        self.region = region
        self.bodyWeightFraction = bodyWeightFraction
        self.maximumForce = maximumForce
        self.release = release
        self.phases = phases
        self.location = location
    }
}

/// A program that passed validation against `limits`. The planner accepts
/// nothing else.
public struct ValidatedProgram: Sendable, Hashable, Codable {
    public let program: TreatmentProgram
    public let limits: TherapyLimits
    /// Session length for a patient whose caps clamp nothing, starting at the
    /// first phase's angles: an upper bound used by validation.
    public let nominalSessionDuration: Seconds

    init(program: TreatmentProgram, limits: TherapyLimits, nominalSessionDuration: Seconds) {
        self.program = program
        self.limits = limits
        self.nominalSessionDuration = nominalSessionDuration
    }
}
