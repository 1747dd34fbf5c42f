import ArgumentParser
import TractionDevice
import TractionTherapy

/// The unit shown beside newtons: kilograms-force or pounds-force.
enum DisplayMassUnit: String, ExpressibleByArgument, CaseIterable, Codable {
    case kg
    case lb

    /// "300 N (30.6 kg)"
    func format(_ force: Newtons) -> String {
        "\(Self.number(force.value, decimals: 0)) N (\(Self.number(secondary(force), decimals: 1)) \(rawValue))"
    }

    func secondary(_ force: Newtons) -> Double {
        switch self {
        case .kg: force.kilogramsForce
        case .lb: force.poundsForce
        }
    }

    static func number(_ value: Double, decimals: Int) -> String {
        guard !value.isNaN else { return "?" }
        guard value.isFinite else { return value > 0 ? "∞" : "-∞" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        // A daemon's reply or a file may hold any double; past 2^53 there is
        // no fraction left to show and an Int64 may not hold the number.
        guard (value * scale).magnitude < 9.0e15 else { return String(value) }
        let rounded = (value * scale).rounded() / scale
        if decimals == 0 { return String(Int64(rounded)) }
        let whole = Int64(rounded.magnitude)
        let fraction = Int64(((rounded.magnitude - Double(whole)) * scale).rounded())
        let fractionText = String(fraction)
        let padded = String(repeating: "0", count: Swift.max(0, decimals - fractionText.count)) + fractionText
        return "\(rounded < 0 ? "-" : "")\(whole).\(padded)"
    }
}

extension Angles {
    /// "flexion 20°, lateral tilt 0°, rotation 0°", leaving out axes at 0°
    /// unless all are.
    var shortDescription: String {
        let parts = AngleAxis.allCases.filter { self[$0].value != 0 }.map {
            "\($0 == .flexion ? "flexion" : $0 == .lateralTilt ? "tilt" : "rotation") "
                + "\(DisplayMassUnit.number(self[$0].value, decimals: 1))°"
        }
        return parts.isEmpty ? "all 0°" : parts.joined(separator: ", ")
    }
}
