import TractionDevice

/// What the patient's own muscles do to the model at one instant (from
/// `PatientDisturbances`).
public struct BodyDisturbance: Sendable, Hashable {
    /// Active force pulling the moving mass away from the drive (a cough), N.
    public var muscleForceNewtons: Double = 0
    /// Multiplier on the series stiffness while the patient guards (tenses up).
    public var stiffnessFactor: Double = 1
    /// Shift of the region's rest length towards the drive (the patient
    /// wriggling), mm. A positive shift lowers the tension.
    public var postureOffsetMillimetres: Double = 0

    public init() {}
}

/// The treated region of the body: a moving mass on the table, held back by
/// the spine (a series spring plus two Kelvin-Voigt elements) and by friction
/// against the table section.
///
/// With `y` the elongation of the region (mm), `y1`, `y2` the Kelvin-Voigt
/// elongations and `p` the posture offset:
///
///     spine force  Fs = g·k0·(y − y1 − y2 − p)        g = stiffness factor
///     creep        ci·dyi/dt = Fs − ki·yi            ci = ki·τi, i = 1, 2
///     mass         (m/1000)·d²y/dt² = Fc − Fs − Fm − c·dy/dt − friction
///
/// (mm, N, kg, s; the 1/1000 turns kg·mm/s² into N). Friction is Coulomb with
/// stiction (Karnopp): the mass sticks while |net force| ≤ static friction,
/// slides against kinetic friction otherwise, and sticks again when its
/// velocity crosses zero. Integration is semi-implicit Euler with the damping
/// treated implicitly, stable for the default 1 ms sub-step.
struct PatientBody: Sendable, Hashable {
    // Constants derived from the parameters and the body weight.
    let seriesStiffness: Double            // k0, N/mm
    let fastCreepStiffness: Double         // k1, N/mm
    let fastCreepDamping: Double           // c1, N·s/mm
    let slowCreepStiffness: Double         // k2, N/mm
    let slowCreepDamping: Double           // c2, N·s/mm
    let movingMassKilograms: Double
    let tissueDamping: Double              // c, N·s/mm
    let latchedStaticFriction: Double      // N
    let latchedKineticFriction: Double     // N
    let releasedSectionFrictionShare: Double

    // State.
    private(set) var elongation: Double = 0          // y, mm
    private(set) var elongationVelocity: Double = 0  // dy/dt, mm/s
    private(set) var fastCreep: Double = 0           // y1, mm
    private(set) var slowCreep: Double = 0           // y2, mm
    private(set) var spineForce: Double = 0          // Fs, N

    init(patient: SimulatedPatient) {
        let body = patient.body
        let referenceLoad = body.referenceLoadFractionOfBodyWeight * patient.bodyMass.weight.value
        seriesStiffness = referenceLoad / body.elasticElongationAtReferenceLoad.value
        fastCreepStiffness = referenceLoad / body.fastCreepElongationAtReferenceLoad.value
        fastCreepDamping = fastCreepStiffness * body.fastCreepTimeConstant.value
        slowCreepStiffness = referenceLoad / body.slowCreepElongationAtReferenceLoad.value
        slowCreepDamping = slowCreepStiffness * body.slowCreepTimeConstant.value
        movingMassKilograms = body.movingMassFractionOfBodyWeight * patient.bodyMass.value
        tissueDamping = 2 * body.tissueDampingRatio * (seriesStiffness * movingMassKilograms / 1000).squareRoot()
        let movingWeight = movingMassKilograms * standardGravity
        latchedStaticFriction = body.staticFrictionCoefficient * movingWeight
        latchedKineticFriction = body.kineticFrictionCoefficient * movingWeight
        releasedSectionFrictionShare = body.releasedSectionFrictionShare
    }

    /// Total creep (both Kelvin-Voigt elements), mm.
    var creepElongation: Double { fastCreep + slowCreep }

    /// Advances the body by `dt` seconds under the cable force `cableForce` (N).
    mutating func step(cableForce: Double, disturbance: BodyDisturbance,
                       sectionLatched: Bool, dt: Double) {
        let frictionShare = sectionLatched ? 1.0 : releasedSectionFrictionShare
        let staticFriction = latchedStaticFriction * frictionShare
        let kineticFriction = latchedKineticFriction * frictionShare

        let stretch = elongation - fastCreep - slowCreep - disturbance.postureOffsetMillimetres
        let force = disturbance.stiffnessFactor * seriesStiffness * stretch
        spineForce = force

        // Net force on the mass, damping excluded (it is applied implicitly).
        let drivingForce = cableForce - force - disturbance.muscleForceNewtons
        let accelerationPerNewton = 1000 / movingMassKilograms  // (mm/s²) per N
        let dampingFactor = 1 + dt * tissueDamping * accelerationPerNewton

        var newVelocity: Double
        if elongationVelocity == 0 {
            if drivingForce.magnitude <= staticFriction {
                newVelocity = 0
            } else {
                let net = drivingForce - (drivingForce > 0 ? kineticFriction : -kineticFriction)
                newVelocity = dt * net * accelerationPerNewton / dampingFactor
            }
        } else {
            let net = drivingForce - (elongationVelocity > 0 ? kineticFriction : -kineticFriction)
            newVelocity = (elongationVelocity + dt * net * accelerationPerNewton) / dampingFactor
            if newVelocity * elongationVelocity < 0 { newVelocity = 0 }
        }
        elongationVelocity = newVelocity
        elongation += newVelocity * dt

        fastCreep += dt * (force - fastCreepStiffness * fastCreep) / fastCreepDamping
        slowCreep += dt * (force - slowCreepStiffness * slowCreep) / slowCreepDamping
    }
}
