import Foundation
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
#endif

/// A client that sends requests and never reads the answers
/// (docs/control-protocol.md, section 7, "Slow subscribers"): first
/// back-pressure (its requests are no longer read), then, once it has read
/// nothing for `unreadOutputTimeout`, it is dropped like a slow subscriber.
@Suite struct UnreadOutputTests {
    @Test func aClientThatNeverReadsItsAnswersIsBackPressuredThenDroppedWhileOthersAreServed() throws {
        let server = try RunningServer {
            $0.clientQueueBytes = 8_192
            $0.unreadOutputTimeout = 0.5
        }
        defer { server.stop() }
        let mute = try server.connect()
        _ = try mute.readMessage()
        // Far more answers than the socket's buffers and the queue can hold.
        var flood: [UInt8] = []
        for id in 1...40_000 { flood += RPCRequest(id: .number(Double(id)), method: "status").encodeLine() }
        let requests = flood
        let writer = Thread { try? mute.sendBytes(requests) }
        writer.start()

        #expect(server.waitUntil(timeout: 30) { !server.state.logged(containing: "dropped: slow consumer").isEmpty })
        let answered = server.state.handled.withLock { $0.count }
        #expect(answered < 40_000, "back-pressure: its requests stopped being read (\(answered) handled)")

        let other = try server.connect()
        #expect(try other.readMessage()?["method"] == "hello")
        #expect(try other.call("device.info", id: 1)["result"]?["method"] == "device.info")

        let backlog = try mute.readUntilClosed()
        let last = try #require(backlog.last)
        #expect(last["method"] == "dropped")
        #expect(last["params"]?["reason"] == "SLOW_CONSUMER")
        #expect(backlog.dropLast().allSatisfy { $0["result"] != nil }, "answers, then the notice")
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 1 })
    }

    @Test func aClientThatReadsSlowlyButSteadilyIsNotDropped() throws {
        // Over half full for longer than the timeout in all, but never
        // without progress for that long.
        let server = try RunningServer {
            $0.clientQueueBytes = 8_192
            $0.unreadOutputTimeout = 2
        }
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        var flood: [UInt8] = []
        for id in 1...20_000 { flood += RPCRequest(id: .number(Double(id)), method: "status").encodeLine() }
        let requests = flood
        let writer = Thread { try? client.sendBytes(requests) }
        writer.start()
        var ids = 0
        while ids < 20_000, let message = try client.readMessage() {
            if message["id"] != nil { ids += 1 }
            // Slower than the server writes, never silent for long.
            if ids % 2_000 == 0 { usleep(300_000) }
        }
        #expect(ids == 20_000)
        #expect(server.state.logged(containing: "dropped: slow consumer").isEmpty)
    }
}
