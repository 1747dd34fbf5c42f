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

    public var description: String { symbol }

    public var symbol: String {
        switch self {
        case .forceOverLimit: "FORCE_OVER_LIMIT"
        case .forceOverHardCap: "FORCE_OVER_HARD_CAP"
        case .forceRateHigh: "FORCE_RATE_HIGH"
        case .forceSensorStuck: "FORCE_SENSOR_STUCK"
        case .forceSensorOutOfRange: "FORCE_SENSOR_OUT_OF_RANGE"
        case .forceSensorImplausible: "FORCE_SENSOR_IMPLAUSIBLE"
        case .telemetryStale: "TELEMETRY_STALE"
        case .linkLost: "LINK_LOST"
        case .patientRelease: "PATIENT_RELEASE"
        case .patientSwitchFault: "PATIENT_SWITCH_FAULT"
        case .emergencyStop: "EMERGENCY_STOP"
        case .harnessOpen: "HARNESS_OPEN"
        case .angleOutOfRange: "ANGLE_OUT_OF_RANGE"
        case .angleMovedUnderTension: "ANGLE_MOVED_UNDER_TENSION"
        case .angleFollowingError: "ANGLE_FOLLOWING_ERROR"
        case .driveFault: "DRIVE_FAULT"
        case .controlLoopOverrun: "CONTROL_LOOP_OVERRUN"
        case .controlLoopFailure: "CONTROL_LOOP_FAILURE"
        case .selfTestFailed: "SELF_TEST_FAILED"
        }
    }

    public var priority: AlarmPriority {
        switch self {
        case .forceRateHigh, .harnessOpen, .controlLoopOverrun: .medium
        case .telemetryStale: .low
        default: .high
        }
    }

    /// High alarms latch: they stay active until an operator acknowledges
    /// them, even after their condition has cleared.
    public var latches: Bool { priority == .high }

    /// True for alarms that mark a one-off event rather than a lasting
    /// condition; their condition clears in the instant it is raised.
    public var isMomentary: Bool { self == .selfTestFailed }

    /// The hazard of SAFETY.md this alarm belongs to.
    public var hazard: String {
        switch self {
        case .forceOverLimit: "H1"
        case .forceOverHardCap: "H2"
        case .forceRateHigh: "H3"
        case .forceSensorStuck, .forceSensorOutOfRange, .forceSensorImplausible, .selfTestFailed: "H4"
        case .telemetryStale, .linkLost: "H5"
        case .patientRelease, .patientSwitchFault: "H7"
        case .emergencyStop: "H8"
        case .angleOutOfRange, .angleMovedUnderTension, .angleFollowingError: "H9"
        case .harnessOpen: "H10"
        case .controlLoopOverrun, .controlLoopFailure: "H11"
        case .driveFault: "H17"
        }
    }

    /// The interlock event the rising edge of this alarm's condition sends.
    public var risingEdgeEvent: InterlockEvent {
        switch self {
        case .forceOverLimit: .overForceLimit
        case .forceOverHardCap: .overForceHardCap
        case .forceRateHigh: .forceRateExceeded
        case .forceSensorStuck: .forceSensorStuck
        case .forceSensorOutOfRange: .forceSensorOutOfRange
        case .forceSensorImplausible: .forceSensorImplausible
        case .telemetryStale: .telemetryStale
        case .linkLost: .telemetryLost
        case .patientRelease: .patientSwitchPressed
        case .patientSwitchFault: .patientSwitchChannelsDisagree
        case .emergencyStop: .emergencyStop
        case .harnessOpen: .harnessOpen
        case .angleOutOfRange: .angleOutOfRange
        case .angleMovedUnderTension: .angleMovedUnderTension
        case .angleFollowingError: .angleFollowingError
        case .driveFault: .driveFault
        case .controlLoopOverrun: .overrunBudgetExceeded
        case .controlLoopFailure: .overrunHardBudgetExceeded
        case .selfTestFailed: .selfTestFailed
        }
    }

    /// What a clinician reads: what happened, what the table did, what to do.
    public var message: String {
        switch self {
        case .forceOverLimit:
            "Traction force exceeded the session limit. Tension is being released. Check the patient, then acknowledge."
        case .forceOverHardCap:
            "Traction force reached the absolute maximum for this table or region. Emergency release under way; the drive switches off when slack."
        case .forceRateHigh:
            "Traction force is rising faster than allowed. Tension is held until it settles."
        case .forceSensorStuck:
            "The force sensor stopped responding while the cable moved. Tension is being released; call service before further use."
        case .forceSensorOutOfRange:
            "The force sensor reading is outside its valid range. Tension is being released; call service before further use."
        case .forceSensorImplausible:
            "The two channels of the force sensor disagree. Tension is being released; call service before further use."
        case .telemetryStale:
            "Readings from the table are late. Tension is held until they are current again."
        case .linkLost:
            "Connection to the table lost. The table releases tension on its own. Check the cable, then reset."
        case .patientRelease:
            "The patient pressed the safety switch. Emergency release under way. Attend to the patient."
        case .patientSwitchFault:
            "The patient safety switch is faulty (its two channels disagree). Tension is being released; no session can start until it is repaired."
        case .emergencyStop:
            "Emergency stop pressed. The drive is off. Release the emergency stop, attend to the patient, then reset."
        case .harnessOpen:
            "The harness is not closed. Secure the patient; a running session releases tension."
        case .angleOutOfRange:
            "A table angle is outside its permitted range. Angle movement stopped; tension is being released."
        case .angleMovedUnderTension:
            "A table angle changed while the patient was under tension. Tension is being released."
        case .angleFollowingError:
            "A table angle is not following its command. Angle movement stopped; tension is being released."
        case .driveFault:
            "The table's drive reported a fault. Tension is being released; call service if it recurs."
        case .controlLoopOverrun:
            "The control computer is missing its timing deadlines. Treatment continues with tension held; call service if it persists."
        case .controlLoopFailure:
            "The control computer missed too many timing deadlines. Tension is being released; call service."
        case .selfTestFailed:
            "The table failed its self-test. It cannot be used until the fault is cleared and the self-test passes."
        }
    }
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
