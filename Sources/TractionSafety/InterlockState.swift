import TractionDevice

/// The states of the interlock. Exactly one is current at any instant; the
/// transition table (`InterlockTable`) is the only way to change it.
///
/// Raw values are stable: they index the tables, number the states in the
/// generated Promela model and appear in records.
public enum InterlockState: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// No link to a table. Nothing can move.
    case offline = 0
    /// The transport is open; the version and capability handshake is running.
    case connecting = 1
    /// Handshake done; sensors, switches and drive are being checked.
    case selfTest = 2
    /// Idle and healthy: angles may be positioned at non-therapeutic force.
    case ready = 3
    /// A session is prepared and the patient secured; tension may not rise yet.
    case armed = 4
    /// The only state in which tension may increase, and only within the envelope.
    case treating = 5
    /// Tension is held, not increased.
    case paused = 6
    /// Controlled release at the normal rate until slack, then `ready`.
    case releasing = 7
    /// Latched technical fault: release by position, drive off once slack;
    /// left only by an operator reset once every condition is clear.
    case fault = 8
    /// Latched emergency: release at the emergency rate (or the drive is cut at
    /// once for an e-stop); left only by an operator reset once clear.
    case emergency = 9

    public var description: String {
        switch self {
        case .offline: "offline"
        case .connecting: "connecting"
        case .selfTest: "self-test"
        case .ready: "ready"
        case .armed: "armed"
        case .treating: "treating"
        case .paused: "paused"
        case .releasing: "releasing"
        case .fault: "fault"
        case .emergency: "emergency"
        }
    }

    /// The identifier as written in the code, for records, models and diagrams.
    public var name: String {
        switch self {
        case .selfTest: "selfTest"
        default: description
        }
    }

    /// States in which a treatment session exists (armed up to its release).
    public var isInSession: Bool {
        switch self {
        case .armed, .treating, .paused, .releasing: true
        default: false
        }
    }

    /// States that only an operator reset leaves (IEC 60601-1-8 latching).
    public var isLatched: Bool { self == .fault || self == .emergency }
}

/// What the drive may do in a state, before any runtime condition is applied.
public enum DrivePermission: UInt8, Sendable, Hashable, CaseIterable {
    /// The power stage must be off.
    case disabled = 0
    /// The controller may enable the drive.
    case enabled = 1
    /// The drive stays on to release, whatever the controller asks. In
    /// `fault` and `emergency` it is cut once slack and stays off until a
    /// reset (SAFETY.md H2, H7); `releasing` ends at slack.
    case enabledUntilSlack = 2
}

/// The part of the command envelope that depends on the state alone. Together
/// with the transition table it is the data the Promela model is generated
/// from, so the model checks the same policy the kernel enforces.
public struct StatePolicy: Sendable, Hashable {
    /// Whether tension may increase (a positive traction velocity).
    public var tensionIncreaseAllowed: Bool
    /// Whether angle axes may move (subject to the non-therapeutic force rule).
    public var angleMovesAllowed: Bool
    public var drive: DrivePermission
    /// The release the kernel forces in this state, whatever the controller asks.
    public var forcedRelease: ReleaseProfile

    public init(tensionIncreaseAllowed: Bool, angleMovesAllowed: Bool, drive: DrivePermission,
                forcedRelease: ReleaseProfile) {
        self.tensionIncreaseAllowed = tensionIncreaseAllowed
        self.angleMovesAllowed = angleMovesAllowed
        self.drive = drive
        self.forcedRelease = forcedRelease
    }
}

extension InterlockState {
    /// The envelope policy of each state. Tension may rise only in `treating`;
    /// the three release states force a release; only self-test-free, healthy
    /// states let the angle axes move.
    public var policy: StatePolicy {
        switch self {
        case .offline, .connecting, .selfTest:
            StatePolicy(tensionIncreaseAllowed: false, angleMovesAllowed: false, drive: .disabled, forcedRelease: .none)
        case .ready, .armed, .paused:
            StatePolicy(tensionIncreaseAllowed: false, angleMovesAllowed: true, drive: .enabled, forcedRelease: .none)
        case .treating:
            StatePolicy(tensionIncreaseAllowed: true, angleMovesAllowed: true, drive: .enabled, forcedRelease: .none)
        case .releasing:
            // The drive stays on while the table pays out: a table that reads
            // "drive off" as "brakes applied" (docs/wire-protocol.md section
            // 10.2) would otherwise hold the tension. `slackReached` ends it.
            StatePolicy(tensionIncreaseAllowed: false, angleMovesAllowed: false, drive: .enabledUntilSlack,
                        forcedRelease: .normal)
        case .fault:
            StatePolicy(tensionIncreaseAllowed: false, angleMovesAllowed: false, drive: .enabledUntilSlack, forcedRelease: .normal)
        case .emergency:
            StatePolicy(tensionIncreaseAllowed: false, angleMovesAllowed: false, drive: .enabledUntilSlack, forcedRelease: .emergency)
        }
    }
}
