/// Conversions from `Double` that cannot trap.
///
/// `Int(x)` traps when `x` is NaN, infinite or outside `Int`'s range, so a
/// number that came from outside (a request, a program file, a
/// configuration file, a frame from the table) must never meet it: one
/// absurd value would end the daemon mid-treatment. Use `init(exactly:)`
/// where a value that does not fit is a mistake to report, and these where
/// the nearest representable value is the right answer (a count shown in a
/// message, a duration in whole nanoseconds already bounded by validation).
extension FixedWidthInteger {
    /// `value` rounded toward zero, clamped to the type's range; NaN is 0.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = Self.min
        } else if value >= Double(Self.max) {
            // Double(Self.max) may round up past max (2^63 for Int64), so
            // `>=` catches every value that would not fit.
            self = Self.max
        } else {
            self = Self(value)
        }
    }

    /// `value` rounded to the nearest whole number (ties away from zero), clamped as `init(saturating:)`.
    public init(saturatingRounded value: Double) {
        self.init(saturating: value.rounded())
    }
}
