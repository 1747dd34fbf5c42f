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
    /// The table answered in another protocol version, or declared what
    /// cannot meet a safety bound. The link sends no command while refused;
    /// it keeps asking the table to identify itself (one IDENTIFY_REQUEST a
    /// second) and reports `handshakeDone` once the table answers in a form
    /// the host accepts (docs/wire-protocol.md 9.1). Reported once per
    /// distinct reason, not at every retry.
    case refused(TableLinkError, at: MonotonicInstant)
    /// The table sent a FAULT_REPORT (docs/wire-protocol.md 11.3). Logged and
    /// shown; the safety kernel acts on the faults telemetry carries, never
    /// on a report. At most `TableFaultNotice.maximumPerSecond` are reported
    /// a second; the rest are counted only.
    case faultReport(TableFaultNotice, at: MonotonicInstant)
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


/// A FAULT_REPORT as the control thread and the daemon see it: the wire's
/// fields, with the event's name and a sentence for the log.
public struct TableFaultNotice: Sendable, Hashable {
    /// More than this many reports in one second are counted, not reported:
    /// a table that floods them must not crowd link losses out of the event
    /// queue (capacity 256).
    public static let maximumPerSecond = 10

    /// The table's clock, in microseconds, when the event happened.
    public var deviceTimeMicroseconds: UInt64
    /// Every `drive_faults` bit set when it was sent.
    public var activeFaults: UInt16
    /// The event code (11.3): 1 to 6.
    public var eventCode: UInt8
    /// The event's name in the specification, e.g. `lease_expired`.
    public var eventName: String
    /// The event's detail word, whose meaning depends on the event.
    public var detail: UInt32
    /// The table's own text (may be empty), as sent.
    public var text: String

    public init(deviceTimeMicroseconds: UInt64, activeFaults: UInt16, eventCode: UInt8, eventName: String,
                detail: UInt32, text: String) {
        self.deviceTimeMicroseconds = deviceTimeMicroseconds
        self.activeFaults = activeFaults
        self.eventCode = eventCode
        self.eventName = eventName
        self.detail = detail
        self.text = text
    }

    /// One line for the log and for clients: the event, what its detail
    /// means, the faults now active and the table's text. Control
    /// characters in the table's text are shown as `\u{..}` escapes, so a
    /// table cannot drive a terminal that prints the log.
    public var summary: String {
        var line = "table reported \(eventName)"
        switch eventCode {
        case 1: line += ": faults raised \(DriveFaults.names(of: UInt16(truncatingIfNeeded: detail)))"
        case 2: line += ": faults cleared \(DriveFaults.names(of: UInt16(truncatingIfNeeded: detail)))"
        case 3: line += " after command \(detail)"
        case 4: line += ": frame \(detail & 0xFFFF) of type 0x\(String(detail >> 16 & 0xFF, radix: 16)) rejected"
        case 5: line += ": a frame of version \(detail & 0xFF), type 0x\(String(detail >> 8 & 0xFF, radix: 16))"
        case 6: line += ": message type 0x\(String(detail & 0xFF, radix: 16))"
        default: line += " (detail \(detail))"
        }
        line += activeFaults == 0 ? "; no drive fault active" : "; active: \(DriveFaults.names(of: activeFaults))"
        if !text.isEmpty { line += "; \"\(Self.printable(text))\"" }
        return line
    }

    /// `text` with every control character (C0, DEL, C1) escaped.
    public static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// What a serial link has counted since the daemon started
/// (docs/wire-protocol.md section 12, docs/control-protocol.md `device.info`).
/// Read off the link under its lock, for diagnostics only: never on the
/// control thread's per-tick path.
public struct LinkHealth: Sendable, Hashable {
    /// `opening`, `handshaking`, `connected`, `refused` or `closed`.
    public var phase: String
    /// Why the table is refused, while it is.
    public var refusal: TableLinkError?
    public var framesDecoded: UInt64 = 0
    public var crcErrors: UInt64 = 0
    /// Bad COBS, too short, or a length that disagrees with the frame.
    public var malformedFrames: UInt64 = 0
    public var oversizeFrames: UInt64 = 0
    public var otherVersionFrames: UInt64 = 0
    public var unknownTypeFrames: UInt64 = 0
    public var invalidPayloadFrames: UInt64 = 0
    public var resynchronisations: UInt64 = 0
    public var discardedBytes: UInt64 = 0
    public var telemetryReceived: UInt64 = 0
    /// Table frames missing from its sequence numbers, and the arrivals that
    /// followed at least one missing frame.
    public var framesLost: UInt64 = 0
    public var sequenceGaps: UInt64 = 0
    public var handshakes: UInt64 = 0
    public var losses: UInt64 = 0
    public var reopens: UInt64 = 0
    /// Times the table was refused for a new reason.
    public var refusals: UInt64 = 0
    public var faultReports: UInt64 = 0
    /// Fault reports beyond `TableFaultNotice.maximumPerSecond`: counted in
    /// `faultReports`, not reported one by one.
    public var faultReportsNotReported: UInt64 = 0
    public var framesSent: UInt64 = 0
    public var commandsSent: UInt64 = 0
    /// 99th percentile of command-to-telemetry latency; nil before any echo.
    public var latencyP99: Seconds?
    /// The newest FAULT_REPORT.
    public var lastFaultReport: TableFaultNotice?

    public init(phase: String) { self.phase = phase }
}

/// A link that can report its `LinkHealth` (the serial link).
public protocol LinkHealthSource: AnyObject, Sendable {
    var health: LinkHealth { get }
}
