import TractionDevice
import TractionLink
import TractionPlant
import TractionWire

/// Link faults in force at an instant; the simulator sets them from its
/// scenario. They act on both directions of the line, frame by frame.
public struct WireFaults: Sendable, Hashable {
    /// Each frame is lost with this probability.
    public var dropProbability = 0.0
    /// Each frame has one bit flipped with this probability (the decoder's
    /// CRC or COBS check rejects it).
    public var corruptProbability = 0.0
    /// Added to every frame's latency (a congested adapter, a slow host).
    public var extraDelay: Seconds = .zero
    /// Nothing passes either way; frames written meanwhile are lost.
    public var stalled = false

    public init() {}

    public var any: Bool { dropProbability > 0 || corruptProbability > 0 || extraDelay > .zero || stalled }
}

/// How the simulated line and table behave, chosen by the scenario.
public struct WireLinkSettings: Sendable, Hashable {
    /// The telemetry rate the table declares and keeps, 50 to 800 Hz.
    public var telemetryRateHertz: Double
    /// One-way latency of every frame.
    public var latency: Seconds
    /// Extra latency drawn uniformly from 0 to this, per frame (order is kept).
    public var jitter: Seconds

    public init(telemetryRateHertz: Double, latency: Seconds, jitter: Seconds) {
        self.telemetryRateHertz = telemetryRateHertz
        self.latency = latency
        self.jitter = jitter
    }
}

/// The serial link on the simulator's virtual clock: the host's end (what
/// `SerialTableLink`'s I/O thread does), the line in both directions, and the
/// table's end (what tractionemu does), carrying real wire frames.
///
/// Frames are encoded with `FrameEncoder` and decoded with `FrameDecoder`;
/// faults drop, corrupt (bit flips), delay or stall them. The host's rules
/// are `LinkIOLoop`'s, with its numbers taken from the same places: the loss
/// silence from `TelemetryTiming.lossSilence` for the declared rate and the
/// `SerialTableLinkConfiguration` defaults, the handshake retried every
/// `handshakeRetryInterval`, commands forwarded once identified (also while
/// re-handshaking), telemetry ignored while handshaking, the lease capped at
/// the table's maximum. Differences from `LinkIOLoop`, which runs on its own
/// thread against a real port and cannot run on a virtual clock: silence is
/// judged at the instant it runs out plus one poll interval instead of at
/// every poll; a tare is carried out on the plant at once instead of with a
/// TARE_REQUEST frame; there are no refused tables (the simulated table always
/// declares a rate the host accepts and a second force channel).
public final class WireLinkModel: TareRequesting, LinkEventSource {
    /// The table's physics, ground truth included.
    public var plant: TablePlant
    public let settings: WireLinkSettings
    /// The link faults in force; the simulator changes them as it goes.
    public var faults = WireFaults()

    private let tableResponse: IdentifyResponse
    private let telemetryPeriodNs: Int64
    private let latencyNs: Int64
    private let jitterNs: Int64
    private var random: SplitMix64
    private let linkConfiguration = SerialTableLinkConfiguration()

    // The table's end.
    private var tableEncoder = FrameEncoder()
    private var tableDecoder = FrameDecoder()
    private var nextTelemetryAt: Int64
    private var lastCommandSequence: UInt16 = 0
    /// The newest command the table accepted, and when (for the oracle).
    public private(set) var lastDeliveredCommand: DriveCommand?
    public private(set) var lastDeliveredAt: MonotonicInstant?

    // The line.
    private struct InFlight {
        var at: Int64
        var bytes: [UInt8]
    }
    private var down: [InFlight] = []
    private var downHead = 0
    private var up: [InFlight] = []
    private var upHead = 0
    private var lastDownAt: Int64 = 0
    private var lastUpAt: Int64 = 0

    // The host's end; replaced when the daemon is killed and started again.
    private var host: HostEnd?
    private var lastTare = TareProgress.done
    private var scratch: [FrameDecoder.Outcome] = []

    /// Frames lost, corrupted, and losses declared, for the report.
    public private(set) var framesDropped = 0
    public private(set) var framesCorrupted = 0
    public private(set) var lossesDeclared = 0

    private final class HostEnd {
        var decoder = FrameDecoder()
        var encoder = FrameEncoder()
        var sequence = SequenceTracker()
        var linkUp = false
        var handshaking = false
        var identifiedOnce = false
        var nextIdentifyAt: Int64 = 0
        var lastValidTelemetryAt: Int64 = 0
        var lossSilenceNs: Int64 = 0
        var tableMaximumLeaseMilliseconds: UInt16 = .max
        var latest: Telemetry?
        var events: [SerialLinkEvent] = []
        var eventHead = 0
    }

    public init(plant: TablePlant, settings: WireLinkSettings, seed: UInt64) throws(WireEncodingError) {
        self.plant = plant
        self.settings = settings
        var response = try IdentifyResponse(plant.configuration.identity)
        response.telemetryRateHertz = UInt16(settings.telemetryRateHertz.rounded())
        tableResponse = response
        telemetryPeriodNs = Int64((1e9 / Double(response.telemetryRateHertz)).rounded())
        latencyNs = Int64((settings.latency.value * 1e9).rounded())
        jitterNs = Int64((settings.jitter.value * 1e9).rounded())
        random = .stream(7, of: seed)
        nextTelemetryAt = plant.nanoseconds + telemetryPeriodNs
    }

    /// The silence after which this host declares the table lost.
    public var lossSilence: Seconds {
        TelemetryTiming.lossSilence(declaredPeriod: TelemetryTiming.period(ofRate: Double(tableResponse.telemetryRateHertz)),
                                    configured: linkConfiguration.lossSilence,
                                    pollInterval: linkConfiguration.ioPollInterval)
    }

    /// The declared telemetry period.
    public var telemetryPeriod: Seconds { Seconds(Double(telemetryPeriodNs) / 1e9) }

    /// The host is connected (a daemon runs) and has shaken hands at least once.
    public var hostIdentified: Bool { host?.identifiedOnce ?? false }
    /// The host hears telemetry (identified, not declared lost since).
    public var hostLinkUp: Bool { host?.linkUp ?? false }
    /// When the host last took a valid telemetry frame.
    public var hostLastValidTelemetryAt: MonotonicInstant? {
        host.map { MonotonicInstant(nanoseconds: $0.lastValidTelemetryAt) }
    }

    // MARK: The daemon's side

    /// A daemon opens the port and shakes hands at `now`: IDENTIFY_REQUEST
    /// and IDENTIFY_RESPONSE cross the line as frames, without latency or
    /// faults (a daemon that cannot identify its table does not start, and
    /// the simulator starts it only while the table has power).
    public func connectHost(at now: MonotonicInstant) throws(TableLinkError) -> TableIdentity {
        pump(until: now)
        let end = HostEnd()
        host = end
        end.events.append(.connected(at: now))
        var request: [UInt8] = [WireFormat.frameDelimiter]
        guard (try? end.encoder.encode(.identifyRequest, appendingTo: &request)) != nil else {
            throw .transport("the identify request did not encode")
        }
        scratch.removeAll(keepingCapacity: true)
        request.withUnsafeBytes { raw in tableDecoder.decode(raw) { scratch.append($0) } }
        guard scratch.contains(where: { if case .success(let frame) = $0, frame.message == .identifyRequest { true } else { false } }) else {
            throw .transport("the table did not read the identify request")
        }
        var answer: [UInt8] = []
        guard (try? tableEncoder.encode(.identifyResponse(tableResponse), appendingTo: &answer)) != nil else {
            throw .transport("the identify response did not encode")
        }
        scratch.removeAll(keepingCapacity: true)
        answer.withUnsafeBytes { raw in end.decoder.decode(raw) { scratch.append($0) } }
        for outcome in scratch {
            if case .identified(let response, let sequence)? = HandshakeReply(outcome) {
                completeHandshake(end, response, sequence: sequence, at: now.nanoseconds)
                return response.identity
            }
        }
        throw .handshakeTimedOut(after: .zero)
    }

    /// kill -9: the daemon's end of the line goes away; what the table sends
    /// meanwhile is read by nobody.
    public func disconnectHost() {
        host = nil
    }

    public func identify() throws(TableLinkError) -> TableIdentity { tableResponse.identity }

    public func send(_ command: DriveCommand, at now: MonotonicInstant) throws(TableLinkError) {
        pump(until: now)
        guard let end = host, end.identifiedOnce else { return }
        guard var message = try? CommandMessage(command) else { return }
        message.leaseMilliseconds = min(message.leaseMilliseconds, end.tableMaximumLeaseMilliseconds)
        var bytes: [UInt8] = []
        guard (try? end.encoder.encode(.command(message), appendingTo: &bytes)) != nil else { return }
        transmit(bytes, down: true, at: now.nanoseconds)
    }

    public func latestTelemetry(at now: MonotonicInstant) -> Telemetry? {
        pump(until: now)
        return host?.latest
    }

    public func nextEvent() -> SerialLinkEvent? {
        guard let end = host, end.eventHead < end.events.count else { return nil }
        defer {
            end.eventHead += 1
            if end.eventHead == end.events.count {
                end.events.removeAll(keepingCapacity: true)
                end.eventHead = 0
            }
        }
        return end.events[end.eventHead]
    }

    public func tare(at now: MonotonicInstant) throws(TableLinkError) {
        pump(until: now)
        guard plant.tareResult(at: now) == .done else { throw .transport("the simulated table refused the tare") }
    }

    public func requestTare(at now: MonotonicInstant) -> TareProgress {
        pump(until: now)
        switch plant.tareResult(at: now) {
        case .done: lastTare = .done
        case .refusedTensionPresent: lastTare = .failed(.tensionPresent)
        case .failedSensorFault: lastTare = .failed(.sensorFault)
        case .unpowered: lastTare = .failed(.noAnswer)
        }
        return lastTare
    }

    public func tareProgress(at now: MonotonicInstant) -> TareProgress { lastTare }

    // MARK: Time

    /// Runs the line, the table and the host's timers up to `now`, every
    /// happening in the order of its instant, then the plant to `now`.
    public func pump(until now: MonotonicInstant) {
        let limit = now.nanoseconds
        while true {
            var next = nextTelemetryAt
            var kind = 0
            if downHead < down.count, down[downHead].at <= next { next = down[downHead].at; kind = 1 }
            if upHead < up.count, up[upHead].at < next { next = up[upHead].at; kind = 2 }
            if let end = host {
                if end.linkUp {
                    let lossAt = end.lastValidTelemetryAt + end.lossSilenceNs + pollNs
                    if lossAt < next { next = lossAt; kind = 3 }
                } else if end.handshaking, end.nextIdentifyAt < next {
                    next = end.nextIdentifyAt
                    kind = 4
                }
            }
            guard next <= limit else { break }
            switch kind {
            case 1: deliverToTable()
            case 2: deliverToHost()
            case 3: declareLoss(at: next)
            case 4: sendIdentifyRequest(at: next)
            default: sendTelemetry(at: next)
            }
        }
        if downHead > 256 { down.removeFirst(downHead); downHead = 0 }
        if upHead > 256 { up.removeFirst(upHead); upHead = 0 }
        plant.advance(to: now)
    }

    private var pollNs: Int64 { Int64((linkConfiguration.ioPollInterval.value * 1e9).rounded()) }

    private func transmit(_ bytes: [UInt8], down toTable: Bool, at instant: Int64) {
        if faults.stalled || (faults.dropProbability > 0 && random.nextBernoulli(probability: faults.dropProbability)) {
            framesDropped += 1
            return
        }
        var bytes = bytes
        if faults.corruptProbability > 0, random.nextBernoulli(probability: faults.corruptProbability), bytes.count > 1 {
            let index = Int(random.next() % UInt64(bytes.count - 1))
            bytes[index] ^= UInt8(1) << UInt8(random.next() % 8)
            framesCorrupted += 1
        }
        let jitter = jitterNs > 0 ? Int64(random.next() % UInt64(jitterNs + 1)) : 0
        let extra = Int64((faults.extraDelay.value * 1e9).rounded())
        var at = instant + latencyNs + jitter + extra
        if toTable {
            at = max(at, lastDownAt)
            lastDownAt = at
            down.append(InFlight(at: at, bytes: bytes))
        } else {
            at = max(at, lastUpAt)
            lastUpAt = at
            up.append(InFlight(at: at, bytes: bytes))
        }
    }

    // MARK: The table's end

    private func sendTelemetry(at instant: Int64) {
        nextTelemetryAt = instant + telemetryPeriodNs
        let when = MonotonicInstant(nanoseconds: instant)
        plant.advance(to: when)
        guard !plant.faults.powerLost else { return }
        let sample = plant.telemetry(at: when)
        let leaseActive = lastDeliveredCommand.map { command in
            lastDeliveredAt.map { when - $0 < command.lease } ?? false
        } ?? false
        guard let message = try? TelemetryMessage(sample, commandLeaseActive: leaseActive,
                                                  lastCommandSequence: lastCommandSequence) else { return }
        var bytes: [UInt8] = []
        guard (try? tableEncoder.encode(.telemetry(message), appendingTo: &bytes)) != nil else { return }
        transmit(bytes, down: false, at: instant)
    }

    private func deliverToTable() {
        let frame = down[downHead]
        downHead += 1
        let when = MonotonicInstant(nanoseconds: frame.at)
        plant.advance(to: when)
        // A table without power reads nothing.
        guard !plant.faults.powerLost else { return }
        scratch.removeAll(keepingCapacity: true)
        frame.bytes.withUnsafeBytes { raw in tableDecoder.decode(raw) { scratch.append($0) } }
        for outcome in scratch {
            guard case .success(let decoded) = outcome else { continue }
            switch decoded.message {
            case .command(let message):
                let command = DriveCommand(message)
                if plant.receive(command, at: when) {
                    lastDeliveredCommand = command
                    lastDeliveredAt = when
                    lastCommandSequence = decoded.sequence
                }
            case .identifyRequest:
                var bytes: [UInt8] = []
                if (try? tableEncoder.encode(.identifyResponse(tableResponse), appendingTo: &bytes)) != nil {
                    transmit(bytes, down: false, at: frame.at)
                }
            default:
                break
            }
        }
    }

    // MARK: The host's end

    private func deliverToHost() {
        let frame = up[upHead]
        upHead += 1
        guard let end = host else { return }
        scratch.removeAll(keepingCapacity: true)
        frame.bytes.withUnsafeBytes { raw in end.decoder.decode(raw) { scratch.append($0) } }
        for outcome in scratch {
            if end.handshaking {
                if case .identified(let response, let sequence)? = HandshakeReply(outcome) {
                    completeHandshake(end, response, sequence: sequence, at: frame.at)
                }
                continue
            }
            guard end.linkUp, case .success(let decoded) = outcome else { continue }
            _ = end.sequence.observe(decoded.sequence)
            if case .telemetry(let message) = decoded.message {
                end.lastValidTelemetryAt = frame.at
                end.latest = message.telemetry(sequence: decoded.sequence,
                                               receivedAt: MonotonicInstant(nanoseconds: frame.at))
            }
        }
    }

    private func completeHandshake(_ end: HostEnd, _ response: IdentifyResponse, sequence: UInt16, at instant: Int64) {
        end.handshaking = false
        end.linkUp = true
        end.lastValidTelemetryAt = instant
        end.tableMaximumLeaseMilliseconds = response.maximumLeaseMilliseconds
        end.lossSilenceNs = Int64((lossSilence.value * 1e9).rounded())
        end.sequence.reset()
        _ = end.sequence.observe(sequence)
        end.identifiedOnce = true
        end.events.append(.handshakeDone(response.identity, at: MonotonicInstant(nanoseconds: instant)))
    }

    private func declareLoss(at instant: Int64) {
        guard let end = host else { return }
        end.linkUp = false
        end.handshaking = true
        end.nextIdentifyAt = instant
        lossesDeclared += 1
        let silence = Seconds(Double(instant - end.lastValidTelemetryAt) / 1e9)
        end.events.append(.lost(silentFor: silence, at: MonotonicInstant(nanoseconds: instant)))
    }

    private func sendIdentifyRequest(at instant: Int64) {
        guard let end = host else { return }
        end.nextIdentifyAt = instant + Int64((linkConfiguration.handshakeRetryInterval.value * 1e9).rounded())
        var bytes: [UInt8] = [WireFormat.frameDelimiter]
        guard (try? end.encoder.encode(.identifyRequest, appendingTo: &bytes)) != nil else { return }
        transmit(bytes, down: true, at: instant)
    }
}
