#if canImport(Glibc)
import Glibc
#endif
import TractionDevice
import TractionSerial
import TractionWire
import TractionPlatform

/// Opens the transport for a link; called on the link's I/O thread, which
/// then owns the stream alone (a `SerialPort` is single-owner).
public typealias ByteStreamOpener = @Sendable () throws(SerialPortError) -> any ByteStream

/// The link's I/O thread: the only code that touches the stream. It writes
/// the newest command, reads and decodes, performs the handshake and every
/// re-handshake, stamps telemetry at receipt and judges silence.
///
/// One thread both reads and writes because the transport is single-owner.
/// It reads with a timeout of `ioPollInterval`, so a command waits at most
/// that long before it is written; no command is ever written twice (a hung
/// control thread must let the table's lease run out, SAFETY.md H6).
final class LinkIOLoop {
    private let mailbox: LinkMailbox
    private let configuration: SerialTableLinkConfiguration
    private let openStream: ByteStreamOpener
    private let clock: @Sendable () -> MonotonicInstant

    private var stream: (any ByteStream)?
    private var decoder = FrameDecoder()
    private var encoder = FrameEncoder()
    private var tableSequence = SequenceTracker()
    private var output: [UInt8] = []
    private var readBuffer = [UInt8](repeating: 0, count: 1024)

    /// Identified and hearing telemetry; cleared when loss is declared.
    private var linkUp = false
    private var handshaking = false
    private var nextIdentifyRequestAt = MonotonicInstant.origin
    private var lastValidTelemetryAt = MonotonicInstant.origin
    /// The silence that declares this table lost, set from its declared
    /// telemetry rate at each handshake (`TelemetryTiming.lossSilence`).
    private lazy var lossSilence = configuration.lossSilence
    private var tableMaximumLeaseMilliseconds: UInt16 = UInt16.max
    private var pendingTareSequence: UInt16?
    /// Why the table is refused, while it is: no COMMAND is written, and an
    /// IDENTIFY_REQUEST goes out every `refusedRetryInterval` until the
    /// table answers acceptably (spec 9.1 step 3).
    private var refusal: TableLinkError?
    /// FAULT_REPORTs reported in the current one-second window, and its start.
    private var faultReportsInWindow = 0
    private var faultWindowStart = MonotonicInstant.origin
    /// The first handshake succeeded: from then on commands are forwarded
    /// even while reconnecting (release commands must reach a table that
    /// answers again, spec 9.4).
    private var identifiedOnce = false

    /// Write instants of recent commands, by sequence modulo the ring size,
    /// for the command-to-telemetry latency. 64 commands are 256 ms at 250 Hz,
    /// far longer than any echo that counts as a latency.
    private static let sentRingSize = 64
    private var sentRing = [SentCommand](repeating: SentCommand(), count: LinkIOLoop.sentRingSize)

    private struct SentCommand {
        var sequence: UInt16 = 0
        var writtenAt = MonotonicInstant.origin
        var echoed = true
    }

    init(mailbox: LinkMailbox, configuration: SerialTableLinkConfiguration,
         openStream: @escaping ByteStreamOpener, clock: @escaping @Sendable () -> MonotonicInstant) {
        self.mailbox = mailbox
        self.configuration = configuration
        self.openStream = openStream
        self.clock = clock
        output.reserveCapacity(4 * WireFormat.maximumEncodedFrameLength)
    }

    func run() {
        let scheduling = applyPriority()
        mailbox.state.withLock { $0.ioThreadScheduling = scheduling }
        while !mailbox.state.withLock({ $0.stopRequested }) {
            guard stream != nil || open() else {
                pause(configuration.reopenInterval)
                continue
            }
            writePendingCommand()
            writePendingTare()
            sendIdentifyRequestIfDue()
            pumpReads()
            judgeSilence()
        }
        stream = nil
        mailbox.state.withLock {
            mailbox.setPhase(.closed, in: &$0)
            $0.ioThreadRunning = false
        }
    }

    /// Asks for the configured SCHED_FIFO priority; describes the outcome.
    private func applyPriority() -> String {
        guard let priority = configuration.ioThreadFIFOPriority else { return "SCHED_OTHER (not requested)" }
        var parameters = sched_param(sched_priority: priority)
        let error = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        guard error == 0 else {
            return "SCHED_OTHER: SCHED_FIFO \(priority) refused (\(Errno(error).description)); "
                + "grant CAP_SYS_NICE or raise LimitRTPRIO"
        }
        return "SCHED_FIFO \(priority)"
    }

    // MARK: Opening and failing

    private func open() -> Bool {
        do {
            stream = try openStream()
        } catch {
            return false
        }
        decoder.reset()
        handshaking = true
        nextIdentifyRequestAt = clock()
        let now = nextIdentifyRequestAt
        // A refused table stays refused across a reopened port: the phase
        // (and with it the refusal of commands) changes only when the table
        // answers acceptably.
        guard refusal == nil else { return true }
        mailbox.state.withLock {
            mailbox.setPhase(.handshaking, in: &$0)
            mailbox.post(.connected(at: now))
        }
        return true
    }

    private func transportFailed(_ error: SerialPortError) {
        stream = nil
        let now = clock()
        if linkUp { declareLoss(at: now) }
        handshaking = false
        let refused = refusal != nil
        mailbox.state.withLock {
            if !refused { mailbox.setPhase(.opening, in: &$0) }
            $0.statistics.reopens &+= 1
            mailbox.post(.transportFailed(error.description, at: now))
        }
    }

    private func pause(_ duration: Seconds) {
        usleep(UInt32(saturating: max(0, duration.value) * 1e6))
    }

    // MARK: Writing

    private func write(_ bytes: [UInt8]) -> Bool {
        guard let stream else { return false }
        do throws(SerialPortError) {
            try bytes.withUnsafeBytes { raw in
                Result { () throws(SerialPortError) in try stream.write(raw) }
            }.get()
            return true
        } catch {
            if case .writeTimedOut = error {
                // A stalled line: drop the frame (a partial one is rejected by
                // the table's CRC) and carry on; silence decides about loss.
                return false
            }
            transportFailed(error)
            return false
        }
    }

    private func writePendingCommand() {
        guard var command = mailbox.command.takeFresh() else { return }
        // Before the first handshake nothing is forwarded (and the command is
        // dropped, as the control thread sends a fresh one every tick); nor
        // while the table is refused.
        guard identifiedOnce, refusal == nil else { return }
        // A table refuses (or caps) a lease above its own maximum; a shorter
        // lease is always the safe side.
        command.leaseMilliseconds = min(command.leaseMilliseconds, tableMaximumLeaseMilliseconds)
        output.removeAll(keepingCapacity: true)
        guard let sequence = try? encoder.encode(.command(command), appendingTo: &output) else { return }
        guard write(output) else { return }
        let now = clock()
        sentRing[Int(sequence) % Self.sentRingSize] = SentCommand(sequence: sequence, writtenAt: now, echoed: false)
        mailbox.state.withLock {
            $0.statistics.framesSent &+= 1
            $0.statistics.commandsSent &+= 1
        }
    }

    private func writePendingTare() {
        guard linkUp, let targets = mailbox.state.withLock({ state -> TareTargets? in
            defer { state.pendingTare = nil }
            return state.pendingTare
        }) else { return }
        output.removeAll(keepingCapacity: true)
        guard let sequence = try? encoder.encode(.tareRequest(TareRequest(targets: targets)), appendingTo: &output),
              write(output) else { return }
        pendingTareSequence = sequence
        mailbox.state.withLock { $0.statistics.framesSent &+= 1 }
    }

    private func sendIdentifyRequestIfDue() {
        let now = clock()
        guard handshaking, now >= nextIdentifyRequestAt else { return }
        nextIdentifyRequestAt = now + (refusal == nil ? configuration.handshakeRetryInterval
                                                     : configuration.refusedRetryInterval)
        output.removeAll(keepingCapacity: true)
        // A leading delimiter ends any partial frame the table holds (spec 9.1).
        output.append(WireFormat.frameDelimiter)
        guard (try? encoder.encode(.identifyRequest, appendingTo: &output)) != nil, write(output) else { return }
        mailbox.state.withLock { $0.statistics.framesSent &+= 1 }
    }

    // MARK: Reading

    private func pumpReads() {
        guard let stream else { return }
        let count: Int
        do throws(SerialPortError) {
            count = try readBuffer.withUnsafeMutableBytes { buffer in
                Result { () throws(SerialPortError) in try stream.read(into: buffer, timeout: configuration.ioPollInterval) }
            }.get()
        } catch {
            transportFailed(error)
            return
        }
        guard count > 0 else { return }
        let receivedAt = clock()
        readBuffer.withUnsafeBytes { raw in
            decoder.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count])) { outcome in
                handle(outcome, receivedAt: receivedAt)
            }
        }
        let decoderStatistics = decoder.statistics
        mailbox.state.withLock { $0.statistics.decoder = decoderStatistics }
    }

    private func handle(_ outcome: FrameDecoder.Outcome, receivedAt: MonotonicInstant) {
        if handshaking, let reply = HandshakeReply(outcome) {
            switch reply {
            case .identified(let response, let sequence):
                let rate = Double(response.telemetryRateHertz)
                if !response.redundantForceChannel {
                    refuse(.unsuitableTable(.noRedundantForceChannel), at: receivedAt)
                } else if rate < TelemetryTiming.minimumRateHertz {
                    refuse(.unsuitableTable(.telemetryRateTooLow(rateHertz: rate,
                                                                 minimumHertz: TelemetryTiming.minimumRateHertz)),
                           at: receivedAt)
                } else {
                    completeHandshake(response, sequence: sequence, at: receivedAt)
                }
            case .versionMismatch(let host, let table):
                refuse(.protocolVersionMismatch(host: host, table: table), at: receivedAt)
            }
            return
        }
        guard case .success(let frame) = outcome else { return }
        // A table's FAULT_REPORT is worth showing whenever it arrives in the
        // host's version, even before a handshake (a lease that ran out
        // while no host was there) or while the table is refused.
        if case .faultReport(let report) = frame.message, !linkUp {
            reportFault(report, at: receivedAt)
            return
        }
        guard linkUp else { return }
        let lost = tableSequence.observe(frame.sequence)
        switch frame.message {
        case .telemetry(let message):
            accept(message, sequence: frame.sequence, lost: lost, at: receivedAt)
        case .faultReport(let report):
            let lostFrames = tableSequence.lostFrames
            let gaps = tableSequence.gaps
            mailbox.state.withLock {
                $0.statistics.framesLost = lostFrames
                $0.statistics.sequenceGaps = gaps
            }
            reportFault(report, at: receivedAt)
        case .tareResponse(let response):
            if response.requestSequence == pendingTareSequence {
                pendingTareSequence = nil
                mailbox.state.withLock {
                    $0.tareOutcome = TareOutcome(requestSequence: response.requestSequence, response: response)
                }
            }
        case .identifyResponse, .identifyRequest, .command, .tareRequest:
            // A late answer to a retried IDENTIFY_REQUEST, or frames a table
            // never sends: counted by the sequence tracker, otherwise ignored.
            break
        }
    }

    private func accept(_ message: TelemetryMessage, sequence: UInt16, lost: UInt16, at receivedAt: MonotonicInstant) {
        lastValidTelemetryAt = receivedAt
        let sample = message.telemetry(sequence: sequence, receivedAt: receivedAt)
        var latency: Seconds?
        let slot = Int(message.lastCommandSequence) % Self.sentRingSize
        if sentRing[slot].sequence == message.lastCommandSequence, !sentRing[slot].echoed {
            sentRing[slot].echoed = true
            latency = receivedAt - sentRing[slot].writtenAt
        }
        let lostFrames = tableSequence.lostFrames
        let gaps = tableSequence.gaps
        mailbox.telemetry.publish(sample)
        mailbox.state.withLock {
            $0.latestTelemetry = sample
            $0.statistics.telemetryReceived &+= 1
            $0.statistics.framesLost = lostFrames
            $0.statistics.sequenceGaps = gaps
            if let latency { $0.statistics.commandToTelemetryLatency.record(latency) }
        }
    }

    private func completeHandshake(_ response: IdentifyResponse, sequence: UInt16, at now: MonotonicInstant) {
        handshaking = false
        linkUp = true
        // The silence clock starts at the handshake: a table that identifies
        // and then never sends telemetry is lost like one that falls silent.
        lastValidTelemetryAt = now
        tableMaximumLeaseMilliseconds = response.maximumLeaseMilliseconds
        // Silence is judged in the table's own declared periods (section 9.4).
        lossSilence = TelemetryTiming.lossSilence(
            declaredPeriod: TelemetryTiming.period(ofRate: Double(response.telemetryRateHertz)),
            configured: configuration.lossSilence, pollInterval: configuration.ioPollInterval)
        tableSequence.reset()
        tableSequence.observe(sequence)
        let identity = response.identity
        identifiedOnce = true
        refusal = nil
        mailbox.state.withLock {
            $0.identity = identity
            mailbox.setPhase(.connected, in: &$0)
            $0.statistics.handshakes &+= 1
            mailbox.post(.handshakeDone(identity, at: now))
        }
    }

    /// Refuses the table: no COMMAND from now on, and one IDENTIFY_REQUEST
    /// every `refusedRetryInterval` (IDENTIFY_REQUEST changes nothing on a
    /// table, spec 9.1 step 2). The event is posted when the reason is new,
    /// not at every retry that meets the same answer.
    private func refuse(_ error: TableLinkError, at now: MonotonicInstant) {
        let isNew = refusal != error
        refusal = error
        handshaking = true
        linkUp = false
        nextIdentifyRequestAt = now + configuration.refusedRetryInterval
        guard isNew else { return }
        mailbox.state.withLock {
            mailbox.setPhase(.refused(error), in: &$0)
            $0.statistics.refusals &+= 1
            mailbox.post(.refused(error, at: now))
        }
    }

    /// Keeps the newest report, counts it and posts it, at most
    /// `TableFaultNotice.maximumPerSecond` a second: a table flooding
    /// reports must not fill the event queue that carries link losses.
    private func reportFault(_ report: FaultReport, at now: MonotonicInstant) {
        if now - faultWindowStart >= 1 {
            faultWindowStart = now
            faultReportsInWindow = 0
        }
        faultReportsInWindow += 1
        let notice = TableFaultNotice(
            deviceTimeMicroseconds: report.deviceTimeMicroseconds, activeFaults: report.activeFaults,
            eventCode: report.event.rawValue, eventName: report.event.specificationName,
            detail: report.detail, text: report.text)
        let post = faultReportsInWindow <= TableFaultNotice.maximumPerSecond
        mailbox.state.withLock {
            $0.lastFaultReport = report
            $0.statistics.faultReports &+= 1
            if post { mailbox.post(.faultReport(notice, at: now)) } else { $0.statistics.faultReportsNotReported &+= 1 }
        }
    }

    // MARK: Silence

    private func judgeSilence() {
        guard linkUp else { return }
        let now = clock()
        if now - lastValidTelemetryAt > lossSilence {
            declareLoss(at: now)
        }
    }

    /// Declares the table lost and starts looking for it again. The newest
    /// sample stays in the slot with its old `receivedAt`, so the safety
    /// kernel's own freshness check agrees.
    private func declareLoss(at now: MonotonicInstant) {
        linkUp = false
        handshaking = stream != nil
        nextIdentifyRequestAt = now
        let silence = now - lastValidTelemetryAt
        mailbox.state.withLock {
            mailbox.setPhase(.handshaking, in: &$0)
            $0.statistics.losses &+= 1
            mailbox.post(.lost(silentFor: silence, at: now))
        }
    }
}
