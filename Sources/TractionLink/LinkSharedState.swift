import Synchronization
import TractionDevice
import TractionWire

/// The result of a TARE_REQUEST, as the I/O thread received it.
struct TareOutcome: Sendable, Hashable {
    var requestSequence: UInt16
    var response: TareResponse
}

/// Everything the control thread and the link's I/O thread share. The I/O
/// thread is the only writer of telemetry, identity, phase, events and
/// statistics; the control thread is the only writer of the pending command.
/// Critical sections copy a value in or out and nothing else, so neither
/// thread waits on the other for more than a few hundred nanoseconds.
struct LinkSharedState: Sendable {
    static let eventCapacity = 256

    var phase: LinkPhase = .opening
    var identity: TableIdentity?
    /// The newest valid telemetry, stamped at receipt (single-writer slot).
    var latestTelemetry: Telemetry?
    /// The newest command not yet written; newest wins.
    var pendingCommand: CommandMessage?
    /// True once the first handshake succeeded: from then on commands are
    /// forwarded even while reconnecting (the safety kernel's release
    /// commands must reach a table that answers again, spec 9.4).
    var everIdentified = false
    var pendingTare: TareTargets?
    var tareOutcome: TareOutcome?
    /// When a non-blocking tare request (`requestTare`) stops waiting.
    var tareDeadline: MonotonicInstant?
    var lastFaultReport: FaultReport?
    var events: [SerialLinkEvent] = []
    var eventsDropped: UInt64 = 0
    var statistics = LinkStatistics()
    var stopRequested = false
    var ioThreadRunning = false
    /// How the I/O thread is scheduled, once it has started.
    var ioThreadScheduling: String?

    init() { events.reserveCapacity(Self.eventCapacity) }

    mutating func post(_ event: SerialLinkEvent) {
        if events.count >= Self.eventCapacity {
            // Never silently: the count is exported with the statistics.
            events.removeFirst()
            eventsDropped &+= 1
        }
        events.append(event)
    }
}

/// The lock around `LinkSharedState`, shared by reference between the link
/// and its I/O thread.
final class LinkMailbox: Sendable {
    let state = Mutex(LinkSharedState())
}
