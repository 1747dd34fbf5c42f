import Foundation
import Testing
import TractionDevice
import TractionLink
import TractionSerial
import TractionWire
import TractionTestSupport

/// SerialTableLink against a scripted table on a pty, on a clock the test
/// moves by hand.
@Suite(.serialized) struct SerialTableLinkTests {
    /// Plays the handshake and returns the connected link.
    static func connected(_ table: FakeTable, clock: ManualClock) throws -> SerialTableLink {
        let link = try SerialTableLink.to(table, clock: clock)
        let identifying = BackgroundIdentify(link)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity))
        _ = try identifying.value.get()
        return link
    }

    static func awaitTelemetry(_ link: SerialTableLink, sequence: UInt16) throws -> Telemetry {
        let sample = waitFor(timeout: 5, poll: 0.002) {
            link.latestTelemetry(at: .origin).flatMap { $0.sequence == sequence ? $0 : nil }
        }
        guard let sample else { throw TableLinkError.handshakeTimedOut(after: 5) }
        return sample
    }

    @Test func identifyReturnsTheTablesIdentityAndReportsConnectedThenHandshakeDone() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.connected(table, clock: clock)
        defer { link.close() }
        let identity = try link.identify()
        #expect(identity.serialNumber == "FAKE-0001")
        #expect(identity.lease == 0.100)
        let events = link.drainEvents()
        #expect(events.count == 2)
        #expect(events.first == .connected(at: clock.now()))
        #expect(events.last == .handshakeDone(identity, at: clock.now()))
    }

    @Test func aTareRequestReturnsAtOnceAndItsOutcomeArrivesLater() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.connected(table, clock: clock)
        defer { link.close() }
        #expect(link.requestTare(at: clock.now()) == .pending)
        let request = try #require(try table.awaitFrame(.tareRequest))
        #expect(link.tareProgress(at: clock.now()) == .pending)
        try table.send(.tareResponse(TareResponse(requestSequence: request.header.sequence, targets: .loadCell,
                                                  result: .refusedTensionPresent, loadCellOffsetCentinewtons: 0)))
        var progress = TareProgress.pending
        waitUntil(timeout: 5, poll: 0.002) {
            progress = link.tareProgress(at: clock.now())
            return progress != .pending
        }
        #expect(progress == .failed(.tensionPresent))
        // A table that never answers: the request gives up after the timeout.
        #expect(link.requestTare(at: clock.now()) == .pending)
        clock.advance(by: SerialTableLink.tareTimeout + 0.001)
        #expect(link.tareProgress(at: clock.now()) == .failed(.noAnswer))
    }

    @Test func telemetryIsStampedWithTheInjectedClockAtReceipt() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.connected(table, clock: clock)
        defer { link.close() }
        clock.advance(by: 0.010)
        try table.send(.telemetry(FakeTable.telemetry(force: 4_250)))
        let sample = try Self.awaitTelemetry(link, sequence: 1)
        #expect(sample.receivedAt == clock.now())
        #expect(sample.loadCellForce == Newtons(42.5))
    }

    @Test func aTableOfAnotherVersionIsRefusedAndHearsNoCommand() throws {
        let table = try FakeTable()
        let link = try SerialTableLink.to(table, clock: ManualClock())
        defer { link.close() }
        let identifying = BackgroundIdentify(link)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity), version: 7)
        #expect(identifying.value == .failure(.protocolVersionMismatch(host: WireFormat.protocolVersion, table: 7)))
        #expect(throws: TableLinkError.protocolVersionMismatch(host: WireFormat.protocolVersion, table: 7)) {
            try link.send(DriveCommand(driveEnabled: true, forceCeiling: 100), at: .origin)
        }
        let heard = try table.read(for: 0.150)
        #expect(!heard.contains { $0.message.type == .command })
    }

    @Test func aTableWithoutASecondForceChannelIsRefusedByNameAndHearsNoCommand() throws {
        let table = try FakeTable()
        var identity = FakeTable.identity
        identity.redundantForceChannel = false
        let link = try SerialTableLink.to(table, clock: ManualClock())
        defer { link.close() }
        let identifying = BackgroundIdentify(link)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(identity))
        let refusal = TableLinkError.unsuitableTable(.noRedundantForceChannel)
        #expect(identifying.value == .failure(refusal))
        #expect(refusal.description.contains("second, independent channel"))
        #expect(refusal.description.contains("H4"))
        #expect(throws: refusal) { try link.send(DriveCommand(driveEnabled: true, forceCeiling: 100), at: .origin) }
        let heard = try table.read(for: 0.150)
        #expect(!heard.contains { $0.message.type == .command })
    }

    @Test func everyCommandCarriesItsLeaseCappedAtTheTablesMaximum() throws {
        let table = try FakeTable()
        var identity = FakeTable.identity
        identity.maximumLeaseMilliseconds = 50
        let link = try SerialTableLink.to(table, clock: ManualClock())
        defer { link.close() }
        let identifying = BackgroundIdentify(link)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(identity))
        _ = try identifying.value.get()

        try link.send(DriveCommand(driveEnabled: true, forceCeiling: 100, lease: 0.100), at: .origin)
        let long = try #require(try table.awaitFrame(.command))
        try link.send(DriveCommand(driveEnabled: true, forceCeiling: 100, lease: 0.030), at: .origin)
        let short = try #require(try table.awaitFrame(.command))
        guard case .command(let capped) = long.message, case .command(let kept) = short.message else { return }
        #expect(capped.leaseMilliseconds == 50)
        #expect(kept.leaseMilliseconds == 30)
    }

    @Test func silenceBeyondTheLossBoundIsReportedAndANewHandshakeReconnects() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.connected(table, clock: clock)
        defer { link.close() }
        _ = link.drainEvents()
        try table.send(.telemetry(FakeTable.telemetry()))
        _ = try Self.awaitTelemetry(link, sequence: 1)

        clock.advance(by: 0.039)
        // Nothing may happen before the loss silence: watched for 20 ms of
        // the I/O thread's turns (its clock is the test's, standing still).
        #expect(holdsFor(duration: 0.02, poll: 0.002) { link.drainEvents().isEmpty }, "lost before the loss silence")
        clock.advance(by: 0.002)
        let events = waitFor(timeout: 5, poll: 0.002) { () -> [SerialLinkEvent]? in
            let drained = link.drainEvents()
            return drained.isEmpty ? nil : drained
        } ?? []
        #expect(events == [.lost(silentFor: 0.041, at: clock.now())])
        #expect(link.phase == .handshaking)

        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity))
        #expect(waitUntil(timeout: 5, poll: 0.002) { link.phase == .connected })
        #expect(link.drainEvents().contains { if case .handshakeDone = $0 { true } else { false } })
        #expect(link.statistics.handshakes == 2)
        #expect(link.statistics.losses == 1)
    }

    @Test func statisticsCountCorruptFramesSequenceGapsAndLatency() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.connected(table, clock: clock)
        defer { link.close() }
        try link.send(DriveCommand(driveEnabled: true, forceCeiling: 100), at: .origin)
        let command = try #require(try table.awaitFrame(.command))
        clock.advance(by: 0.003)

        try table.send(.telemetry(FakeTable.telemetry(lastCommand: command.sequence)))  // table sequence 1
        var corrupt = try FrameEncoder.frame(.telemetry(FakeTable.telemetry()), sequence: 2)
        corrupt[10] ^= 0x5A
        try table.write(corrupt)
        table.sequence = 4  // 2 was corrupted, 3 never sent
        try table.send(.telemetry(FakeTable.telemetry(lastCommand: command.sequence)))
        _ = try Self.awaitTelemetry(link, sequence: 4)

        let statistics = link.statistics
        #expect(statistics.decoder.crcErrors + statistics.decoder.malformedFrames == 1)
        #expect(statistics.framesLost == 2)
        #expect(statistics.sequenceGaps == 1)
        #expect(statistics.telemetryReceived == 2)
        #expect(statistics.commandsSent == 1)
        // One echo measured, from the write to the first telemetry echoing it.
        #expect(statistics.commandToTelemetryLatency.count == 1)
        #expect(statistics.commandToTelemetryLatency.maximum == 0.003)
    }

    @Test func aLossBoundBeyond50msIsRefused() {
        #expect(throws: SerialTableLinkConfiguration.Invalid.lossSilenceBeyondBound(0.060)) {
            try SerialTableLinkConfiguration(lossSilence: 0.060).validate()
        }
        #expect(throws: SerialTableLinkConfiguration.Invalid.pollIntervalTooLong(0.015, lossSilence: 0.040)) {
            try SerialTableLinkConfiguration(ioPollInterval: 0.015).validate()
        }
    }
}
