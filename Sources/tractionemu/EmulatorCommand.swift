import TractionDevice

/// One control-channel command (docs/emulator.md, "Control channel"): the
/// same text works on the control socket, one per line, and in `--fault`.
enum EmulatorCommand: Sendable, Hashable {
    /// Drop the next `count` frames the table would send.
    case drop(count: Int)
    /// Replace each outgoing byte with a random other byte with this probability.
    case corrupt(probability: Double)
    /// Hold every outgoing frame this long before writing it.
    case delay(Seconds)
    /// The firmware hangs: no telemetry, commands ignored (the lease runs out).
    case stall
    case unstall
    case stuckSensor(Bool)
    /// The load cell reads this much more than the cable carries, so it
    /// disagrees with the redundant estimate.
    case sensorOffset(Newtons)
    /// An overcurrent trip in the drive (cuts drive power).
    case driveFault(Bool)
    /// The drive holds instead of paying out on any release (H19).
    case releaseStall(Bool)
    case patientSwitch(PatientSwitchChannels)
    case emergencyStop(Bool)
    case harnessClosed(Bool)
    /// Mains lost for this long: silence, then a fresh handshake is needed.
    case powerLoss(Seconds)
    /// The patient coughs; the muscle force peaks at this value.
    case cough(peak: Newtons)
    /// From now on the table speaks this protocol version (a firmware
    /// update under the host's feet): its frames carry it, and host frames
    /// of another version other than IDENTIFY_REQUEST are ignored.
    case protocolVersion(UInt8)
    case status

    /// Why a line was not understood; the text is sent back after "error: ".
    struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        var description: String
    }

    /// The longest power loss or delay accepted: beyond it a test means
    /// "turn the table off", which `stall` or stopping the emulator express.
    static let longestDuration: Seconds = 60

    static let usage = "drop N | corrupt RATE | delay MS | stall | unstall | stuck-sensor on|off | sensor-offset N "
        + "| drive-fault on|off | release-stall on|off | patient-switch a|b|both|off | estop on|off | harness open|closed "
        + "| power-loss MS | cough N | protocol-version N | status"

    init(parsing line: String) throws(ParseError) {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let verb = words.first else { throw ParseError(description: "empty command; commands: \(Self.usage)") }
        let arguments = Array(words.dropFirst())
        func single() throws(ParseError) -> String {
            guard arguments.count == 1 else {
                throw ParseError(description: "'\(verb)' takes exactly one argument, got \(arguments.count)")
            }
            return arguments[0]
        }
        func none() throws(ParseError) {
            guard arguments.isEmpty else { throw ParseError(description: "'\(verb)' takes no argument") }
        }
        func onOff() throws(ParseError) -> Bool {
            switch try single() {
            case "on": return true
            case "off": return false
            case let other: throw ParseError(description: "'\(verb)' takes on or off, not '\(other)'")
            }
        }
        func number(_ range: ClosedRange<Double>, unit: String) throws(ParseError) -> Double {
            let text = try single()
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw ParseError(description: "'\(verb)' needs a number of \(unit) in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
            }
            return value
        }
        switch verb {
        case "drop":
            let text = try single()
            guard let count = Int(text), count >= 0 else {
                throw ParseError(description: "'drop' needs a whole number of frames >= 0, not '\(text)'")
            }
            self = .drop(count: count)
        case "corrupt": self = .corrupt(probability: try number(0...1, unit: "corrupted bytes per byte"))
        case "delay": self = .delay(.milliseconds(try number(0...Self.longestDuration.milliseconds, unit: "ms")))
        case "stall": try none(); self = .stall
        case "unstall": try none(); self = .unstall
        case "stuck-sensor": self = .stuckSensor(try onOff())
        case "sensor-offset": self = .sensorOffset(Newtons(try number(-2_000...2_000, unit: "N")))
        case "drive-fault": self = .driveFault(try onOff())
        case "release-stall": self = .releaseStall(try onOff())
        case "patient-switch":
            switch try single() {
            case "a": self = .patientSwitch(PatientSwitchChannels(channelAPressed: true, channelBPressed: false))
            case "b": self = .patientSwitch(PatientSwitchChannels(channelAPressed: false, channelBPressed: true))
            case "both": self = .patientSwitch(.pressed)
            case "off": self = .patientSwitch(.released)
            case let other: throw ParseError(description: "'patient-switch' takes a, b, both or off, not '\(other)'")
            }
        case "estop": self = .emergencyStop(try onOff())
        case "harness":
            switch try single() {
            case "open": self = .harnessClosed(false)
            case "closed": self = .harnessClosed(true)
            case let other: throw ParseError(description: "'harness' takes open or closed, not '\(other)'")
            }
        case "power-loss": self = .powerLoss(.milliseconds(try number(1...Self.longestDuration.milliseconds, unit: "ms")))
        case "cough": self = .cough(peak: Newtons(try number(0...1_000, unit: "N")))
        case "protocol-version": self = .protocolVersion(UInt8(try number(1...255, unit: "the version byte")))
        case "status": try none(); self = .status
        default: throw ParseError(description: "unknown command '\(verb)'; commands: \(Self.usage)")
        }
    }
}

/// A command scheduled from the command line: `--fault SECONDS:COMMAND`,
/// applied that long after the emulator started.
struct ScheduledEmulatorCommand: Sendable, Hashable {
    var after: Seconds
    var command: EmulatorCommand

    init(parsing text: String) throws(EmulatorCommand.ParseError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw .init(description: "fault '\(text)' must read SECONDS:COMMAND, e.g. 5:stall or 2.5:drop 10")
        }
        var timeText = String(text[..<colon])
        if timeText.hasSuffix("s") { timeText.removeLast() }
        guard let seconds = Double(timeText), seconds.isFinite, seconds >= 0 else {
            throw .init(description: "fault '\(text)': '\(timeText)' is not a time in seconds >= 0")
        }
        after = Seconds(seconds)
        command = try EmulatorCommand(parsing: String(text[text.index(after: colon)...]))
    }
}
