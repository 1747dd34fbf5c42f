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
    /// The load cell (force channel A) freezes at its current reading.
    case stuckLoadCell
    /// The load cell reads this much more than the true force (negative: less).
    case loadCellOffset(Newtons)
    /// The load cell reads this factor times the true force.
    case loadCellGain(Double)
    /// Force channel B freezes at its current reading.
    case stuckRedundantChannel
    /// Force channel B reads this much more than the true force.
    case redundantOffset(Newtons)
    /// Force channel B reads this factor times the true force.
    case redundantGain(Double)
    /// The table reports a drive fault (overcurrent).
    case driveFault
    /// The drive holds instead of paying out on a release (H19).
    case releaseStall
    /// A short force spike of this size, as in a cough.
    case cough(Newtons)
    /// The patient shifts on the table by this much.
    case shift(Millimetres)
    /// The patient tenses: body stiffness multiplied by this factor.
    case tenseUp(factor: Double)
    /// The link delivers nothing (telemetry and commands lost).
    case linkStall
    /// No telemetry reaches the host; commands still reach the table.
    case telemetryGap
    /// Telemetry reaches the host this late (nothing arrives for that long
    /// when the delay begins).
    case telemetryDelay(Seconds)
    /// Each telemetry frame is lost with this probability (0...1).
    case frameLoss(Double)

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
        case .loadCellGain: "sensor-gain"
        case .stuckRedundantChannel: "stuck-sensor-b"
        case .redundantOffset: "sensor-b-offset"
        case .redundantGain: "sensor-b-gain"
        case .driveFault: "drive-fault"
        case .releaseStall: "release-stall"
        case .cough: "cough"
        case .shift: "shift"
        case .tenseUp: "tense"
        case .linkStall: "link-stall"
        case .telemetryGap: "telemetry-gap"
        case .telemetryDelay: "telemetry-delay"
        case .frameLoss: "frame-loss"
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
    /// "fault spec" or "action spec".
    public var kind = "fault spec"
    public var description: String { "\(kind) item \(position) \"\(item)\": \(problem)" }
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
/// `20s:sensor-offset=-25N`, `20s:sensor-gain=0.8`, `50s:tense=1.5/8s`,
/// `70s:estop`, `40s:telemetry-gap/16ms`, `40s:telemetry-delay=30ms/5s`,
/// `10s:frame-loss=0.2%/60s`.
public enum FaultSpecParser {
    public static let faultNames = [
        "patient-switch", "patient-switch-a", "patient-switch-b", "estop", "harness-open",
        "stuck-sensor", "sensor-offset=<N>", "sensor-gain=<factor>", "stuck-sensor-b", "sensor-b-offset=<N>",
        "sensor-b-gain=<factor>", "drive-fault", "release-stall", "cough=<N>", "shift=<mm>", "tense=<factor>", "link-stall",
        "telemetry-gap", "telemetry-delay=<ms>", "frame-loss=<percent>%",
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
        func gainFactor() throws(FaultSpecError) -> Double {
            guard let value, let factor = Double(value), factor.isFinite, factor >= 0, factor <= 3 else {
                throw fail("\(name) needs a gain factor from 0 to 3, for example \(name)=0.8")
            }
            return factor
        }
        switch name {
        case "patient-switch": return try noValue(.patientSwitch)
        case "patient-switch-a": return try noValue(.patientSwitchChannelA)
        case "patient-switch-b": return try noValue(.patientSwitchChannelB)
        case "estop": return try noValue(.emergencyStop)
        case "harness-open": return try noValue(.harnessOpen)
        case "stuck-sensor": return try noValue(.stuckLoadCell)
        case "drive-fault": return try noValue(.driveFault)
        case "release-stall": return try noValue(.releaseStall)
        case "link-stall": return try noValue(.linkStall)
        case "sensor-offset": return .loadCellOffset(Newtons(try quantity(unit: "N", example: "-25N")))
        case "sensor-gain": return .loadCellGain(try gainFactor())
        case "stuck-sensor-b": return try noValue(.stuckRedundantChannel)
        case "sensor-b-offset": return .redundantOffset(Newtons(try quantity(unit: "N", example: "-25N")))
        case "sensor-b-gain": return .redundantGain(try gainFactor())
        case "telemetry-gap": return try noValue(.telemetryGap)
        case "telemetry-delay":
            guard let value, let delay = parseTime(value), delay > .zero, delay <= Self.longestTelemetryDelay else {
                throw fail("telemetry-delay needs a delay from 1 ms to \(Int(Self.longestTelemetryDelay.value * 1000)) ms, "
                           + "for example telemetry-delay=30ms")
            }
            return .telemetryDelay(delay)
        case "frame-loss":
            guard let value, value.hasSuffix("%"), let percent = Double(value.dropLast()), percent >= 0, percent <= 100
            else { throw fail("frame-loss needs a share from 0% to 100%, for example frame-loss=0.2%") }
            return .frameLoss(percent / 100)
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

    /// The longest delay a replay's link can play (250 ms at the slowest
    /// loop rate's ring of samples; see `TelemetryPath`).
    public static let longestTelemetryDelay: Seconds = 0.250

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

/// Parses the `--actions` argument of `tractionctl replay`: what a
/// clinician did, and when, so a technician can replay it.
///
/// Grammar (docs/replay.md):
///
///     SPEC   = ITEM *( "," ITEM )
///     ITEM   = TIME ":" ACTION [ "=" VALUE ]
///     ACTION = "pause" | "resume" | "stop" | "ack" | "reset" | "adjust"
///
/// `adjust` takes the new hold force, `adjust=150N`. Examples:
/// `60s:pause,120s:resume`, `2min:adjust=150N,5min:stop`.
public enum OperatorActionSpecParser {
    public static let actionNames = ["pause", "resume", "stop", "ack", "reset", "adjust=<N>"]

    public static func parse(_ spec: String) throws(FaultSpecError) -> [ReplayOperatorAction] {
        var actions: [ReplayOperatorAction] = []
        let items = spec.split(separator: ",", omittingEmptySubsequences: false)
        for (index, rawItem) in items.enumerated() {
            let item = rawItem.trimmingSpaces
            func fail(_ problem: String) -> FaultSpecError {
                FaultSpecError(item: item, position: index + 1, problem: problem, kind: "action spec")
            }
            guard let colon = item.firstIndex(of: ":") else {
                throw fail("expected TIME:ACTION, for example 60s:pause")
            }
            let timeText = String(item[..<colon])
            guard let at = FaultSpecParser.parseTime(timeText) else {
                throw fail("\"\(timeText)\" is not a time; write a number with ms, s or min, for example 60s")
            }
            var name = String(item[item.index(after: colon)...])
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            let action: ReplayOperatorAction.Action
            switch name {
            case "pause": action = .pause
            case "resume": action = .resume
            case "stop": action = .stop
            case "ack": action = .acknowledge
            case "reset": action = .reset
            case "adjust":
                guard let value, value.hasSuffix("N"), let force = Double(value.dropLast()), force.isFinite,
                      force > 0, force <= 2000 else {
                    throw fail("adjust needs a hold force from 0 to 2000 N, for example adjust=150N")
                }
                action = .adjust(Newtons(force))
            default:
                throw fail("unknown action \"\(name)\"; known actions: \(actionNames.joined(separator: ", "))")
            }
            if case .adjust = action {} else if let value {
                throw fail("\(name) takes no value, but \"=\(value)\" was given")
            }
            actions.append(ReplayOperatorAction(at: at, action))
        }
        // Stable: actions given for the same instant keep their order.
        return actions.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }
}
