import TractionDevice

/// What the kernel knows when it clamps a command; built fresh every tick.
struct EnvelopeInputs: Sendable {
    var policy: StatePolicy
    /// The drive was cut by an e-stop or after slack, until a reset.
    var driveLatchedOff: Bool
    /// A condition is present or a latched alarm is active: nothing may
    /// increase tension or move an angle.
    var alarmBlocks: Bool
    /// The newest fresh sample, or nil when telemetry is stale or absent.
    var sample: Telemetry?
    /// The session limit capped by the hard cap (the envelope maximum).
    var forceMaximum: Newtons
    /// The ceiling the kernel sent last tick (the start of the rate ramp).
    var previousCeiling: Newtons
    /// In `paused`: the force the pause holds (see `SafetyKernel.pausedHoldForce`).
    var pausedHoldForce: Newtons?
    var articulationDeclared: Bool
}

/// The clamped command, and whether it let tension rise.
struct ClampedCommand: Sendable {
    var command: DriveCommand
    var tensionMayRise: Bool
}

/// The command envelope: clamps a controller's command to what the
/// interlock allows. It never trusts the command; each field is bounded
/// independently of the others:
///
/// - traction velocity: positive (pulling) only while tension may rise: in
///   `treating`, or in `paused` up to the force the pause holds, with no
///   alarm condition present, no latched alarm active, a fresh sample and
///   the measured force below that level; never faster than the configured
///   top speed; zero whenever a release profile is in force, and zero while
///   no fresh sample exists (tension is held, neither raised nor paid out
///   blind);
/// - force ceiling: never above the envelope maximum (in `paused`, never
///   above the held force); while tension may rise it climbs at most
///   `maximumForceRate` per tick period (H3); while it may not, it is held at
///   or below the measured force, or, without a fresh sample, where it was;
/// - release profile: the stronger of the state's forced release and the
///   controller's request (a controller may always ask to release);
/// - drive enabled: off where the state's policy says so, after an e-stop
///   and after slack in fault or emergency; on while releasing a fault or
///   emergency so the release can happen;
/// - angle velocities: zero unless the state allows angle moves, no alarm
///   blocks, and the force is at or below the non-therapeutic force or an
///   articulation is declared; bounded by each axis's top speed and range;
/// - lease: at most the configured maximum.
///
/// "Measured force" is `Telemetry.measuredForce`, the larger of the two
/// force channels.
enum CommandEnvelope {
    static func clamp(_ demand: DriveCommand, _ inputs: EnvelopeInputs,
                      configuration: SafetyConfiguration) -> ClampedCommand {
        let policy = inputs.policy
        var command = DriveCommand.disabled

        let driveEnabled: Bool
        switch policy.drive {
        case .disabled: driveEnabled = false
        case .enabled: driveEnabled = demand.driveEnabled && !inputs.driveLatchedOff
        case .enabledUntilSlack: driveEnabled = !inputs.driveLatchedOff
        }
        command.driveEnabled = driveEnabled
        command.releaseProfile = stronger(policy.forcedRelease, demand.releaseProfile)
        command.lease = clampLease(demand.lease, configuration: configuration)

        let measured = inputs.sample.map(\.measuredForce)
        // The highest force this state lets tension be brought to: the
        // envelope maximum in `treating`, the held force in `paused`.
        let level: Newtons? = policy.tensionIncreaseAllowed
            ? inputs.forceMaximum
            : inputs.pausedHoldForce.map { min($0, inputs.forceMaximum) }
        let mayRaiseCeiling = level != nil && driveEnabled && !inputs.alarmBlocks
            && command.releaseProfile == .none && measured.map(\.isFinite) == true
        let tensionMayRise = mayRaiseCeiling && measured.map { $0 < level! } == true

        let requestedCeiling = finiteOrZero(demand.forceCeiling)
        if mayRaiseCeiling, let level {
            let ramp = inputs.previousCeiling + configuration.maximumForceRate * configuration.tickPeriod
            command.forceCeiling = max(.zero, min(requestedCeiling, level, ramp))
        } else if let measured {
            // Held, not followed down on every tick: the ceiling stays where
            // it was until the force has fallen more than `holdMargin` below
            // it, and then sits that margin above the force. A ceiling at the
            // measured force itself let the table's limiter pay out on every
            // noise peak, and the next tick's ceiling followed the lower
            // force down: a ratchet that took a 95 N hold to 58 N in the
            // second an overrun alarm lasted (simulation seed 9399).
            let force = finiteOrZero(measured)
            var held = min(inputs.previousCeiling, force + holdMargin(force))
            // In `paused` never above the force the pause holds.
            if let level { held = min(held, level) }
            command.forceCeiling = max(.zero, min(requestedCeiling, inputs.forceMaximum, held))
        } else {
            // No fresh sample (stale telemetry, H5): hold the ceiling where
            // it was; dropping it would make the table dump the tension.
            command.forceCeiling = max(.zero, min(requestedCeiling, inputs.forceMaximum, inputs.previousCeiling))
        }

        if driveEnabled && command.releaseProfile == .none && inputs.sample != nil {
            let speed = configuration.maximumTractionSpeed
            var velocity = finiteOrZero(demand.tractionVelocity).clamped(to: -speed...speed)
            if !tensionMayRise { velocity = min(velocity, .zero) }
            command.tractionVelocity = velocity
        }

        let anglesMayMove = policy.angleMovesAllowed && driveEnabled && !inputs.alarmBlocks
            && command.releaseProfile == .none
            && measured.map { $0 <= configuration.nonTherapeuticForce || inputs.articulationDeclared } == true
        if anglesMayMove, let sample = inputs.sample {
            command.angleVelocities = clampAngleRates(demand.angleVelocities, at: sample.angles,
                                                      configuration: configuration)
        }
        return ClampedCommand(command: command, tensionMayRise: tensionMayRise)
    }

    /// How far above the measured force a held ceiling may stay: max(2 % of
    /// it, 2 N). Above the force's noise and a tick's cable dynamics, so
    /// the table's limiter does not pay out while tension is merely held;
    /// well inside the H1 tolerance max(10 %, 10 N), and never above the
    /// ceiling already in force, so a hold can never raise tension.
    static func holdMargin(_ force: Newtons) -> Newtons {
        max(force * 0.02, Newtons(2))
    }

        /// Stored once: `allCases` builds a new array on every call.
    private static let axes = AngleAxis.allCases

    private static func clampAngleRates(_ rates: AngleRates, at angles: Angles,
                                        configuration: SafetyConfiguration) -> AngleRates {
        var clamped = AngleRates.zero
        for axis in axes {
            guard let range = configuration.range(of: axis) else { continue }
            var rate = finiteOrZero(rates[axis]).clamped(to: -range.maximumRate...range.maximumRate)
            // Never drive further out at or beyond an end of the range.
            if angles[axis] >= range.maximum && rate > .zero { rate = .zero }
            if angles[axis] <= range.minimum && rate < .zero { rate = .zero }
            clamped[axis] = rate
        }
        return clamped
    }

    private static func clampLease(_ lease: Seconds, configuration: SafetyConfiguration) -> Seconds {
        guard lease.isFinite, lease > .zero else { return configuration.maximumCommandLease }
        return min(lease, configuration.maximumCommandLease)
    }

    private static func stronger(_ a: ReleaseProfile, _ b: ReleaseProfile) -> ReleaseProfile {
        a.rawValue >= b.rawValue ? a : b
    }

    private static func finiteOrZero<Q: PhysicalQuantity>(_ value: Q) -> Q { value.isFinite ? value : .zero }
}
