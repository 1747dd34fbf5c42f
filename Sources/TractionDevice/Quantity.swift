/// A physical quantity carried with its unit in its type, so a force can never
/// be passed where an angle is expected and no reader has to guess a unit.
///
/// Each conforming type wraps one `Double` in the unit its name gives. The
/// arithmetic is written once here rather than per type; it is plain `Double`
/// arithmetic, allocation-free, and safe to use on the control path.
public protocol PhysicalQuantity: Sendable, Hashable, Comparable, Codable, AdditiveArithmetic,
    CustomStringConvertible, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral
{
    /// The magnitude in this type's unit.
    var value: Double { get }
    init(_ value: Double)
    /// The SI (or clinical) symbol of the unit, e.g. "N", "°", "mm".
    static var unitSymbol: String { get }
}

extension PhysicalQuantity {
    public init(floatLiteral value: Double) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(Double(value)) }

    public static var zero: Self { Self(0) }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.value + rhs.value) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.value - rhs.value) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func * (lhs: Self, factor: Double) -> Self { Self(lhs.value * factor) }
    public static func * (factor: Double, rhs: Self) -> Self { Self(rhs.value * factor) }
    public static func / (lhs: Self, divisor: Double) -> Self { Self(lhs.value / divisor) }
    /// The dimensionless ratio of two quantities of the same unit.
    public static func / (lhs: Self, rhs: Self) -> Double { lhs.value / rhs.value }
    public static prefix func - (operand: Self) -> Self { Self(-operand.value) }

    public var magnitude: Self { Self(Swift.abs(value)) }
    public var isFinite: Bool { value.isFinite }

    /// This quantity limited to `range`.
    public func clamped(to range: ClosedRange<Self>) -> Self {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }

    public var description: String { "\(value) \(Self.unitSymbol)" }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// Force, in newtons. Inside the code every force is in newtons; people see
/// newtons together with kilograms-force (or pounds-force, by configuration).
public struct Newtons: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "N"
}

/// Rate of change of force, in newtons per second.
public struct NewtonsPerSecond: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "N/s"
}

/// Angle, in degrees.
public struct Degrees: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "°"
}

/// Angular rate, in degrees per second.
public struct DegreesPerSecond: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "°/s"
}

/// Length, in millimetres (traction position, cable take-up).
public struct Millimetres: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mm"
}

/// Linear speed, in millimetres per second (traction axis velocity).
public struct MillimetresPerSecond: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mm/s"
}

/// Mass, in kilograms (patient body weight).
public struct Kilograms: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "kg"
}

/// A span of time, in seconds. The pure core measures durations with this type;
/// instants are `MonotonicInstant`.
public struct Seconds: PhysicalQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "s"

    public static func milliseconds(_ milliseconds: Double) -> Seconds { Seconds(milliseconds / 1000) }
    public var milliseconds: Double { value * 1000 }
}

/// Standard gravity (ISO 80000-3), used only to show forces as kilograms-force
/// and to express limits as a fraction of body weight.
public let standardGravity = 9.806_65

/// Pounds per kilogram (international avoirdupois pound).
public let poundsPerKilogram = 2.204_622_621_8

extension Kilograms {
    /// The weight of this mass under standard gravity.
    public var weight: Newtons { Newtons(value * standardGravity) }
}

extension Newtons {
    /// This force expressed as the mass that weighs as much (kilograms-force).
    public var kilogramsForce: Double { value / standardGravity }
    /// This force expressed in pounds-force.
    public var poundsForce: Double { kilogramsForce * poundsPerKilogram }

    public init(kilogramsForce: Double) { self.init(kilogramsForce * standardGravity) }
}

// Rates and durations combine into quantities of the other unit.
public func * (rate: NewtonsPerSecond, time: Seconds) -> Newtons { Newtons(rate.value * time.value) }
public func / (force: Newtons, time: Seconds) -> NewtonsPerSecond { NewtonsPerSecond(force.value / time.value) }
public func / (force: Newtons, rate: NewtonsPerSecond) -> Seconds { Seconds(force.value / rate.value) }
public func * (rate: DegreesPerSecond, time: Seconds) -> Degrees { Degrees(rate.value * time.value) }
public func / (angle: Degrees, time: Seconds) -> DegreesPerSecond { DegreesPerSecond(angle.value / time.value) }
public func * (speed: MillimetresPerSecond, time: Seconds) -> Millimetres { Millimetres(speed.value * time.value) }
public func / (length: Millimetres, time: Seconds) -> MillimetresPerSecond { MillimetresPerSecond(length.value / time.value) }
