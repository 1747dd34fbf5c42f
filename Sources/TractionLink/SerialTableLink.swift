#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TractionDevice
import TractionSerial
import TractionWire

/// The wire protocol of docs/wire-protocol.md over a serial port or a
/// pseudo-terminal: a `TableLink` for a real table or for tractionemu.
///
/// Threads: the link owns one I/O thread (`LinkIOLoop`), which alone touches
/// the port: it writes commands, reads and decodes frames, performs every
/// handshake and judges silence. The control thread's `send` and
/// `latestTelemetry` only exchange values with it under a lock held for a
/// copy, so neither ever waits on the port. A dedicated thread rather than a
/// pump on the control thread because telemetry must be stamped when it
/// arrives, not at the next tick, and silence must be judged even while the
/// control thread is busy or hung.
///
/// Events (`nextEvent()`): the control thread drains them every tick and
/// passes them to the engine; the link never decides what a loss means.
public final class SerialTableLink: TareRequesting, LinkEventSource, LinkHealthSource, Sendable {
    public let configuration: SerialTableLinkConfiguration
    private let mailbox = LinkMailbox()
    private let openStream: ByteStreamOpener
    private let clock: @Sendable () -> MonotonicInstant
    /// How long `tare` waits for the table's TARE_RESPONSE.
    public static let tareTimeout: Seconds = 0.5
    /// Write timeout of ports opened by `init(port:...)`: a COMMAND frame
    /// takes about 0.7 ms at 460800 bit/s, so 5 ms means a stalled line, and
    /// a blocked write cannot push loss detection past its 50 ms bound.
    public static let portWriteTimeout: Seconds = 0.005

    /// A link over whatever `openStream` opens, on the I/O thread, at start
    /// and after every transport failure.
    /// - Parameter clock: the host's monotonic clock; every `receivedAt` and
    ///   every silence judgement reads it.
    public init(configuration: SerialTableLinkConfiguration = SerialTableLinkConfiguration(),
                clock: @escaping @Sendable () -> MonotonicInstant,
                openStream: @escaping ByteStreamOpener) throws(SerialTableLinkConfiguration.Invalid) {
        try configuration.validate()
        self.configuration = configuration
        self.clock = clock
        self.openStream = openStream
    }

    /// A link over the serial port (or pty) at `port.path`.
    public convenience init(port: SerialPortConfiguration,
                            configuration: SerialTableLinkConfiguration = SerialTableLinkConfiguration(),
                            clock: @escaping @Sendable () -> MonotonicInstant) throws(SerialTableLinkConfiguration.Invalid) {
        var port = port
        port.writeTimeout = min(port.writeTimeout, Self.portWriteTimeout)
        let portConfiguration = port
        try self.init(configuration: configuration, clock: clock) { () throws(SerialPortError) -> any ByteStream in
            try SerialPort(portConfiguration)
        }
    }

    deinit { close() }

    // MARK: TableLink

    /// Starts the I/O thread if needed and waits, up to the handshake
    /// timeout, for the table to identify itself.
    /// - Throws: `.protocolVersionMismatch` when the table speaks another
    ///   version (the link then sends nothing, ever); `.handshakeTimedOut`
    ///   when no table answered in time (the link keeps trying).
    public func identify() throws(TableLinkError) -> TableIdentity {
        startIOThread()
        let deadline = clock() + configuration.handshakeTimeout
        while true {
            let (phase, identity) = mailbox.state.withLock { ($0.phase, $0.identity) }
            switch phase {
            case .connected:
                if let identity { return identity }
            case .refused(let error):
                throw error
            case .closed:
                throw .transport("the link was closed")
            case .opening, .handshaking:
                break
            }
            if clock() >= deadline { throw .handshakeTimedOut(after: configuration.handshakeTimeout) }
            usleep(1_000)
        }
    }

    /// Hands `command` to the I/O thread, replacing one not yet written.
    /// Never blocks on the port. The lease travels with every command (capped
    /// at the table's declared maximum).
    /// - Throws: `.protocolVersionMismatch` once refused; `.transport` when the
    ///   command cannot be put on the wire (e.g. a lease of 0 ms) or the link
    ///   is closed.
    public func send(_ command: DriveCommand, at now: MonotonicInstant) throws(TableLinkError) {
        let message: CommandMessage
        do {
            message = try CommandMessage(command)
        } catch {
            throw .transport("command not representable on the wire: \(error)")
        }
        // The per-tick path takes no lock (see TripleBuffer); only a refused
        // or closed link, where no command will ever be written, looks up why.
        guard mailbox.acceptsCommands.load(ordering: .acquiring) else {
            let phase = mailbox.state.withLock { $0.phase }
            if case .refused(let error) = phase { throw error }
            throw .transport("the link was closed")
        }
        if mailbox.command.publish(message) {
            mailbox.commandsSuperseded.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// The newest valid telemetry, stamped with the host's monotonic instant
    /// at receipt. After a loss it stays the last one received, so its
    /// `receivedAt` ages and the safety kernel sees the silence too.
    /// Lock-free; to be called from one thread only, the control thread
    /// (other observers use `newestTelemetry`).
    public func latestTelemetry(at now: MonotonicInstant) -> Telemetry? {
        mailbox.telemetry.latest()
    }

    /// The newest valid telemetry, for observers other than the control
    /// thread (tests, diagnostics). Takes the link's lock.
    public var newestTelemetry: Telemetry? { mailbox.state.withLock { $0.latestTelemetry } }

    /// Asks the table to zero its load cell and waits for its answer.
    /// - Throws: `.transport` with the table's reason when it refuses, or
    ///   when no answer comes within `tareTimeout`.
    public func tare(at now: MonotonicInstant) throws(TableLinkError) {
        mailbox.state.withLock {
            $0.tareOutcome = nil
            $0.pendingTare = .loadCell
        }
        let deadline = clock() + Self.tareTimeout
        while clock() < deadline {
            if let outcome = mailbox.state.withLock({ $0.tareOutcome }) {
                switch outcome.response.result {
                case .done: return
                case .refusedTensionPresent:
                    throw .transport("tare refused by the table: the cable is under tension; release it first")
                case .refusedDriveEnabled:
                    throw .transport("tare refused by the table: the drive is enabled; disable it first")
                case .failedSensorFault:
                    throw .transport("tare failed at the table: the load cell reports a fault; call service")
                }
            }
            usleep(1_000)
        }
        throw .transport("the table did not answer the tare request within \(Self.tareTimeout.milliseconds) ms")
    }

    /// Queues a tare request for the I/O thread and returns at once; the
    /// control thread asks `tareProgress` on later ticks.
    public func requestTare(at now: MonotonicInstant) -> TareProgress {
        mailbox.state.withLock {
            $0.tareOutcome = nil
            $0.pendingTare = .loadCell
            $0.tareDeadline = now + Self.tareTimeout
        }
        return .pending
    }

    public func tareProgress(at now: MonotonicInstant) -> TareProgress {
        mailbox.state.withLock { state in
            if let outcome = state.tareOutcome {
                state.tareDeadline = nil
                switch outcome.response.result {
                case .done: return .done
                case .refusedTensionPresent: return .failed(.tensionPresent)
                case .refusedDriveEnabled: return .failed(.driveEnabled)
                case .failedSensorFault: return .failed(.sensorFault)
                }
            }
            guard let deadline = state.tareDeadline else { return .failed(.noAnswer) }
            if now >= deadline {
                state.tareDeadline = nil
                state.pendingTare = nil
                return .failed(.noAnswer)
            }
            return .pending
        }
    }

    // MARK: Status

    /// The next link event, oldest first; nil when none is waiting.
    /// Lock-free and allocation-free (an SPSC queue): one consumer at a
    /// time, the control thread once it runs.
    public func nextEvent() -> SerialLinkEvent? { mailbox.events.pop() }

    public var phase: LinkPhase { mailbox.state.withLock { $0.phase } }
    public var statistics: LinkStatistics {
        var statistics = mailbox.state.withLock { $0.statistics }
        statistics.commandsSuperseded = mailbox.commandsSuperseded.load(ordering: .relaxed)
        return statistics
    }
    /// Events discarded because nobody drained them (capacity 256; the
    /// newest are refused once full).
    public var eventsDropped: UInt64 { mailbox.events.refused }
    /// How the I/O thread is scheduled ("SCHED_FIFO 70", or why not); nil
    /// before it started.
    public var ioThreadScheduling: String? { mailbox.state.withLock { $0.ioThreadScheduling } }
    /// The last FAULT_REPORT the table sent.
    public var lastFaultReport: FaultReport? { mailbox.state.withLock { $0.lastFaultReport } }

    /// The counters of docs/wire-protocol.md section 12 and where the link
    /// stands, for `status` and `device.info`. Takes the link's lock.
    public var health: LinkHealth {
        let (phase, statistics, report) = mailbox.state.withLock { ($0.phase, $0.statistics, $0.lastFaultReport) }
        var health = LinkHealth(phase: Self.name(of: phase))
        if case .refused(let error) = phase { health.refusal = error }
        let decoder = statistics.decoder
        health.framesDecoded = decoder.framesDecoded
        health.crcErrors = decoder.crcErrors
        health.malformedFrames = decoder.malformedFrames
        health.oversizeFrames = decoder.oversizeFrames
        health.otherVersionFrames = decoder.unsupportedVersionFrames
        health.unknownTypeFrames = decoder.unknownTypeFrames
        health.invalidPayloadFrames = decoder.invalidPayloadFrames
        health.resynchronisations = decoder.resynchronisations
        health.discardedBytes = decoder.discardedBytes
        health.telemetryReceived = statistics.telemetryReceived
        health.framesLost = statistics.framesLost
        health.sequenceGaps = statistics.sequenceGaps
        health.handshakes = statistics.handshakes
        health.losses = statistics.losses
        health.reopens = statistics.reopens
        health.refusals = statistics.refusals
        health.faultReports = statistics.faultReports
        health.faultReportsNotReported = statistics.faultReportsNotReported
        health.framesSent = statistics.framesSent
        health.commandsSent = statistics.commandsSent
        health.latencyP99 = statistics.commandToTelemetryLatency.quantile(0.99)
        health.lastFaultReport = report.map {
            TableFaultNotice(deviceTimeMicroseconds: $0.deviceTimeMicroseconds, activeFaults: $0.activeFaults,
                             eventCode: $0.event.rawValue, eventName: $0.event.specificationName,
                             detail: $0.detail, text: $0.text)
        }
        return health
    }

    private static func name(of phase: LinkPhase) -> String {
        switch phase {
        case .opening: "opening"
        case .handshaking: "handshaking"
        case .connected: "connected"
        case .refused: "refused"
        case .closed: "closed"
        }
    }

    /// Stops the I/O thread and closes the port. Waits for the thread, which
    /// notices within one poll interval (or one write timeout).
    public func close() {
        let running = mailbox.state.withLock { state -> Bool in
            state.stopRequested = true
            return state.ioThreadRunning
        }
        guard running else {
            mailbox.state.withLock { mailbox.setPhase(.closed, in: &$0) }
            return
        }
        while mailbox.state.withLock({ $0.ioThreadRunning }) { usleep(500) }
    }

    private func startIOThread() {
        let shouldStart = mailbox.state.withLock { state -> Bool in
            guard !state.ioThreadRunning, !state.stopRequested else { return false }
            state.ioThreadRunning = true
            return true
        }
        guard shouldStart else { return }
        let mailbox = self.mailbox
        let configuration = self.configuration
        let openStream = self.openStream
        let clock = self.clock
        let thread = Thread {
            LinkIOLoop(mailbox: mailbox, configuration: configuration, openStream: openStream, clock: clock).run()
        }
        thread.name = "traction-link"
        thread.start()
    }
}
