import Synchronization
import TractionDevice
import TractionQueues
import TractionWire

/// The result of a TARE_REQUEST, as the I/O thread received it.
struct TareOutcome: Sendable, Hashable {
    var requestSequence: UInt16
    var response: TareResponse
}

/// Everything the control thread and the link's I/O thread share. The I/O
/// thread is the only writer of telemetry, identity, phase and statistics; the control thread is the only writer of the pending command.
/// Critical sections copy a value in or out and nothing else, so neither
/// thread waits on the other for more than a few hundred nanoseconds.
struct LinkSharedState: Sendable {
    var phase: LinkPhase = .opening
    var identity: TableIdentity?
    /// A copy of the newest valid telemetry for observers other than the
    /// control thread (which reads `LinkMailbox.telemetry`).
    var latestTelemetry: Telemetry?
    var pendingTare: TareTargets?
    var tareOutcome: TareOutcome?
    /// When a non-blocking tare request (`requestTare`) stops waiting.
    var tareDeadline: MonotonicInstant?
    var lastFaultReport: FaultReport?
    var statistics = LinkStatistics()
    var stopRequested = false
    var ioThreadRunning = false
    /// How the I/O thread is scheduled, once it has started.
    var ioThreadScheduling: String?
}

/// What the link and its I/O thread share, by reference. The control
/// thread's per-tick path (`send`, `latestTelemetry`, `nextEvent`) uses only
/// the lock-free parts: the two triple buffers, the event queue and the
/// atomics. Everything else sits
/// behind the lock, which the control thread takes only in `identify`,
/// `tare`, when the link is refused or closed, and for diagnostics.
final class LinkMailbox: Sendable {
    let state = Mutex(LinkSharedState())
    /// Newest valid telemetry: the I/O thread writes, the control thread reads.
    let telemetry = TripleBuffer<Telemetry>()
    /// Newest command not yet written: the control thread writes, the I/O
    /// thread takes it (newest wins).
    let command = TripleBuffer<CommandMessage>()
    /// Commands replaced before the I/O thread wrote them (control thread).
    let commandsSuperseded = Atomic<UInt64>(0)
    /// False once the link is refused or closed: `send` then takes the lock
    /// to find out why. Mirrors `LinkSharedState.phase`.
    let acceptsCommands = Atomic<Bool>(true)
    /// Link events, oldest first: the I/O thread pushes, the control thread
    /// pops every tick. Lock-free (SPSC), so draining never waits for the
    /// I/O thread. Full, it refuses the newest and counts it: with the
    /// control thread draining every tick it fills only when nobody drains.
    let events = SPSCQueue<SerialLinkEvent>(capacity: 256)

    /// Posts an event; the I/O thread is the only producer.
    func post(_ event: SerialLinkEvent) { events.push(event) }

    /// Sets the phase inside a critical section and mirrors it for `send`.
    func setPhase(_ phase: LinkPhase, in state: inout LinkSharedState) {
        state.phase = phase
        switch phase {
        case .refused, .closed: acceptsCommands.store(false, ordering: .releasing)
        case .opening, .handshaking, .connected: acceptsCommands.store(true, ordering: .releasing)
        }
    }
}
