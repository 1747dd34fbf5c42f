import Foundation
import Synchronization
import TractionDevice
import TractionLink
import TractionSerial
import TractionWire
import TractionTestSupport

/// A scripted table on the controller side of a pty: the test reads what the
/// link wrote and writes frames back, byte for byte.
final class FakeTable {
    let port: PseudoTerminal
    private var decoder = FrameDecoder()
    private(set) var received: [DecodedFrame] = []
    var sequence: UInt16 = 0

    init() throws { port = try PseudoTerminal() }

    /// Reads for up to `timeout` and returns the frames decoded.
    @discardableResult
    func read(for timeout: Seconds) throws -> [DecodedFrame] {
        var frames: [DecodedFrame] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = try buffer.withUnsafeMutableBytes { try port.read(into: $0, timeout: timeout) }
        for case .success(let frame) in decoder.decode(buffer[0..<count]) { frames.append(frame) }
        received += frames
        return frames
    }

    /// Reads until a frame of `type` arrives (at most `attempts` reads of 10 ms).
    func awaitFrame(_ type: MessageType, attempts: Int = 200) throws -> DecodedFrame? {
        for _ in 0..<attempts {
            if let frame = try read(for: 0.010).first(where: { $0.message.type == type }) { return frame }
        }
        return nil
    }

    func send(_ message: WireMessage, version: UInt8 = WireFormat.protocolVersion) throws {
        try write(FrameEncoder.frame(message, sequence: sequence, version: version))
        sequence &+= 1
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try port.write($0) }
    }

    static let identity = IdentifyResponse(
        simulated: true, redundantForceChannel: true, telemetryRateHertz: 500, maximumLeaseMilliseconds: 100,
        maximumForceCentinewtons: 90_000, maximumTravelMicrometres: 200_000, axes: [],
        firmwareVersion: "fake-1", serialNumber: "FAKE-0001")

    static func telemetry(force centinewtons: Int32 = 1_000, lastCommand: UInt16 = 0) -> TelemetryMessage {
        TelemetryMessage(deviceTimeMicroseconds: 1_000, loadCellForceCentinewtons: centinewtons,
                         redundantForceCentinewtons: centinewtons, tractionPositionMicrometres: 0,
                         tractionVelocityMicrometresPerSecond: 0, flexionMillidegrees: 0, lateralTiltMillidegrees: 0,
                         rotationMillidegrees: 0, inputs: [.harnessClosed], driveFaults: 0,
                         lastCommandSequence: lastCommand)
    }
}

/// A clock the test moves by hand: the link's silence judgement and its
/// receipt stamps read it, so no test depends on the wall of time.
final class ManualClock: Sendable {
    private let instant = Mutex(MonotonicInstant(nanoseconds: 1_000_000_000))
    func now() -> MonotonicInstant { instant.withLock { $0 } }
    func advance(by duration: Seconds) { instant.withLock { $0 = $0 + duration } }
}

extension SerialTableLink {
    /// A link to `table`'s pty on `clock`.
    static func to(_ table: FakeTable, clock: ManualClock,
                   configuration: SerialTableLinkConfiguration = SerialTableLinkConfiguration()) throws -> SerialTableLink {
        try SerialTableLink(port: SerialPortConfiguration(path: table.port.devicePath), configuration: configuration,
                            clock: { clock.now() })
    }

    /// Every event waiting now.
    func drainEvents() -> [SerialLinkEvent] {
        var events: [SerialLinkEvent] = []
        while let event = nextEvent() { events.append(event) }
        return events
    }
}

/// `identify()` running on its own thread while the test plays the table
/// (a plain thread: the blocking wait must not occupy the test's executor).
final class BackgroundIdentify: Sendable {
    private let result = Mutex<Result<TableIdentity, TableLinkError>?>(nil)

    init(_ link: SerialTableLink) {
        let thread = Thread { [self] in
            let outcome = Result { () throws(TableLinkError) in try link.identify() }
            result.withLock { $0 = outcome }
        }
        thread.start()
    }

    /// Waits for the outcome (the link's own handshake timeout bounds it).
    var value: Result<TableIdentity, TableLinkError> {
        waitFor(timeout: 30, poll: 0.001) { result.withLock { $0 } } ?? .failure(.handshakeTimedOut(after: 30))
    }
}
