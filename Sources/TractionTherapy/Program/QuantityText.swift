import TractionDevice

/// Reads the quantities a program file writes as "NUMBER UNIT" text
/// ("300 N", "1.5 min", "15 N/s", "20 deg", "50 %"). Units are compulsory:
/// a bare number is a `missingUnit` mistake, because a force of "30" could be
/// newtons or kilograms and the difference matters to a spine.
enum QuantityText {
    /// Why a text is not a quantity of the wanted kind.
    enum Failure: Error, Equatable {
        case notANumber
        case missingUnit
        case wrongUnit(String)
    }

    /// Accepted force units and their size in newtons. "kg" and "lb" are read
    /// as kilograms-force and pounds-force because consoles show them so.
    static let forceUnits: [(symbol: String, newtons: Double)] = [
        ("N", 1), ("kgf", standardGravity), ("kg", standardGravity),
        ("lbf", standardGravity / poundsPerKilogram), ("lb", standardGravity / poundsPerKilogram),
    ]
    static let durationUnits: [(symbol: String, seconds: Double)] = [("s", 1), ("min", 60)]
    static let rateUnits: [(symbol: String, newtonsPerSecond: Double)] = [
        ("N/s", 1), ("kgf/s", standardGravity), ("kg/s", standardGravity),
    ]
    static let angleUnits: [String] = ["deg", "°"]

    static let forceUnitList = "N, kgf (or kg), lbf (or lb)"
    static let durationUnitList = "s, min"
    static let rateUnitList = "N/s, kgf/s (or kg/s)"

    /// Splits "  -12.5 kgf " into (-12.5, "kgf"). The unit may follow the
    /// number with or without a space.
    static func split(_ text: String) -> (number: Double, unit: String)? {
        let trimmed = text.trimmingSpaces
        var numberEnd = trimmed.startIndex
        for index in trimmed.indices {
            let character = trimmed[index]
            let isNumberCharacter = character.isNumber || character == "." || character == "-"
                || character == "+" || ((character == "e" || character == "E") && index != trimmed.startIndex
                    && trimmed.index(after: index) < trimmed.endIndex
                    && (trimmed[trimmed.index(after: index)].isNumber || trimmed[trimmed.index(after: index)] == "-"))
            if isNumberCharacter { numberEnd = trimmed.index(after: index) } else { break }
        }
        guard let number = Double(String(trimmed[..<numberEnd])), number.isFinite else { return nil }
        return (number, String(trimmed[numberEnd...]).trimmingSpaces)
    }

    static func force(_ text: String) -> Result<Newtons, Failure> {
        guard let (number, unit) = split(text) else { return .failure(.notANumber) }
        if unit.isEmpty { return .failure(.missingUnit) }
        guard let match = forceUnits.first(where: { $0.symbol == unit }) else { return .failure(.wrongUnit(unit)) }
        return .success(Newtons(number * match.newtons))
    }

    static func duration(_ text: String) -> Result<Seconds, Failure> {
        guard let (number, unit) = split(text) else { return .failure(.notANumber) }
        if unit.isEmpty { return .failure(.missingUnit) }
        guard let match = durationUnits.first(where: { $0.symbol == unit }) else { return .failure(.wrongUnit(unit)) }
        return .success(Seconds(number * match.seconds))
    }

    static func rate(_ text: String) -> Result<NewtonsPerSecond, Failure> {
        guard let (number, unit) = split(text) else { return .failure(.notANumber) }
        if unit.isEmpty { return .failure(.missingUnit) }
        guard let match = rateUnits.first(where: { $0.symbol == unit }) else { return .failure(.wrongUnit(unit)) }
        return .success(NewtonsPerSecond(number * match.newtonsPerSecond))
    }

    static func angle(_ text: String) -> Result<Degrees, Failure> {
        guard let (number, unit) = split(text) else { return .failure(.notANumber) }
        if unit.isEmpty { return .failure(.missingUnit) }
        guard angleUnits.contains(unit) else { return .failure(.wrongUnit(unit)) }
        return .success(Degrees(number))
    }

    /// "50 %" as 0.5.
    static func percentage(_ text: String) -> Result<Double, Failure> {
        guard let (number, unit) = split(text) else { return .failure(.notANumber) }
        if unit.isEmpty { return .failure(.missingUnit) }
        guard unit == "%" else { return .failure(.wrongUnit(unit)) }
        return .success(number / 100)
    }

    /// A ramp is a duration or a rate; the unit decides which.
    static func rampSpeed(_ text: String) -> Result<RampSpeed, Failure> {
        guard let (_, unit) = split(text) else { return .failure(.notANumber) }
        if unit.isEmpty { return .failure(.missingUnit) }
        if rateUnits.contains(where: { $0.symbol == unit }) { return rate(text).map(RampSpeed.rate) }
        if durationUnits.contains(where: { $0.symbol == unit }) { return duration(text).map(RampSpeed.duration) }
        return .failure(.wrongUnit(unit))
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}

/// Human text for quantities in messages, without Foundation's formatters.
enum QuantityFormat {
    /// `value` with at most `decimals` decimals, trailing zeros dropped.
    static func number(_ value: Double, decimals: Int = 1) -> String {
        guard !value.isNaN else { return "not a number" }
        guard value.isFinite else { return value > 0 ? "∞" : "-∞" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        // A request or a file may carry any double (a weight of 1e20 kg):
        // past 2^53 a double has no fraction left to show and an Int64
        // may not hold the number at all.
        guard (value * scale).magnitude < 9.0e15 else { return String(value) }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        var text = String(rounded)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > decimals + 1 {
            text = String(text[..<text.index(dot, offsetBy: decimals + 1)])
        }
        return text
    }

    static func newtons(_ force: Newtons) -> String { "\(number(force.value)) N" }
    static func rate(_ rate: NewtonsPerSecond) -> String { "\(number(rate.value)) N/s" }
    static func seconds(_ duration: Seconds) -> String { "\(number(duration.value)) s" }
    static func degrees(_ angle: Degrees) -> String { "\(number(angle.value)) deg" }
    static func percent(_ fraction: Double) -> String { "\(number(fraction * 100)) %" }
}
