/// The two channels of the patient-held safety switch. The switch is wired
/// through two independent channels so that a broken wire or a stuck contact
/// shows up as a disagreement instead of silently disabling the switch.
public struct PatientSwitchChannels: Sendable, Hashable, Codable {
    /// Channel A reads "pressed".
    public var channelAPressed: Bool
    /// Channel B reads "pressed".
    public var channelBPressed: Bool

    public init(channelAPressed: Bool = false, channelBPressed: Bool = false) {
        self.channelAPressed = channelAPressed
        self.channelBPressed = channelBPressed
    }

    public static let released = PatientSwitchChannels()
    public static let pressed = PatientSwitchChannels(channelAPressed: true, channelBPressed: true)

    /// Either channel reads pressed. The safe reading: a press on one channel
    /// is treated as a press (and, while they disagree, as a switch fault).
    public var eitherPressed: Bool { channelAPressed || channelBPressed }
    /// The channels disagree: a wiring or switch fault.
    public var channelsDisagree: Bool { channelAPressed != channelBPressed }
}

/// Fault bits the table's drive reports. Values match the wire protocol's
/// `drive_faults` field bit for bit.
public struct DriveFaults: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let overcurrent = DriveFaults(rawValue: 1 << 0)
    public static let overtemperature = DriveFaults(rawValue: 1 << 1)
    public static let undervoltage = DriveFaults(rawValue: 1 << 2)
    public static let encoderFault = DriveFaults(rawValue: 1 << 3)
    public static let motorStall = DriveFaults(rawValue: 1 << 4)
    public static let endOfTravel = DriveFaults(rawValue: 1 << 5)
    /// The table released tension on its own because a command lease expired.
    public static let leaseExpired = DriveFaults(rawValue: 1 << 6)
    public static let loadCellFault = DriveFaults(rawValue: 1 << 7)
    public static let angleAxisFault = DriveFaults(rawValue: 1 << 8)
    public static let powerFail = DriveFaults(rawValue: 1 << 9)
    /// The table released on a patient-switch press on its own (wire
    /// protocol revision 1.1); latched until a COMMAND with the drive off
    /// arrives while the switch is released. Part of the patient's release
    /// (H7), not a drive fault.
    public static let patientSwitchRelease = DriveFaults(rawValue: 1 << 10)

    public static let none: DriveFaults = []

    /// The bits' names as docs/wire-protocol.md 11.2 lists them, lowest bit
    /// first; a reserved bit is named by its number.
    public static func names(of bits: UInt16) -> String {
        let known = ["overcurrent", "overtemperature", "undervoltage", "encoder fault", "motor stall",
                     "end of travel", "lease expired", "load-cell fault", "angle-axis fault", "power fail",
                     "patient-switch release"]
        let names = (0..<16).filter { bits & (1 << $0) != 0 }.map { $0 < known.count ? known[$0] : "reserved bit \($0)" }
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }
}

/// One telemetry sample from the table, in engineering units.
///
/// The table stamps each sample in its own time base (`deviceTime`); the host
/// adds the monotonic instant at which it received the sample
/// (`receivedAt`), from which the safety kernel judges freshness.
public struct Telemetry: Sendable, Hashable, Codable {
    /// The table's own clock at sampling, in seconds since the table started.
    public var deviceTime: Seconds
    /// Host monotonic instant at which the sample was received.
    public var receivedAt: MonotonicInstant
    /// Telemetry sequence number, wrapping modulo 2^16 like the wire protocol.
    public var sequence: UInt16

    /// Force measured by the load cell in series with the cable (channel A).
    public var loadCellForce: Newtons
    /// The same force measured on a second, independent channel (channel B:
    /// the load cell's second bridge, docs/wire-protocol.md section 11.2.1).
    /// It checks channel A's plausibility (H4), and the larger of the two is
    /// the force the host acts on (`measuredForce`).
    public var redundantForce: Newtons

    /// Traction axis position (cable take-up), 0 at the home position.
    public var tractionPosition: Millimetres
    /// Traction axis velocity; positive pulls (increases tension).
    public var tractionVelocity: MillimetresPerSecond
    /// Measured angle of each axis (0 for axes the table lacks).
    public var angles: Angles

    public var patientSwitch: PatientSwitchChannels
    public var emergencyStopPressed: Bool
    /// The harness interlock reports the patient secured.
    public var harnessClosed: Bool
    /// The drive's power stage is enabled.
    public var driveEnabled: Bool
    public var driveFaults: DriveFaults

    public init(
        deviceTime: Seconds = .zero,
        receivedAt: MonotonicInstant = .origin,
        sequence: UInt16 = 0,
        loadCellForce: Newtons = .zero,
        redundantForce: Newtons = .zero,
        tractionPosition: Millimetres = .zero,
        tractionVelocity: MillimetresPerSecond = .zero,
        angles: Angles = .zero,
        patientSwitch: PatientSwitchChannels = .released,
        emergencyStopPressed: Bool = false,
        harnessClosed: Bool = true,
        driveEnabled: Bool = false,
        driveFaults: DriveFaults = .none
    ) {
        self.deviceTime = deviceTime
        self.receivedAt = receivedAt
        self.sequence = sequence
        self.loadCellForce = loadCellForce
        self.redundantForce = redundantForce
        self.tractionPosition = tractionPosition
        self.tractionVelocity = tractionVelocity
        self.angles = angles
        self.patientSwitch = patientSwitch
        self.emergencyStopPressed = emergencyStopPressed
        self.harnessClosed = harnessClosed
        self.driveEnabled = driveEnabled
        self.driveFaults = driveFaults
    }
}

extension Telemetry {
    /// The force the host judges and controls: the larger of the two force
    /// channels. A channel that reads low (offset, lost gain, frozen while
    /// the force rises) can therefore never make the host pull harder or
    /// miss an over-force; a channel that reads high only lowers the force,
    /// and the plausibility check (H4) names the disagreement. A non-finite
    /// channel makes the reading infinite: the safe reading, which trips the
    /// hard cap.
    @inlinable public var measuredForce: Newtons {
        guard loadCellForce.isFinite, redundantForce.isFinite else { return Newtons(.infinity) }
        return loadCellForce > redundantForce ? loadCellForce : redundantForce
    }
}
