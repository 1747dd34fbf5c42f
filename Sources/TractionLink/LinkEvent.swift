import TractionDevice

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
