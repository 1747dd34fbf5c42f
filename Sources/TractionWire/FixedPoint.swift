/// The fixed-point units of the wire. Tables are microcontrollers: integers
/// with a stated scale are exact, cheap and identical on every compiler.
///
/// Conversions from engineering units round to the nearest integer, ties away
/// from zero, and refuse values that do not fit rather than clamping them.
public enum WireUnits {
    /// Forces travel in centinewtons (0.01 N) as int32.
    public static let centinewtonsPerNewton = 100.0
    /// Positions travel in micrometres as int32; linear velocities in µm/s.
    public static let micrometresPerMillimetre = 1_000.0
    /// Angles travel in millidegrees as int32; angular rates in mdeg/s.
    public static let millidegreesPerDegree = 1_000.0
    /// Device time travels in microseconds as uint64.
    public static let microsecondsPerSecond = 1_000_000.0
    /// Leases travel in milliseconds as uint16.
    public static let millisecondsPerSecond = 1_000.0

    /// `value * scale`, rounded, as an Int32.
    static func int32(_ value: Double, scale: Double, field: String) throws(WireEncodingError) -> Int32 {
        guard value.isFinite else { throw .notFinite(field: field) }
        let scaled = (value * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled >= Double(Int32.min), scaled <= Double(Int32.max) else {
            throw .outOfRange(field: field, value: value,
                              representable: Double(Int32.min) / scale...Double(Int32.max) / scale)
        }
        return Int32(scaled)
    }

    /// `value * scale`, rounded, as a UInt16 within `allowed`.
    static func uint16(_ value: Double, scale: Double, field: String,
                       allowed: ClosedRange<UInt16> = 0...UInt16.max) throws(WireEncodingError) -> UInt16 {
        guard value.isFinite else { throw .notFinite(field: field) }
        let scaled = (value * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled >= Double(allowed.lowerBound), scaled <= Double(allowed.upperBound) else {
            throw .outOfRange(field: field, value: value,
                              representable: Double(allowed.lowerBound) / scale...Double(allowed.upperBound) / scale)
        }
        return UInt16(scaled)
    }

    /// `value * scale`, rounded, as a UInt64 (device time).
    static func uint64(_ value: Double, scale: Double, field: String) throws(WireEncodingError) -> UInt64 {
        guard value.isFinite else { throw .notFinite(field: field) }
        let scaled = (value * scale).rounded(.toNearestOrAwayFromZero)
        // 2^64 is exactly representable; anything at or above it does not fit.
        guard scaled >= 0, scaled < 18_446_744_073_709_551_616.0 else {
            throw .outOfRange(field: field, value: value, representable: 0...(18_446_744_073_709_551_615.0 / scale))
        }
        return UInt64(scaled)
    }
}
