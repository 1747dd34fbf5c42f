/// Why a link to a table failed. Each case names what a technician can check.
public enum TableLinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The table speaks another protocol version; the host refuses to run.
    case protocolVersionMismatch(host: UInt8, table: UInt8)
    /// No handshake reply within the timeout.
    case handshakeTimedOut(after: Seconds)
    /// The link delivered no valid telemetry for longer than the loss bound.
    case linkLost(silentFor: Seconds)
    /// The transport failed (device vanished, I/O error); the message is the
    /// operating system's.
    case transport(String)
    /// The table identified itself, but what it declared cannot meet a
    /// safety bound; the host refuses to run, as for a version mismatch.
    case unsuitableTable(TableCapabilityProblem)

    public var description: String {
        switch self {
        case .protocolVersionMismatch(let host, let table):
            "protocol version mismatch: the host speaks \(host), the table \(table)"
        case .handshakeTimedOut(let after):
            "no answer to the handshake within \(Int(saturatingRounded: after.value * 1000)) ms"
        case .linkLost(let silence):
            "no valid telemetry for \(Int(saturatingRounded: silence.value * 1000)) ms"
        case .transport(let reason):
            reason
        case .unsuitableTable(let problem):
            "table refused: \(problem)"
        }
    }
}

/// What a table declared in its handshake that the safety case cannot work
/// with. Each names what the table lacks and the document that asks for it.
public enum TableCapabilityProblem: Sendable, Hashable, CustomStringConvertible {
    /// IDENTIFY_RESPONSE flags bit 1 is clear: `redundant_force` is not a
    /// second measurement, so a load cell reading low cannot be told from a
    /// patient at the right force (H4).
    case noRedundantForceChannel
    /// The declared telemetry rate is too slow for the safety bounds (H5).
    case telemetryRateTooLow(rateHertz: Double, minimumHertz: Double)

    public var description: String {
        switch self {
        case .noRedundantForceChannel:
            "the table does not measure the cable force on a second, independent channel "
                + "(IDENTIFY_RESPONSE flags bit 1, docs/wire-protocol.md section 11.2.1); "
                + "the load-cell cross-check of hazard H4 needs one"
        case .telemetryRateTooLow(let rate, let minimum):
            "the table declares telemetry at \(Self.hertz(rate)) Hz, below the \(Self.hertz(minimum)) Hz the "
                + "safety bounds need (hazard H5: a lost link is found within 50 ms and must survive one lost "
                + "frame; docs/wire-protocol.md section 9.4); set the table's telemetry rate to at least "
                + "\(Self.hertz(minimum)) Hz"
        }
    }

    private static func hertz(_ value: Double) -> String {
        value == value.rounded() && value.magnitude < 1e9 ? String(Int(value)) : String(value)
    }
}

/// The one interface between the engine and a table: identify it, send a
/// command (with its lease), receive telemetry.
///
/// Implementations: `SerialTableLink` (the wire protocol over a serial port)
/// and `SimulatedTableLink` (the plant model in process, stepped by the same
/// clock). The control thread calls `send` and `latestTelemetry` once per
/// tick; neither may block for longer than a write to the transport.
public protocol TableLink: AnyObject {
    /// Performs the handshake and returns what the table says about itself.
    /// Throws `TableLinkError.protocolVersionMismatch` when versions differ.
    func identify() throws(TableLinkError) -> TableIdentity

    /// Hands a command to the table. Never blocks on the table's reply.
    func send(_ command: DriveCommand, at now: MonotonicInstant) throws(TableLinkError)

    /// The newest telemetry sample received, or nil before the first one.
    func latestTelemetry(at now: MonotonicInstant) -> Telemetry?

    /// Asks the table to zero its load cell. Only allowed with no tension.
    func tare(at now: MonotonicInstant) throws(TableLinkError)
}

/// Why a table did not carry out a tare.
public enum TareFailure: Sendable, Hashable, CustomStringConvertible {
    /// The table measured tension on the cable.
    case tensionPresent
    /// The table refuses to tare with its drive enabled.
    case driveEnabled
    /// The load cell reports a fault.
    case sensorFault
    /// No answer within the link's tare timeout.
    case noAnswer
    /// The transport failed; the operating system's message.
    case transport(String)

    public var description: String {
        switch self {
        case .tensionPresent: "the cable is under tension; release it first"
        case .driveEnabled: "the drive is enabled"
        case .sensorFault: "the load cell reports a fault; call service"
        case .noAnswer: "the table did not answer the tare request"
        case .transport(let message): message
        }
    }

    /// The name the control protocol carries (`TARE_FAILED`'s `data.reason`).
    public var symbol: String {
        switch self {
        case .tensionPresent: "tension_present"
        case .driveEnabled: "drive_enabled"
        case .sensorFault: "sensor_fault"
        case .noAnswer: "no_answer"
        case .transport: "transport"
        }
    }
}

/// Where a tare requested with `TareRequesting.requestTare` stands.
public enum TareProgress: Sendable, Hashable {
    case pending
    case done
    case failed(TareFailure)
}

/// A link that can tare without blocking its caller: the control thread
/// asks once and then looks at the outcome on later ticks, so a table that
/// takes its time to answer never stalls the loop. `tare(at:)` blocks; this
/// does not.
public protocol TareRequesting: TableLink {
    /// Sends the tare request and returns at once (`.pending`), or with the
    /// outcome when the link knows it immediately.
    func requestTare(at now: MonotonicInstant) -> TareProgress
    /// The outcome of the latest request, `.pending` while it is awaited.
    /// Reports `.failed(.noAnswer)` once the link's timeout has passed.
    func tareProgress(at now: MonotonicInstant) -> TareProgress
}
