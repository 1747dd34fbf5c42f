import TractionControlProtocol
import TractionDevice

/// Numbers for people: forces in N with kilograms-force beside them,
/// durations as m:ss, angles in degrees.
enum Units {
    /// Standard gravity: 1 kgf = 9.80665 N.
    static let newtonsPerKilogramForce = 9.80665

    /// "298.7 N (30.5 kg)"
    static func force(_ newtons: Double) -> String {
        "\(DisplayMassUnit.number(newtons, decimals: 1)) N (\(DisplayMassUnit.number(newtons / newtonsPerKilogramForce, decimals: 1)) kg)"
    }

    /// "299 N"
    static func shortForce(_ newtons: Double) -> String { "\(DisplayMassUnit.number(newtons, decimals: 0)) N" }

    static func weight(_ kilograms: Double) -> String { "\(DisplayMassUnit.number(kilograms, decimals: 1)) kg" }

    /// "9:05"; hours as "1:02:05". Negative and non-finite values read 0:00.
    static func clock(_ seconds: Double) -> String {
        let total = Int(saturating: max(0, seconds).rounded(.down))
        let hours = total / 3600, minutes = (total % 3600) / 60, rest = total % 60
        let secondsText = rest < 10 ? "0\(rest)" : "\(rest)"
        if hours > 0 { return "\(hours):\(minutes < 10 ? "0" : "")\(minutes):\(secondsText)" }
        return "\(minutes):\(secondsText)"
    }

    static func degrees(_ value: Double) -> String { "\(DisplayMassUnit.number(value, decimals: 1))°" }

    /// "flexion 10.0°, tilt 0.0°, rotation 0.0°"
    static func angles(_ angles: AnglesJSON) -> String {
        "flexion \(degrees(angles.flexionDeg)), tilt \(degrees(angles.lateralTiltDeg)), rotation \(degrees(angles.rotationDeg))"
    }

    /// "the patient body-weight fraction" for "body_weight_fraction".
    static func limitSource(_ source: String) -> String {
        switch source {
        case "program_maximum": "the program's maximum"
        case "body_weight_fraction": "the patient body-weight fraction"
        case "region_cap": "the region cap"
        case "device_cap": "the table's cap"
        case "first_session": "the first-session cap"
        case "operator_maximum": "your --max-force"
        default: source.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// "ramp up" for "ramp_up".
    static func words(_ symbol: String) -> String { symbol.replacingOccurrences(of: "_", with: " ") }
}
