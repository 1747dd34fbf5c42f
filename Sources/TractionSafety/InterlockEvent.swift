/// Everything that can happen to the interlock. Raw values are stable: they
/// index the transition table and number the events in the Promela model.
public enum InterlockEvent: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    // Link events, from the link layer.
    case linkConnected = 0
    case handshakeDone = 1
    case linkLost = 2

    // Results of the self-test the engine runs after the handshake.
    case selfTestPassed = 3
    case selfTestFailed = 4

    // Operator commands.
    case arm = 5
    case start = 6
    case pause = 7
    case resume = 8
    case adjust = 9
    case stop = 10
    case acknowledge = 11
    case reset = 12

    // Progress of a session.
    /// The program ran to its end; release follows.
    case sessionComplete = 13
    /// The measured force fell to the slack threshold during a release.
    case slackReached = 14

    // Conditions the kernel detects in telemetry (rising edges only).
    case overForceLimit = 15
    case overForceHardCap = 16
    case forceRateExceeded = 17
    case forceSensorStuck = 18
    case forceSensorOutOfRange = 19
    case forceSensorImplausible = 20
    case telemetryStale = 21
    case telemetryLost = 22
    case patientSwitchPressed = 23
    case patientSwitchChannelsDisagree = 24
    case emergencyStop = 25
    case harnessOpen = 26
    case angleOutOfRange = 27
    case angleMovedUnderTension = 28
    case angleFollowingError = 29
    case driveFault = 30
    case overrunBudgetExceeded = 31
    case overrunHardBudgetExceeded = 32
    /// A release the kernel commanded does not bring the force down (H19).
    case releaseNotProgressing = 33

    public var description: String { name }

    /// The identifier as written in the code, for records and the model.
    public var name: String {
        switch self {
        case .linkConnected: "linkConnected"
        case .handshakeDone: "handshakeDone"
        case .linkLost: "linkLost"
        case .selfTestPassed: "selfTestPassed"
        case .selfTestFailed: "selfTestFailed"
        case .arm: "arm"
        case .start: "start"
        case .pause: "pause"
        case .resume: "resume"
        case .adjust: "adjust"
        case .stop: "stop"
        case .acknowledge: "acknowledge"
        case .reset: "reset"
        case .sessionComplete: "sessionComplete"
        case .slackReached: "slackReached"
        case .overForceLimit: "overForceLimit"
        case .overForceHardCap: "overForceHardCap"
        case .forceRateExceeded: "forceRateExceeded"
        case .forceSensorStuck: "forceSensorStuck"
        case .forceSensorOutOfRange: "forceSensorOutOfRange"
        case .forceSensorImplausible: "forceSensorImplausible"
        case .telemetryStale: "telemetryStale"
        case .telemetryLost: "telemetryLost"
        case .patientSwitchPressed: "patientSwitchPressed"
        case .patientSwitchChannelsDisagree: "patientSwitchChannelsDisagree"
        case .emergencyStop: "emergencyStop"
        case .harnessOpen: "harnessOpen"
        case .angleOutOfRange: "angleOutOfRange"
        case .angleMovedUnderTension: "angleMovedUnderTension"
        case .angleFollowingError: "angleFollowingError"
        case .driveFault: "driveFault"
        case .overrunBudgetExceeded: "overrunBudgetExceeded"
        case .overrunHardBudgetExceeded: "overrunHardBudgetExceeded"
        case .releaseNotProgressing: "releaseNotProgressing"
        }
    }

    /// Where an event comes from; decides who may inject it.
    public enum Source: Sendable, Hashable {
        case link, selfTest, operatorCommand, session, detectedCondition
    }

    public var source: Source {
        switch self {
        case .linkConnected, .handshakeDone, .linkLost: .link
        case .selfTestPassed, .selfTestFailed: .selfTest
        case .arm, .start, .pause, .resume, .adjust, .stop, .acknowledge, .reset: .operatorCommand
        case .sessionComplete, .slackReached: .session
        default: .detectedCondition
        }
    }

    /// How the interlock reacts to a detected condition. Each class is one
    /// rule of the transition table, so a reviewer checks ten rules, not 330 cells.
    public enum ConditionReaction: Sendable, Hashable, CaseIterable {
        /// Cut the drive now; emergency from any state (H8).
        case cutDrive
        /// Release at the emergency rate, drive off once slack; emergency from any state (H2, H7).
        case emergencyRelease
        /// Latched fault with release from any non-latched state (H4, H5, H7 switch fault, H11 hard, H17).
        case fault
        /// Controlled release of a session; outside a session a latched fault, since
        /// no tension is expected there (H1).
        case releaseOrFault
        /// Controlled release of a session; outside a session the alarm and the
        /// envelope refuse what the condition forbids (H9, H10).
        case releaseSession
        /// No state change: the alarm sounds and the envelope holds tension (H3, H5 warning, H11 budget).
        case holdTension
    }

    /// The reaction class of a detected condition; nil for other sources.
    public var conditionReaction: ConditionReaction? {
        switch self {
        case .emergencyStop: .cutDrive
        case .patientSwitchPressed, .overForceHardCap, .releaseNotProgressing: .emergencyRelease
        case .forceSensorStuck, .forceSensorOutOfRange, .forceSensorImplausible,
             .patientSwitchChannelsDisagree, .driveFault, .overrunHardBudgetExceeded:
            .fault
        case .overForceLimit: .releaseOrFault
        case .harnessOpen, .angleOutOfRange, .angleMovedUnderTension, .angleFollowingError: .releaseSession
        case .forceRateExceeded, .telemetryStale, .overrunBudgetExceeded: .holdTension
        // Telemetry silence is a link loss and follows the link rule; the
        // other sources are not conditions.
        default: nil
        }
    }

    /// Events after which SAFETY.md requires a release or a disabled drive in
    /// the same tick, from any state.
    public var demandsImmediateRelease: Bool {
        switch self {
        case .patientSwitchPressed, .emergencyStop, .overForceLimit, .overForceHardCap, .linkLost, .telemetryLost:
            true
        default:
            false
        }
    }
}
