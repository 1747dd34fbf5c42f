import Foundation
import Testing
import TractionDevice
import TractionLink
import TractionSerial
import TractionWire
import TractionTestSupport

/// Issue 14, item 5: a refusal after start is recoverable, FAULT_REPORTs are
/// reported, and the section-12 counters are readable as `LinkHealth`.
@Suite(.serialized) struct LinkRecoveryAndFaultReportTests {
    static func events(of link: SerialTableLink, until done: ([SerialLinkEvent]) -> Bool) -> [SerialLinkEvent] {
        var events: [SerialLinkEvent] = []
        waitUntil(timeout: 5, poll: 0.002) {
            events += link.drainEvents()
            return done(events)
        }
        return events
    }

    /// Connects, then lets the table fall silent until the link declares it lost.
    static func lostLink(_ table: FakeTable, clock: ManualClock) throws -> SerialTableLink {
        let link = try SerialTableLinkTests.connected(table, clock: clock)
        _ = link.drainEvents()
        clock.advance(by: 0.041)
        let lost = events(of: link) { $0.contains { if case .lost = $0 { true } else { false } } }
        #expect(lost.count == 1)
        return link
    }

    @Test func aTableThatComesBackInAnotherVersionIsRefusedUntilItAnswersInTheHostsVersion() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.lostLink(table, clock: clock)
        defer { link.close() }

        // It comes back speaking version 7: refused, by a reason people can read.
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity), version: 7)
        let refusal = TableLinkError.protocolVersionMismatch(host: WireFormat.protocolVersion, table: 7)
        let refused = Self.events(of: link) { !$0.isEmpty }
        #expect(refused == [.refused(refusal, at: clock.now())])
        #expect(refusal.description == "protocol version mismatch: the host speaks 1, the table 7")
        #expect(link.phase == .refused(refusal))
        #expect(throws: refusal) { try link.send(DriveCommand(driveEnabled: true, forceCeiling: 100), at: .origin) }

        // While refused it asks again once a second, never sooner, and never
        // sends a command; the same answer again is not a new event.
        clock.advance(by: 0.5)
        #expect(try !table.read(for: 0.150).contains { $0.message.type == .identifyRequest })
        clock.advance(by: 0.5)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity), version: 7)
        #expect(waitUntil(timeout: 5, poll: 0.002) { link.health.refusals == 1 })
        // A refusal is no event for the engine: none comes while we watch.
        #expect(holdsFor(duration: 0.05, poll: 0.005) { link.drainEvents().isEmpty })
        #expect(link.health.refusals == 1)
        #expect(link.health.phase == "refused")
        #expect(link.health.refusal == refusal)

        // Firmware put right: the next answer in version 1 takes it back.
        clock.advance(by: 1.0)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity))
        let back = Self.events(of: link) { !$0.isEmpty }
        #expect(back.contains { if case .handshakeDone(let identity, _) = $0 { identity.serialNumber == "FAKE-0001" } else { false } })
        #expect(link.phase == .connected)
        #expect(link.health.refusal == nil)
        #expect(!table.received.contains { $0.message.type == .command }, "a command reached a refused table")
        try link.send(DriveCommand(driveEnabled: false, forceCeiling: 0), at: .origin)
        _ = try #require(try table.awaitFrame(.command))
        #expect(link.health.handshakes == 2)
    }

    @Test func aTableRefusedForItsRateIsTakenBackOnceItDeclaresEnough() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try Self.lostLink(table, clock: clock)
        defer { link.close() }
        var slow = FakeTable.identity
        slow.telemetryRateHertz = 20
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(slow))
        let refused = Self.events(of: link) { !$0.isEmpty }
        guard case .refused(.unsuitableTable(.telemetryRateTooLow(let rate, _)), _)? = refused.first else {
            Issue.record("expected a refusal for the rate, got \(refused)")
            return
        }
        #expect(rate == 20)
        clock.advance(by: 1.0)
        _ = try #require(try table.awaitFrame(.identifyRequest))
        try table.send(.identifyResponse(FakeTable.identity))
        let back = Self.events(of: link) { !$0.isEmpty }
        #expect(back.contains { if case .handshakeDone = $0 { true } else { false } })
    }

    @Test func aFaultReportIsPostedWithItsMeaningAndAFloodIsCountedNotQueued() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try SerialTableLinkTests.connected(table, clock: clock)
        defer { link.close() }
        _ = link.drainEvents()
        let report = FaultReport(deviceTimeMicroseconds: 12_000_000, activeFaults: 1 << 6, event: .leaseExpired,
                                 detail: 4_711, text: "lease ran out\u{1B}[2J")
        try table.send(.faultReport(report))
        let posted = Self.events(of: link) { !$0.isEmpty }
        guard case .faultReport(let notice, let at)? = posted.first else {
            Issue.record("expected a fault report, got \(posted)")
            return
        }
        #expect(at == clock.now())
        #expect(notice.eventName == "lease_expired")
        #expect(notice.detail == 4_711)
        #expect(notice.summary == "table reported lease_expired after command 4711; active: lease expired; "
            + "\"lease ran out\\u{1b}[2J\"")

        // 40 more within the same second: 9 more are posted (10 a second),
        // the rest only counted; the newest is kept.
        for index in 0..<40 {
            try table.send(.faultReport(FaultReport(deviceTimeMicroseconds: 12_000_001 + UInt64(index), activeFaults: 0,
                                                    event: .messageRejected, detail: UInt32(index) | 0x10 << 16, text: "")))
        }
        #expect(waitUntil(timeout: 5, poll: 0.002) { link.health.faultReports >= 41 })
        let more = link.drainEvents().filter { if case .faultReport = $0 { true } else { false } }
        #expect(more.count == TableFaultNotice.maximumPerSecond - 1)
        let health = link.health
        #expect(health.faultReports == 41)
        #expect(health.faultReportsNotReported == 31)
        let newest: UInt32 = 39 | 0x10 << 16
        #expect(health.lastFaultReport?.detail == newest)
        #expect(health.lastFaultReport?.summary.hasPrefix("table reported message_rejected: frame 39 of type 0x10 rejected") == true)

        // A second later, reports are posted again (the silent table is
        // also declared lost by then: a report is posted in any phase).
        clock.advance(by: 1.0)
        try table.send(.faultReport(report))
        func reports(_ events: [SerialLinkEvent]) -> Int {
            events.count { if case .faultReport = $0 { true } else { false } }
        }
        let later = Self.events(of: link) { reports($0) > 0 }
        #expect(reports(later) == 1)
    }

    @Test func theHealthCarriesTheSection12Counters() throws {
        let table = try FakeTable()
        let clock = ManualClock()
        let link = try SerialTableLinkTests.connected(table, clock: clock)
        defer { link.close() }
        try table.send(.telemetry(FakeTable.telemetry()))  // sequence 1
        var corrupt = try FrameEncoder.frame(.telemetry(FakeTable.telemetry()), sequence: 2)
        corrupt[10] ^= 0x5A
        try table.write(corrupt)
        try table.write(FrameEncoder.frame(.telemetry(FakeTable.telemetry()), sequence: 3, version: 9))
        table.sequence = 5
        try table.send(.telemetry(FakeTable.telemetry()))
        _ = try SerialTableLinkTests.awaitTelemetry(link, sequence: 5)
        let health = link.health
        #expect(health.phase == "connected")
        #expect(health.crcErrors + health.malformedFrames == 1)
        #expect(health.otherVersionFrames == 1)
        #expect(health.telemetryReceived == 2)
        #expect(health.framesLost == 3)
        #expect(health.sequenceGaps == 1)
        #expect(health.handshakes == 1)
        #expect(health.losses == 0)
        #expect(health.framesDecoded == 3)
    }
}
