#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TractionDevice
import TractionPlant
import TractionPlatform
import TractionSerial
import TractionWire

/// Set by SIGINT/SIGTERM; the loop ends at its next pass.
let emulatorStopRequested = Atomic<Bool>(false)

/// The table side of the wire protocol around a `TablePlant`, on a pty, in
/// real time: the firmware a real controller board runs (docs/emulator.md).
///
/// One thread does everything: it waits for host bytes until the next
/// telemetry instant, decodes and obeys them, services the control socket,
/// then steps the plant to the present and sends telemetry. The plant's own
/// firmware enforces the lease, with the plant stepped to each command's
/// arrival instant.
final class TableEmulator {
    struct Settings {
        var plant: PlantConfiguration
        var telemetryRateHertz: Double
        /// The protocol version this table speaks (another one to test the
        /// host's refusal).
        var protocolVersion: UInt8
        var faultSeed: UInt64
        var schedule: [ScheduledEmulatorCommand]
        var verbose: Bool
    }

    private let settings: Settings
    private let port: PseudoTerminal
    private let control: ControlChannel?
    private var plant: TablePlant
    private let identity: IdentifyResponse
    private let started: MonotonicInstant
    private let telemetryPeriod: Seconds

    private var decoder = FrameDecoder()
    private var hostSequence = SequenceTracker()
    private var tableSequence: UInt16 = 0
    private var outgoing: OutgoingFrames
    private var pendingSchedule: [ScheduledEmulatorCommand]

    /// The version this table speaks now (`--protocol-version`, then the
    /// `protocol-version` command).
    private var protocolVersion: UInt8
    private var lastUnsupportedVersionReportAt: MonotonicInstant?
    /// Answered an IDENTIFY_REQUEST since power-up (spec 9.1 step 5).
    private var identified = false
    private var stalled = false
    private var powerReturnsAt: MonotonicInstant?
    private var telemetrySent: UInt64 = 0
    private var commandsAccepted: UInt64 = 0
    private var commandsRejected: UInt64 = 0
    private var lastCommandSequence: UInt16 = 0
    private var lastCommandAt: MonotonicInstant?
    private var lastCommandLease: Seconds = .zero
    private var leaseExpiredNoticedAt: MonotonicInstant?
    private var leaseExpiredLatched = false
    private var lastReportedFaults = DriveFaults.none

    init(settings: Settings, port: PseudoTerminal, control: ControlChannel?) throws(WireEncodingError) {
        self.settings = settings
        self.protocolVersion = settings.protocolVersion
        self.port = port
        self.control = control
        started = MonotonicClock.now()
        plant = TablePlant(configuration: settings.plant, start: started)
        var response = try IdentifyResponse(settings.plant.identity)
        response.telemetryRateHertz = UInt16(saturatingRounded: settings.telemetryRateHertz)
        identity = response
        telemetryPeriod = Seconds(1 / settings.telemetryRateHertz)
        outgoing = OutgoingFrames(seed: settings.faultSeed)
        pendingSchedule = settings.schedule.sorted { $0.after < $1.after }
    }

    // MARK: The loop

    func run() {
        var nextTelemetryAt = started + telemetryPeriod
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !emulatorStopRequested.load(ordering: .relaxed) {
            var wakeAt = nextTelemetryAt
            if let due = outgoing.nextDue { wakeAt = min(wakeAt, due) }
            let timeout = max(.zero, wakeAt - MonotonicClock.now())
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(SerialPortError) in try port.read(into: raw, timeout: timeout) }
                }.get()
            } catch {
                log("reading the pty failed: \(error); stopping")
                return
            }
            let now = MonotonicClock.now()
            if count > 0 {
                buffer.withUnsafeBytes { raw in receive(UnsafeRawBufferPointer(rebasing: raw[0..<count]), at: now) }
            }
            control?.service { line in execute(line, at: MonotonicClock.now()) }
            runSchedule(at: now)
            if let returns = powerReturnsAt, now >= returns { powerReturned(at: now) }
            outgoing.flush(at: now, write: writeToPort)
            if now >= nextTelemetryAt {
                nextTelemetryAt = nextTelemetryAt + telemetryPeriod
                // After a long pause (debugger, overloaded host) start afresh
                // rather than sending a burst of stale samples.
                if nextTelemetryAt < now { nextTelemetryAt = now + telemetryPeriod }
                telemetryTick(at: now)
            }
        }
    }

    // MARK: Receiving

    private func receive(_ bytes: UnsafeRawBufferPointer, at now: MonotonicInstant) {
        // A hung firmware or a dead board hears nothing; the UART is still
        // drained so that the host's writes never block.
        guard !stalled, !plant.faults.powerLost else { return }
        decoder.decode(bytes) { outcome in
            switch outcome {
            case .success(let frame):
                hostSequence.observe(frame.sequence)
                handle(frame, at: now)
            case .failure(.unsupportedVersion(let header)) where header.messageTypeCode == MessageType.identifyRequest.rawValue:
                answerIdentify(at: now)
            case .failure(let error):
                if settings.verbose { log("rejected frame: \(error)") }
            }
        }
    }

    private func handle(_ frame: DecodedFrame, at now: MonotonicInstant) {
        // A table of another version ignores the host's other frames and
        // says so, at most once a second (spec 9.1 step 4).
        guard protocolVersion == WireFormat.protocolVersion || frame.message.type == .identifyRequest else {
            commandsRejected &+= frame.message.type == .command ? 1 : 0
            if lastUnsupportedVersionReportAt.map({ now - $0 >= 1 }) ?? true {
                lastUnsupportedVersionReportAt = now
                send(.faultReport(FaultReport(
                    deviceTimeMicroseconds: UInt64(max(0, (now - started).value) * 1e6), activeFaults: 0,
                    event: .unsupportedVersion,
                    detail: UInt32(WireFormat.protocolVersion) | UInt32(frame.message.type.rawValue) << 8,
                    text: "")), at: now)
            }
            return
        }
        switch frame.message {
        case .identifyRequest:
            answerIdentify(at: now)
        case .command(var message):
            // Spec section 8: the effective lease is capped at the table's maximum.
            message.leaseMilliseconds = min(message.leaseMilliseconds, identity.maximumLeaseMilliseconds)
            let command = DriveCommand(message)
            if plant.receive(command, at: now) {
                commandsAccepted &+= 1
                lastCommandSequence = frame.sequence
                lastCommandAt = now
                lastCommandLease = command.lease
            } else {
                commandsRejected &+= 1
            }
        case .tareRequest(let request):
            let result: TareResult
            switch plant.tareResult(at: now) {
            case .done: result = .done
            case .refusedTensionPresent: result = .refusedTensionPresent
            case .failedSensorFault: result = .failedSensorFault
            case .unpowered: return  // a table without power answers nothing
            }
            send(.tareResponse(TareResponse(requestSequence: frame.sequence, targets: request.targets,
                                            result: result, loadCellOffsetCentinewtons: 0)), at: now)
        case .identifyResponse, .telemetry, .faultReport, .tareResponse:
            break
        }
    }

    private func answerIdentify(at now: MonotonicInstant) {
        hostSequence.reset()
        identified = true
        send(.identifyResponse(identity), at: now)
        log("identified to the host (protocol version \(protocolVersion))")
    }

    // MARK: Sending

    private func send(_ message: WireMessage, at now: MonotonicInstant) {
        guard let frame = try? FrameEncoder.frame(message, sequence: tableSequence, version: protocolVersion) else {
            log("cannot encode \(message.type); not sent")
            return
        }
        tableSequence &+= 1
        outgoing.submit(frame, at: now, write: writeToPort)
    }

    private func writeToPort(_ bytes: [UInt8]) {
        do {
            try bytes.withUnsafeBytes { raw in Result { () throws(SerialPortError) in try port.write(raw) } }.get()
        } catch {
            // The host is not reading (not connected yet, or hung): the
            // frame is lost, as on a real line.
            if settings.verbose { log("write failed: \(error)") }
        }
    }

    private func telemetryTick(at now: MonotonicInstant) {
        plant.advance(to: now)
        let sample = plant.telemetry(at: now)
        noteLeaseExpiry(sample.driveFaults, at: now)
        guard identified, !stalled, !plant.faults.powerLost else { return }
        let leaseActive = lastCommandAt.map { now - $0 < lastCommandLease } ?? false
        guard let message = try? TelemetryMessage(sample, commandLeaseActive: leaseActive,
                                                  lastCommandSequence: lastCommandSequence) else {
            log("telemetry out of the wire's range; not sent")
            return
        }
        telemetrySent &+= 1
        send(.telemetry(message), at: now)
        reportFaultChanges(sample.driveFaults, at: now)
    }

    /// Logs the first sample after a lease ran out, with both instants on
    /// CLOCK_MONOTONIC, which the host shares: tests compare them.
    private func noteLeaseExpiry(_ faults: DriveFaults, at now: MonotonicInstant) {
        let expired = faults.contains(.leaseExpired)
        defer { leaseExpiredLatched = expired }
        guard expired, !leaseExpiredLatched else { return }
        leaseExpiredNoticedAt = now
        let last = lastCommandAt.map { String($0.nanoseconds) } ?? "none"
        log("lease expired: releasing; last_command_seq=\(lastCommandSequence) last_command_ns=\(last) "
            + "lease_ms=\(Int(saturatingRounded: lastCommandLease.milliseconds)) release_ns=\(now.nanoseconds)")
        guard identified, !stalled, !plant.faults.powerLost else { return }
        send(.faultReport(FaultReport(deviceTimeMicroseconds: UInt64(max(0, (now - started).value) * 1e6),
                                      activeFaults: faults.rawValue, event: .leaseExpired,
                                      detail: UInt32(lastCommandSequence), text: "lease expired")), at: now)
    }

    private func reportFaultChanges(_ faults: DriveFaults, at now: MonotonicInstant) {
        let others = DriveFaults(rawValue: faults.rawValue & ~DriveFaults.leaseExpired.rawValue)
        guard others != lastReportedFaults else { return }
        let raised = others.rawValue & ~lastReportedFaults.rawValue
        let cleared = lastReportedFaults.rawValue & ~others.rawValue
        let event: FaultEvent = raised != 0 ? .faultRaised : .faultCleared
        lastReportedFaults = others
        // The detail is the bits that changed that way (spec 11.3).
        send(.faultReport(FaultReport(deviceTimeMicroseconds: UInt64(max(0, (now - started).value) * 1e6),
                                      activeFaults: faults.rawValue, event: event,
                                      detail: UInt32(raised != 0 ? raised : cleared),
                                      text: "drive faults 0x\(String(faults.rawValue, radix: 16))")), at: now)
    }

    // MARK: Faults

    private func runSchedule(at now: MonotonicInstant) {
        while let next = pendingSchedule.first, now - started >= next.after {
            pendingSchedule.removeFirst()
            log("scheduled at \(next.after.value) s: \(apply(next.command, at: now))")
        }
    }

    private func execute(_ line: String, at now: MonotonicInstant) -> String {
        do throws(EmulatorCommand.ParseError) {
            let command = try EmulatorCommand(parsing: line)
            let reply = apply(command, at: now)
            if command != .status { log("control: \(line) -> \(reply)") }
            return reply
        } catch {
            return "error: \(error.description)"
        }
    }

    private func powerReturned(at now: MonotonicInstant) {
        powerReturnsAt = nil
        plant.faults.powerLost = false
        identified = false
        decoder.reset()
        log("power returned; waiting for IDENTIFY_REQUEST")
    }

    func apply(_ command: EmulatorCommand, at now: MonotonicInstant) -> String {
        plant.advance(to: now)
        switch command {
        case .drop(let count): outgoing.framesToDrop = count
        case .corrupt(let probability): outgoing.byteCorruptionProbability = probability
        case .delay(let delay): outgoing.delay = delay
        case .stall: stalled = true
        case .unstall: stalled = false
        case .stuckSensor(let on): plant.faults.sensors.loadCellStuck = on
        case .releaseStall(let on): plant.faults.releaseStalled = on
        case .sensorOffset(let offset): plant.faults.sensors.loadCellOffsetError = offset
        case .driveFault(let on): plant.faults.driveFaults = on ? [.overcurrent] : .none
        case .patientSwitch(let channels): plant.inputs.patientSwitch = channels
        case .emergencyStop(let pressed): plant.inputs.emergencyStopPressed = pressed
        case .harnessClosed(let closed): plant.inputs.harnessClosed = closed
        case .powerLoss(let duration):
            plant.faults.powerLost = true
            powerReturnsAt = now + duration
            outgoing.discardDelayed()
        case .cough(let peak): plant.injectCough(peak: peak)
        case .protocolVersion(let version): protocolVersion = version
        case .status: return status(at: now)
        }
        return "ok"
    }

    private func status(at now: MonotonicInstant) -> String {
        let sample = plant.telemetry(at: now)
        let fields: [(String, String)] = [
            ("now_ns", String(now.nanoseconds)),
            ("identified", identified ? "1" : "0"),
            ("stalled", stalled ? "1" : "0"),
            ("power", plant.faults.powerLost ? "off" : "on"),
            ("telemetry_sent", String(telemetrySent)),
            ("frames_written", String(outgoing.framesWritten)),
            ("frames_dropped", String(outgoing.framesDropped)),
            ("frames_corrupted", String(outgoing.framesCorrupted)),
            ("commands_accepted", String(commandsAccepted)),
            ("commands_rejected", String(commandsRejected)),
            ("host_frames_decoded", String(decoder.statistics.framesDecoded)),
            ("host_crc_errors", String(decoder.statistics.crcErrors)),
            ("host_frames_lost", String(hostSequence.lostFrames)),
            ("last_command_seq", String(lastCommandSequence)),
            ("last_command_ns", lastCommandAt.map { String($0.nanoseconds) } ?? "none"),
            ("lease_ms", String(Int(saturatingRounded: lastCommandLease.milliseconds))),
            ("lease_expired_ns", leaseExpiredNoticedAt.map { String($0.nanoseconds) } ?? "none"),
            ("drive_faults", "0x" + String(sample.driveFaults.rawValue, radix: 16)),
            ("drive_enabled", sample.driveEnabled ? "1" : "0"),
            ("force_n", String(Int(saturatingRounded: plant.trueCableForce.value))),
            ("load_cell_n", String(Int(saturatingRounded: sample.loadCellForce.value))),
            ("protocol_version", String(protocolVersion)),
        ]
        return "ok " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    private func log(_ message: String) {
        StandardError.writeLine("tractionemu t=\(MonotonicClock.now().nanoseconds): \(message)")
    }
}
