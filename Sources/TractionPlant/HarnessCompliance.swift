import TractionDevice

/// The cable, harness and soft tissue between the drive and the patient's
/// skeleton, lumped into one stiffening spring that cannot push.
///
/// Force against stretch `s` (mm), with `s` measured from the point where the
/// cable just becomes taut:
///
///     F(s) = 0                               for s <= 0 (slack cable)
///     F(s) = linearStiffness·s + hardening·s²  for s > 0
///
/// The tangent stiffness is `linearStiffness + 2·hardening·s`, low while the
/// harness beds in and stiffer as it tightens. No published stiffness exists;
/// the defaults give the 10-25 mm of take-up that PLANT-FACTS.md expects
/// (≈15 mm at 300 N, ≈22 mm at 600 N).
public struct HarnessParameters: Sendable, Hashable {
    /// Stiffness as the cable first becomes taut, N/mm.
    public var linearStiffnessNewtonsPerMillimetre: Double
    /// Stiffening with stretch, N/mm².
    public var hardeningNewtonsPerSquareMillimetre: Double
    /// Cable slack at the home position before any take-up.
    public var initialSlack: Millimetres

    public init(linearStiffnessNewtonsPerMillimetre: Double = 5.0,
                hardeningNewtonsPerSquareMillimetre: Double = 1.0,
                initialSlack: Millimetres = 3.0) {
        self.linearStiffnessNewtonsPerMillimetre = linearStiffnessNewtonsPerMillimetre
        self.hardeningNewtonsPerSquareMillimetre = hardeningNewtonsPerSquareMillimetre
        self.initialSlack = initialSlack
    }

    /// Cable force, N, at the given stretch, mm.
    @inlinable
    public func forceNewtons(atStretchMillimetres stretch: Double) -> Double {
        guard stretch > 0 else { return 0 }
        return (linearStiffnessNewtonsPerMillimetre + hardeningNewtonsPerSquareMillimetre * stretch) * stretch
    }

    /// Tangent stiffness, N/mm, at the given stretch, mm.
    public func tangentStiffness(atStretchMillimetres stretch: Double) -> Double {
        guard stretch > 0 else { return 0 }
        return linearStiffnessNewtonsPerMillimetre + 2 * hardeningNewtonsPerSquareMillimetre * stretch
    }

    /// The stretch, mm, at which the cable carries `force` (inverse of
    /// `forceNewtons(atStretchMillimetres:)`).
    public func stretchMillimetres(atForceNewtons force: Double) -> Double {
        guard force > 0 else { return 0 }
        let k = linearStiffnessNewtonsPerMillimetre
        let h = hardeningNewtonsPerSquareMillimetre
        guard h > 0 else { return force / k }
        return (-k + (k * k + 4 * h * force).squareRoot()) / (2 * h)
    }
}
