import Foundation
import Synchronization
import Testing
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionLink
import TractionSafety
import TractionSerial
import TractionWire
import TractionTestSupport

/// A table played by the test on the far side of a pty: it answers the
/// link's handshake and sends telemetry when told.
private final class PtyTable {
    let port: PseudoTerminal
    private var decoder = FrameDecoder()
    private var sequence: UInt16 = 0

    init() throws { port = try PseudoTerminal() }

    /// Reads until the link asks the table to identify itself (bounded).
    func awaitIdentifyRequest() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 512)
        for _ in 0..<500 {
            let count = try buffer.withUnsafeMutableBytes { try port.read(into: $0, timeout: 0.010) }
            for case .success(let frame) in decoder.decode(buffer[0..<count])
            where frame.message.type == .identifyRequest { return true }
        }
        return false
    }

    func send(_ message: WireMessage) throws {
        let bytes = try FrameEncoder.frame(message, sequence: sequence, version: WireFormat.protocolVersion)
        sequence &+= 1
        try bytes.withUnsafeBytes { try port.write($0) }
    }

    static let identity = IdentifyResponse(
        simulated: true, redundantForceChannel: true, telemetryRateHertz: 250, maximumLeaseMilliseconds: 100,
        maximumForceCentinewtons: 90_000, maximumTravelMicrometres: 200_000, axes: [],
        firmwareVersion: "pty-1", serialNumber: "PTY-0001")

    static let slackTelemetry = TelemetryMessage(
        deviceTimeMicroseconds: 1_000, loadCellForceCentinewtons: 100, redundantForceCentinewtons: 100,
        tractionPositionMicrometres: 0, tractionVelocityMicrometresPerSecond: 0, flexionMillidegrees: 0,
        lateralTiltMillidegrees: 0, rotationMillidegrees: 0, inputs: [.harnessClosed], driveFaults: 0,
        lastCommandSequence: 0)
}

/// The test's clock, shared by the link (its receipt stamps and silence
/// judgement) and the runtime's ticks: nothing here depends on wall time.
private final class TestClock: Sendable {
    private let instant = Mutex(MonotonicInstant(nanoseconds: 5_000_000_000))
    func now() -> MonotonicInstant { instant.withLock { $0 } }
    func advance(by duration: Seconds) { instant.withLock { $0 = $0 + duration } }
}

/// Polls `condition` for up to 5 s (only a cap against hanging).
private func eventually(_ condition: () -> Bool) -> Bool {
    waitUntil(timeout: 5, poll: 0.002, condition)
}

/// The runtime drains the real SerialTableLink's events every tick: a loss
/// the link declares reaches the engine on the next tick, long before the
/// kernel's own telemetry-age check (50 ms) would see it.
@Suite(.serialized)
struct LinkEventTests {
    @Test func aLinkLossReachesTheEngineBeforeTheTelemetryAgeCheckAndAReconnectIsLogged() throws {
        let table = try PtyTable()
        let clock = TestClock()
        // The link declares a loss after 10 ms of silence; the kernel's
        // age check stays at its 50 ms default.
        let linkConfiguration = SerialTableLinkConfiguration(lossSilence: 0.010, ioThreadFIFOPriority: nil)
        let link = try SerialTableLink(port: SerialPortConfiguration(path: table.port.devicePath),
                                       configuration: linkConfiguration, clock: { clock.now() })
        defer { link.close() }

        // The handshake, with identify() on its own thread while the table answers.
        let identified = Mutex<TableIdentity?>(nil)
        let identifying = Thread { if let identity = try? link.identify() { identified.withLock { $0 = identity } } }
        identifying.start()
        #expect(try table.awaitIdentifyRequest())
        try table.send(.identifyResponse(PtyTable.identity))
        #expect(eventually { identified.withLock { $0 } != nil })
        let identity = try #require(identified.withLock { $0 })

        let configuration = EngineConfiguration(rateHertz: 250).adapted(to: identity)
        #expect(configuration.safety.telemetryLossTimeout == 0.050)
        let runtime = ControlLoopRuntime(engine: Engine(configuration: configuration, identity: identity), link: link)
        var events: [EngineEvent] = []
        var index: UInt64 = 0
        func tick() {
            runtime.tickOnCallersThread(at: clock.now(), tickIndex: index, period: 0.004)
            index += 1
            while let event = runtime.events.pop() { events.append(event) }
        }

        // First tick: the start-up connection and handshake are history,
        // logged as link events; the engine starts its self-test.
        tick()
        #expect(events.contains { if case .link(.handshakeDone(let table, _)) = $0 { table.serialNumber == "PTY-0001" } else { false } })
        #expect(runtime.snapshot.state == .selfTest)
        try table.send(.telemetry(PtyTable.slackTelemetry))
        #expect(eventually { link.newestTelemetry != nil })
        tick()
        #expect(runtime.snapshot.state == .selfTest)

        // The table falls silent for 20 ms: the link declares the loss; the
        // telemetry is 20 ms old, well inside the kernel's 50 ms.
        events.removeAll()
        clock.advance(by: 0.020)
        #expect(eventually { link.phase == .handshaking }, "the link judged the silence")
        tick()
        let lost = events.contains { if case .link(.lost(let silence, _)) = $0 { silence >= 0.010 } else { false } }
        #expect(lost, "the link's event is in the engine's log: \(events)")
        let causes = events.compactMap { event -> InterlockEvent? in
            if case .safety(.transition(_, _, let cause, _, _, _)) = event { return cause }
            return nil
        }
        #expect(causes.contains(.linkLost), "the transition names the link's loss: \(events)")
        #expect(!causes.contains(.telemetryLost), "not the telemetry-age check")
        #expect(events.contains(.safety(.alarmRaised(.linkLost, at: clock.now()))))
        #expect(runtime.snapshot.state == .offline)

        // The table answers the link's next handshake: logged, and the
        // engine connects again and re-runs its self-test.
        events.removeAll()
        #expect(try table.awaitIdentifyRequest())
        try table.send(.identifyResponse(PtyTable.identity))
        #expect(eventually { link.phase == .connected })
        tick()
        #expect(events.contains { if case .link(.handshakeDone) = $0 { true } else { false } })
        #expect(runtime.snapshot.state == .selfTest)
    }
}
