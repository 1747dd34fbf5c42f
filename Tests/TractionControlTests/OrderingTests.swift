import Foundation
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Requests of one connection against the control loop (docs/control-protocol.md, section 3).
@Suite struct OrderingTests {
    @Test func stopAndStatusOvertakeRequestsWaitingForTheControlLoop() throws {
        let server = try RunningServer()
        defer { server.stop() }
        server.state.holdControlLoop.store(true, ordering: .releasing)
        let client = try server.connect()
        _ = try client.readMessage()
        try client.request("session.arm", id: 1)
        try client.request("session.start", id: 2)
        try client.request("session.stop", id: 3)
        try client.request("status", id: 4)
        // The control loop holds arm (and start behind it); stop and status come back.
        let first = try #require(try client.readMessage())
        let second = try #require(try client.readMessage())
        #expect([first["id"], second["id"]] == [.number(3), .number(4)])
        #expect(first["result"]?["method"] == "session.stop")
        // Start was not handed on while arm was in flight.
        #expect(server.state.handled.withLock { $0.map(\.0) } == [.sessionArm, .sessionStop, .status])
        server.state.holdControlLoop.store(false, ordering: .releasing)
        let third = try #require(try client.readMessage())
        let fourth = try #require(try client.readMessage())
        #expect([third["id"], fourth["id"]] == [.number(1), .number(2)])
        #expect(server.state.handled.withLock { $0.map(\.0) }
            == [.sessionArm, .sessionStop, .status, .sessionStart])
    }

    @Test func oneRequestTooManyWaitingForTheControlLoopIsBusyAndStopStillPasses() throws {
        let server = try RunningServer { $0.maxQueuedControlRequests = 2 }
        defer { server.stop() }
        server.state.holdControlLoop.store(true, ordering: .releasing)
        let client = try server.connect()
        _ = try client.readMessage()
        for id in 1...4 { try client.request("session.pause", id: id) }
        try client.request("session.stop", id: 5)
        let busy = try #require(try client.readMessage())
        #expect(busy["id"] == .number(4))
        #expect(busy.errorCode == "BUSY")
        #expect(busy["error"]?["code"] == .number(-32004))
        #expect(try client.readMessage()?["id"] == .number(5))
        server.state.holdControlLoop.store(false, ordering: .releasing)
        let rest = try (0..<3).map { _ in try #require(try client.readMessage())["id"] }
        #expect(rest == [.number(1), .number(2), .number(3)])
    }

    @Test func whileShuttingDownOnlyStatusAndStopAreServed() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        server.state.onServiceThread { $0.beginShutdown() }
        #expect(server.waitUntil {
            (try? client.call("device.info", id: 1))?.errorCode == "SHUTTING_DOWN"
        })
        #expect(try client.call("status", id: 2)["result"] != nil)
        #expect(try client.call("session.stop", id: 3)["result"] != nil)
        let refused = try client.call("session.arm", id: 4)
        #expect(refused.errorCode == "SHUTTING_DOWN")
        #expect(refused["error"]?["code"] == .number(-32007))
    }
}
