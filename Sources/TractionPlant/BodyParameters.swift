import TractionDevice

/// The mechanical parameters of the treated region of a patient's body.
///
/// Elongations are stated at a reference load that is a fixed share of body
/// weight, which makes every stiffness proportional to body weight: a heavier
/// patient is stiffer in proportion, so the same share of body weight gives the
/// same elongation. The stature studies in PLANT-FACTS.md report doses as a
/// share of body weight, which is why this scaling was chosen; nothing
/// published contradicts it.
public struct BodyParameters: Sendable, Hashable {
    /// The load, as a fraction of body weight, at which the elongations below hold.
    public var referenceLoadFractionOfBodyWeight: Double
    /// Instantaneous (series spring) elongation at the reference load.
    public var elasticElongationAtReferenceLoad: Millimetres
    /// Final elongation of the fast Kelvin-Voigt element at the reference load.
    public var fastCreepElongationAtReferenceLoad: Millimetres
    public var fastCreepTimeConstant: Seconds
    /// Final elongation of the slow Kelvin-Voigt element at the reference load.
    public var slowCreepElongationAtReferenceLoad: Millimetres
    public var slowCreepTimeConstant: Seconds
    /// The share of body weight that slides when the region elongates (the
    /// body below L3 for lumbar traction, the head for cervical traction).
    public var movingMassFractionOfBodyWeight: Double
    /// Friction between the moving mass and a solid (latched) table section.
    public var staticFrictionCoefficient: Double
    public var kineticFrictionCoefficient: Double
    /// The share of that friction left when the split section's latch is
    /// released and the section rides on its rollers.
    public var releasedSectionFrictionShare: Double
    /// Damping ratio of the moving mass against the region's series spring
    /// (soft tissue, clothing and the section's bearings).
    public var tissueDampingRatio: Double

    public init(referenceLoadFractionOfBodyWeight: Double,
                elasticElongationAtReferenceLoad: Millimetres,
                fastCreepElongationAtReferenceLoad: Millimetres,
                fastCreepTimeConstant: Seconds,
                slowCreepElongationAtReferenceLoad: Millimetres,
                slowCreepTimeConstant: Seconds,
                movingMassFractionOfBodyWeight: Double,
                staticFrictionCoefficient: Double,
                kineticFrictionCoefficient: Double,
                releasedSectionFrictionShare: Double,
                tissueDampingRatio: Double) {
        self.referenceLoadFractionOfBodyWeight = referenceLoadFractionOfBodyWeight
        self.elasticElongationAtReferenceLoad = elasticElongationAtReferenceLoad
        self.fastCreepElongationAtReferenceLoad = fastCreepElongationAtReferenceLoad
        self.fastCreepTimeConstant = fastCreepTimeConstant
        self.slowCreepElongationAtReferenceLoad = slowCreepElongationAtReferenceLoad
        self.slowCreepTimeConstant = slowCreepTimeConstant
        self.movingMassFractionOfBodyWeight = movingMassFractionOfBodyWeight
        self.staticFrictionCoefficient = staticFrictionCoefficient
        self.kineticFrictionCoefficient = kineticFrictionCoefficient
        self.releasedSectionFrictionShare = releasedSectionFrictionShare
        self.tissueDampingRatio = tissueDampingRatio
    }

    /// Lumbar spine, calibrated to Bridger et al. (1990): about 8 mm after
    /// 25 min at one third of body weight, most of it within 15 min.
    public static let lumbar = BodyParameters(
        referenceLoadFractionOfBodyWeight: 1.0 / 3.0,
        elasticElongationAtReferenceLoad: 1.5,
        fastCreepElongationAtReferenceLoad: 2.5,
        fastCreepTimeConstant: 30,
        slowCreepElongationAtReferenceLoad: 4.0,
        slowCreepTimeConstant: 400,
        movingMassFractionOfBodyWeight: 0.5,
        staticFrictionCoefficient: 0.5,
        kineticFrictionCoefficient: 0.45,
        releasedSectionFrictionShare: 0.06,
        tissueDampingRatio: 0.7
    )

    /// Cervical spine: about 0.3 mm per disc over six discs (Chung 2009) at a
    /// typical 10 kgf dose; time constants borrowed from the lumbar model.
    public static let cervical = BodyParameters(
        referenceLoadFractionOfBodyWeight: 0.125,
        elasticElongationAtReferenceLoad: 0.4,
        fastCreepElongationAtReferenceLoad: 0.6,
        fastCreepTimeConstant: 30,
        slowCreepElongationAtReferenceLoad: 0.8,
        slowCreepTimeConstant: 400,
        movingMassFractionOfBodyWeight: 0.08,
        staticFrictionCoefficient: 0.62,
        kineticFrictionCoefficient: 0.5,
        releasedSectionFrictionShare: 0.06,
        tissueDampingRatio: 0.7
    )

    public static func defaults(for region: TreatmentRegion) -> BodyParameters {
        switch region {
        case .lumbar: .lumbar
        case .cervical: .cervical
        }
    }
}

/// Who lies on the table and how.
public struct SimulatedPatient: Sendable, Hashable {
    public var bodyMass: Kilograms
    public var region: TreatmentRegion
    public var body: BodyParameters

    public init(bodyMass: Kilograms = 80, region: TreatmentRegion = .lumbar, body: BodyParameters? = nil) {
        self.bodyMass = bodyMass
        self.region = region
        self.body = body ?? BodyParameters.defaults(for: region)
    }
}
