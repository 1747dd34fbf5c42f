/// Alarm priorities after IEC 60601-1-8, highest first in urgency.
public enum AlarmPriority: UInt8, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Information signal: no operator response is needed.
    case information = 0
    /// Awareness of the operator is required.
    case low = 1
    /// Prompt operator response is required.
    case medium = 2
    /// Immediate operator response is required.
    case high = 3

    public static func < (lhs: AlarmPriority, rhs: AlarmPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The stable symbolic codes of the kernel's alarms. The symbol (`symbol`)
/// never changes once released: records, the control socket and clinicians'
/// procedures refer to it. Raw values index the alarm table.
public enum AlarmCode: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case forceOverLimit = 0
    case forceOverHardCap = 1
    case forceRateHigh = 2
    case forceSensorStuck = 3
    case forceSensorOutOfRange = 4
    case forceSensorImplausible = 5
    case telemetryStale = 6
    case linkLost = 7
    case patientRelease = 8
    case patientSwitchFault = 9
    case emergencyStop = 10
    case harnessOpen = 11
    case angleOutOfRange = 12
    case angleMovedUnderTension = 13
    case angleFollowingError = 14
    case driveFault = 15
    case controlLoopOverrun = 16
    case controlLoopFailure = 17
    case selfTestFailed = 18
    case releaseNotProgressing = 19

    /// Everything about one alarm, in one row.
    public struct Definition: Sendable {
        public let symbol: String
        public let priority: AlarmPriority
        /// The hazard of SAFETY.md this alarm belongs to.
        public let hazard: String
        /// The interlock event the rising edge of its condition sends.
        public let risingEdgeEvent: InterlockEvent
        /// What a clinician reads: what happened, what the table did, what to do.
        public let message: String
        /// What the kernel judges the condition from.
        public let evidence: Evidence

        init(symbol: String, priority: AlarmPriority, hazard: String, risingEdgeEvent: InterlockEvent,
             evidence: Evidence = .sample, message: String) {
            self.symbol = symbol
            self.priority = priority
            self.hazard = hazard
            self.risingEdgeEvent = risingEdgeEvent
            self.message = message
            self.evidence = evidence
        }
    }

    /// Where the kernel finds an alarm's condition.
    public enum Evidence: Sendable, Hashable {
        /// A new telemetry sample alone (`ConditionDetector.evaluate`).
        case sample
        /// The age of the newest sample, or the link layer's report of a loss.
        case telemetryAge
        /// The control loop's missed deadlines.
        case loopTiming
        /// A sample, or the command the controller asks for (`SafetyKernel.clamp`).
        case sampleOrCommand
        /// The result of the self-test: a one-off event, not a lasting
        /// condition, so it clears in the instant it is raised.
        case selfTest
    }

    /// The alarm table, indexed by raw value: one row per code, so adding an
    /// alarm is one row, never five switches to keep in step.
    public static let definitions: [Definition] = [
        Definition(symbol: "FORCE_OVER_LIMIT", priority: .high, hazard: "H1", risingEdgeEvent: .overForceLimit,
                   message: "Traction force exceeded the session limit. Tension is being released. "
                       + "Check the patient, then acknowledge."),
        Definition(symbol: "FORCE_OVER_HARD_CAP", priority: .high, hazard: "H2", risingEdgeEvent: .overForceHardCap,
                   evidence: .sampleOrCommand,
                   message: "Traction force reached the absolute maximum for this table or region. "
                       + "Emergency release under way; the drive switches off when slack."),
        Definition(symbol: "FORCE_RATE_HIGH", priority: .medium, hazard: "H3", risingEdgeEvent: .forceRateExceeded,
                   message: "Traction force is rising faster than allowed. Tension is held until it settles."),
        Definition(symbol: "FORCE_SENSOR_STUCK", priority: .high, hazard: "H4", risingEdgeEvent: .forceSensorStuck,
                   message: "The force sensor stopped responding while the cable moved. "
                       + "Tension is being released; call service before further use."),
        Definition(symbol: "FORCE_SENSOR_OUT_OF_RANGE", priority: .high, hazard: "H4",
                   risingEdgeEvent: .forceSensorOutOfRange,
                   message: "The force sensor reading is outside its valid range. "
                       + "Tension is being released; call service before further use."),
        Definition(symbol: "FORCE_SENSOR_IMPLAUSIBLE", priority: .high, hazard: "H4",
                   risingEdgeEvent: .forceSensorImplausible,
                   message: "The two channels of the force sensor disagree. "
                       + "Tension is being released; call service before further use."),
        Definition(symbol: "TELEMETRY_STALE", priority: .low, hazard: "H5", risingEdgeEvent: .telemetryStale,
                   evidence: .telemetryAge,
                   message: "Readings from the table are late. Tension is held until they are current again."),
        Definition(symbol: "LINK_LOST", priority: .high, hazard: "H5", risingEdgeEvent: .telemetryLost,
                   evidence: .telemetryAge,
                   message: "Connection to the table lost. The table releases tension on its own. "
                       + "Check the cable, then reset."),
        Definition(symbol: "PATIENT_RELEASE", priority: .high, hazard: "H7", risingEdgeEvent: .patientSwitchPressed,
                   message: "The patient pressed the safety switch. Emergency release under way. Attend to the patient."),
        Definition(symbol: "PATIENT_SWITCH_FAULT", priority: .high, hazard: "H7",
                   risingEdgeEvent: .patientSwitchChannelsDisagree,
                   message: "The patient safety switch is faulty (its two channels disagree). "
                       + "Tension is being released; no session can start until it is repaired."),
        Definition(symbol: "EMERGENCY_STOP", priority: .high, hazard: "H8", risingEdgeEvent: .emergencyStop,
                   message: "Emergency stop pressed. The drive is off. "
                       + "Release the emergency stop, attend to the patient, then reset."),
        Definition(symbol: "HARNESS_OPEN", priority: .medium, hazard: "H10", risingEdgeEvent: .harnessOpen,
                   message: "The harness is not closed. Secure the patient; a running session releases tension."),
        Definition(symbol: "ANGLE_OUT_OF_RANGE", priority: .high, hazard: "H9", risingEdgeEvent: .angleOutOfRange,
                   message: "A table angle is outside its permitted range. "
                       + "Angle movement stopped; tension is being released."),
        Definition(symbol: "ANGLE_MOVED_UNDER_TENSION", priority: .high, hazard: "H9",
                   risingEdgeEvent: .angleMovedUnderTension,
                   message: "A table angle changed while the patient was under tension. Tension is being released."),
        Definition(symbol: "ANGLE_FOLLOWING_ERROR", priority: .high, hazard: "H9", risingEdgeEvent: .angleFollowingError,
                   message: "A table angle is not following its command. "
                       + "Angle movement stopped; tension is being released."),
        Definition(symbol: "DRIVE_FAULT", priority: .high, hazard: "H17", risingEdgeEvent: .driveFault,
                   message: "The table's drive reported a fault. Tension is being released; call service if it recurs."),
        Definition(symbol: "CONTROL_LOOP_OVERRUN", priority: .medium, hazard: "H11",
                   risingEdgeEvent: .overrunBudgetExceeded,
                   evidence: .loopTiming,
                   message: "The control computer is missing its timing deadlines. "
                       + "Treatment continues with tension held; call service if it persists."),
        Definition(symbol: "CONTROL_LOOP_FAILURE", priority: .high, hazard: "H11",
                   risingEdgeEvent: .overrunHardBudgetExceeded,
                   evidence: .loopTiming,
                   message: "The control computer missed too many timing deadlines. "
                       + "Tension is being released; call service."),
        Definition(symbol: "SELF_TEST_FAILED", priority: .high, hazard: "H4", risingEdgeEvent: .selfTestFailed,
                   evidence: .selfTest,
                   message: "The table failed its self-test. "
                       + "It cannot be used until the fault is cleared and the self-test passes."),
        Definition(symbol: "RELEASE_NOT_PROGRESSING", priority: .high, hazard: "H19",
                   risingEdgeEvent: .releaseNotProgressing,
                   message: "The tension is not coming down as the table was told to release it. "
                       + "Emergency release commanded; if the force stays, release the patient by hand and call service."),
    ]

    public var definition: Definition { Self.definitions[Int(rawValue)] }
    public var description: String { symbol }
    public var symbol: String { definition.symbol }
    public var priority: AlarmPriority { definition.priority }
    public var hazard: String { definition.hazard }
    public var risingEdgeEvent: InterlockEvent { definition.risingEdgeEvent }
    public var message: String { definition.message }
    public var evidence: Evidence { definition.evidence }

    /// High alarms latch: they stay active until an operator acknowledges
    /// them, even after their condition has cleared.
    public var latches: Bool { priority == .high }

    /// True for alarms that mark a one-off event rather than a lasting
    /// condition; their condition clears in the instant it is raised.
    public var isMomentary: Bool { evidence == .selfTest }
}

/// A set of alarm codes as a bit mask: which conditions are present this
/// tick. A value type of one word, so tracking conditions never allocates.
public struct AlarmConditions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ code: AlarmCode) { self.init(rawValue: 1 << UInt32(code.rawValue)) }

    public func contains(_ code: AlarmCode) -> Bool { contains(AlarmConditions(code)) }

    public mutating func set(_ code: AlarmCode, present: Bool) {
        if present { insert(AlarmConditions(code)) } else { remove(AlarmConditions(code)) }
    }

    /// The codes in the set, in code order. Allocates; not for the control path.
    public var codes: [AlarmCode] { AlarmCode.allCases.filter { contains($0) } }
}
