import TractionDevice

/// Something that happened to the link, reported to the control thread in
/// order. The control thread hands each to the engine: `connected` to
/// `Engine.linkConnected`, `handshakeDone` to `Engine.handshakeDone`, `lost`
/// to `Engine.linkLost`. What follows a loss is the safety kernel's decision;
/// after a reconnection the engine stays in its fault state until an operator
/// resets it, and the table's latched `lease_expired` keeps it from pulling.
public enum SerialLinkEvent: Sendable, Hashable {
    /// The port is open (at start, or reopened after a transport failure).
    case connected(at: MonotonicInstant)
    /// A table of the host's protocol version identified itself.
    case handshakeDone(TableIdentity, at: MonotonicInstant)
    /// No valid telemetry for the configured loss silence.
    case lost(silentFor: Seconds, at: MonotonicInstant)
    /// The table answered in another protocol version. The link sends no
    /// command from now on and stays refused (docs/wire-protocol.md 9.1).
    case refused(TableLinkError, at: MonotonicInstant)
    /// The transport failed; the link keeps trying to reopen the port.
    case transportFailed(String, at: MonotonicInstant)
}

/// Where the link stands, as the I/O thread last saw it.
public enum LinkPhase: Sendable, Hashable {
    /// Opening the port (or waiting to reopen it).
    case opening
    /// Sending IDENTIFY_REQUESTs, waiting for an answer.
    case handshaking
    /// Identified; telemetry flows.
    case connected
    /// The table speaks another protocol version: no commands are sent.
    case refused(TableLinkError)
    /// `close()` was called.
    case closed
}
