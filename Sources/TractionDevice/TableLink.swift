/// Why a link to a table failed. Each case names what a technician can check.
public enum TableLinkError: Error, Sendable, Hashable {
    /// The table speaks another protocol version; the host refuses to run.
    case protocolVersionMismatch(host: UInt8, table: UInt8)
    /// No handshake reply within the timeout.
    case handshakeTimedOut(after: Seconds)
    /// The link delivered no valid telemetry for longer than the loss bound.
    case linkLost(silentFor: Seconds)
    /// The transport failed (device vanished, I/O error); the message is the
    /// operating system's.
    case transport(String)
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
