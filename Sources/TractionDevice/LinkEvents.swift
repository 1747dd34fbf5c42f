/// Something that happened to a table link (`SerialTableLink`), reported to
/// the control thread in order. The control thread drains them every tick
/// and hands each to `Engine.linkReported`: `connected` is
/// `Engine.linkConnected`, `handshakeDone` is `Engine.handshakeDone`, `lost`
/// and `refused` are `Engine.linkLost`. What follows a loss is the safety
/// kernel's decision; after a reconnection a session's fault stays until an
/// operator resets it, and the table's latched `lease_expired` keeps it from
/// pulling.
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

/// A link that reports what happens to it as `SerialLinkEvent`s, oldest
/// first. The control thread drains them every tick, so taking one must
/// never block and never allocate.
public protocol LinkEventSource: AnyObject {
    /// The next event, or nil when none is waiting. One consumer at a time:
    /// the control thread once it runs, whoever set the link up before.
    func nextEvent() -> SerialLinkEvent?
}
