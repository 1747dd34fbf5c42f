import TractionDevice

/// A fault or disturbance a technician injects into a replay.
public enum InjectedFault: Sendable, Hashable {
    /// Both patient-switch channels pressed.
    case patientSwitch
    /// Only channel A (or B) of the patient switch pressed: a channel disagreement.
    case patientSwitchChannelA
    case patientSwitchChannelB
    case emergencyStop
    case harnessOpen
    /// The load cell freezes at its current reading.
    case stuckLoadCell
    /// The load cell reads this much more than the true force.
    case loadCellOffset(Newtons)
    /// The table reports a drive fault (overcurrent).
    case driveFault
    /// A short force spike of this size, as in a cough.
    case cough(Newtons)
    /// The patient shifts on the table by this much.
    case shift(Millimetres)
    /// The patient tenses: body stiffness multiplied by this factor.
    case tenseUp(factor: Double)
    /// The link delivers nothing (telemetry and commands lost).
    case linkStall

    /// The spelling in a fault spec, for messages and reports.
    public var name: String {
        switch self {
        case .patientSwitch: "patient-switch"
        case .patientSwitchChannelA: "patient-switch-a"
        case .patientSwitchChannelB: "patient-switch-b"
        case .emergencyStop: "estop"
        case .harnessOpen: "harness-open"
        case .stuckLoadCell: "stuck-sensor"
        case .loadCellOffset: "sensor-offset"
        case .driveFault: "drive-fault"
        case .cough: "cough"
        case .shift: "shift"
        case .tenseUp: "tense"
        case .linkStall: "link-stall"
        }
    }
}

/// One fault at a time in the replay, optionally lasting a while.
public struct ScheduledFault: Sendable, Hashable {
    public var at: Seconds
    public var fault: InjectedFault
    /// How long the fault lasts; nil means until the end of the replay (or,
    /// for a cough or a shift, an instantaneous event).
    public var duration: Seconds?

    public init(at: Seconds, fault: InjectedFault, duration: Seconds? = nil) {
        self.at = at
        self.fault = fault
        self.duration = duration
    }
}

/// Why a fault spec was refused, with the item and what is allowed.
public struct FaultSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var item: String
    public var position: Int
    public var problem: String
    public var description: String { "fault spec item \(position) \"\(item)\": \(problem)" }
}

/// Parses the `--faults` argument of `tractionctl replay`.
///
/// Grammar (docs/replay.md):
///
///     SPEC  = ITEM *( "," ITEM )
///     ITEM  = TIME ":" FAULT [ "=" VALUE ] [ "/" TIME ]
///     TIME  = number ( "ms" | "s" | "min" )
///
/// Examples: `30s:patient-switch`, `45s:cough=80N`, `2min:stuck-sensor/10s`,
/// `20s:sensor-offset=40N`, `50s:tense=1.5/8s`, `70s:estop`.
public enum FaultSpecParser {
    public static let faultNames = [
        "patient-switch", "patient-switch-a", "patient-switch-b", "estop", "harness-open",
        "stuck-sensor", "sensor-offset=<N>", "drive-fault", "cough=<N>", "shift=<mm>",
        "tense=<factor>", "link-stall",
    ]

    public static func parse(_ spec: String) throws(FaultSpecError) -> [ScheduledFault] {
        var faults: [ScheduledFault] = []
        let items = spec.split(separator: ",", omittingEmptySubsequences: false)
        for (index, rawItem) in items.enumerated() {
            let item = rawItem.trimmingSpaces
            let position = index + 1
            func fail(_ problem: String) -> FaultSpecError {
                FaultSpecError(item: item, position: position, problem: problem)
            }
            guard let colon = item.firstIndex(of: ":") else {
                throw fail("expected TIME:FAULT, for example 30s:patient-switch")
            }
            let timeText = String(item[..<colon])
            var rest = String(item[item.index(after: colon)...])
            guard let at = parseTime(timeText) else {
                throw fail("\"\(timeText)\" is not a time; write a number with ms, s or min, for example 45s")
            }
            var duration: Seconds?
            if let slash = rest.firstIndex(of: "/") {
                let durationText = String(rest[rest.index(after: slash)...])
                guard let parsed = parseTime(durationText), parsed > .zero else {
                    throw fail("\"\(durationText)\" is not a positive duration; write for example /5s")
                }
                duration = parsed
                rest = String(rest[..<slash])
            }
            var value: String?
            if let equals = rest.firstIndex(of: "=") {
                value = String(rest[rest.index(after: equals)...])
                rest = String(rest[..<equals])
            }
            let fault = try parseFault(name: rest, value: value, fail: fail)
            faults.append(ScheduledFault(at: at, fault: fault, duration: duration))
        }
        return faults.sorted { $0.at < $1.at }
    }

    private static func parseFault(name: String, value: String?,
                                   fail: (String) -> FaultSpecError) throws(FaultSpecError) -> InjectedFault {
        func noValue(_ fault: InjectedFault) throws(FaultSpecError) -> InjectedFault {
            if let value { throw fail("\(name) takes no value, but \"=\(value)\" was given") }
            return fault
        }
        func quantity(unit: String, example: String) throws(FaultSpecError) -> Double {
            guard let value else { throw fail("\(name) needs a value, for example \(name)=\(example)") }
            guard value.hasSuffix(unit), let number = Double(value.dropLast(unit.count)), number.isFinite else {
                throw fail("\"\(value)\" is not a value in \(unit); write for example \(name)=\(example)")
            }
            return number
        }
        switch name {
        case "patient-switch": return try noValue(.patientSwitch)
        case "patient-switch-a": return try noValue(.patientSwitchChannelA)
        case "patient-switch-b": return try noValue(.patientSwitchChannelB)
        case "estop": return try noValue(.emergencyStop)
        case "harness-open": return try noValue(.harnessOpen)
        case "stuck-sensor": return try noValue(.stuckLoadCell)
        case "drive-fault": return try noValue(.driveFault)
        case "link-stall": return try noValue(.linkStall)
        case "sensor-offset": return .loadCellOffset(Newtons(try quantity(unit: "N", example: "40N")))
        case "cough":
            let size = try quantity(unit: "N", example: "80N")
            guard size > 0 else { throw fail("a cough must be a positive force") }
            return .cough(Newtons(size))
        case "shift": return .shift(Millimetres(try quantity(unit: "mm", example: "5mm")))
        case "tense":
            guard let value, let factor = Double(value), factor >= 1, factor <= 5 else {
                throw fail("tense needs a stiffness factor from 1 to 5, for example tense=1.5")
            }
            return .tenseUp(factor: factor)
        default:
            throw fail("unknown fault \"\(name)\"; known faults: \(faultNames.joined(separator: ", "))")
        }
    }

    static func parseTime(_ text: String) -> Seconds? {
        let trimmed = text.trimmingSpaces
        for (suffix, scale) in [("ms", 0.001), ("min", 60.0), ("s", 1.0)] where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number.isFinite, number >= 0 else { return nil }
            return Seconds(number * scale)
        }
        return nil
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
