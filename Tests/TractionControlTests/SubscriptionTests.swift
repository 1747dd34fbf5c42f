import Foundation
import Synchronization
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Subscriptions, decimation and slow consumers (docs/control-protocol.md, section 7).
@Suite struct SubscriptionTests {
    @Test func subscribeAnswersTheTopicsAndRateAndRefusesBadOnes() throws {
        let server = try RunningServer(loopRateHz: 100)
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        let answer = try client.call("subscribe", id: 1, params: ["topics": ["alarms", "telemetry", "alarms"]])
        #expect(answer["result"] == ["topics": ["telemetry", "alarms"], "telemetry_hz": 10])

        let tooFast = try client.call("subscribe", id: 2, params: ["topics": ["telemetry"], "telemetry_hz": 101])
        #expect(tooFast.errorCode == "INVALID_PARAMS")
        #expect(tooFast.errorData?["field"] == "telemetry_hz")
        let zero = try client.call("subscribe", id: 3, params: ["topics": ["telemetry"], "telemetry_hz": 0])
        #expect(zero.errorData?["field"] == "telemetry_hz")
        let empty = try client.call("subscribe", id: 4, params: ["topics": []])
        #expect(empty.errorData?["field"] == "topics")
        let unknownTopic = try client.call("subscribe", id: 5, params: ["topics": ["weather"]])
        #expect(unknownTopic.errorCode == "INVALID_PARAMS")
        let misspelt = try client.call("subscribe", id: 6, params: ["topics": ["events"], "telemetry_rate": 5])
        #expect(misspelt.errorData?["field"] == "telemetry_rate")

        let remaining = try client.call("unsubscribe", id: 7, params: ["topics": ["alarms"]])
        #expect(remaining["result"] == ["topics": ["telemetry"]])
        let none = try client.call("unsubscribe", id: 8)
        #expect(none["result"] == ["topics": []])
        // The handler never saw any of these.
        #expect(server.state.handled.withLock { $0.isEmpty })
    }

    @Test func theDefaultRateNeverExceedsASlowLoop() throws {
        let server = try RunningServer(loopRateHz: 4)
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        let answer = try client.call("subscribe", id: 1, params: ["topics": ["telemetry"]])
        #expect(answer["result"]?["telemetry_hz"] == 4)
    }

    @Test func telemetryIsDecimatedPerSubscriberAndTopicsAreKeptApart() throws {
        let server = try RunningServer(loopRateHz: 250)
        defer { server.stop() }
        let fifty = try server.connect()
        let everyTick = try server.connect()
        let eventsOnly = try server.connect()
        for client in [fifty, everyTick, eventsOnly] { _ = try client.readMessage() }
        _ = try fifty.call("subscribe", id: 1, params: ["topics": ["telemetry", "events"], "telemetry_hz": 50])
        _ = try everyTick.call("subscribe", id: 1, params: ["topics": ["telemetry", "events"], "telemetry_hz": 250])
        _ = try eventsOnly.call("subscribe", id: 1, params: ["topics": ["events"]])
        server.state.onServiceThread { server in
            for tick in UInt64(1000)..<1100 {
                server.publishTelemetry(tick: tick, loopRateHz: 250, params: ["tick": .number(Double(tick))])
            }
            server.publish(.alarms, method: "alarm", params: ["change": "raised"])
            server.publish(.events, method: "event", params: ["kind": "session_started"])
        }
        func telemetryTicks(_ client: TestClient) throws -> [Double] {
            var ticks: [Double] = []
            while let message = try client.readMessage(), message["method"] != "event" {
                #expect(message["method"] == "telemetry")
                if let tick = message["params"]?["tick"]?.numberValue { ticks.append(tick) }
            }
            return ticks
        }
        #expect(try telemetryTicks(fifty) == stride(from: 1000.0, to: 1100, by: 5).map { $0 })
        #expect(try telemetryTicks(everyTick).count == 100)
        #expect(try telemetryTicks(eventsOnly).isEmpty)
    }

    @Test func aSlowSubscriberIsToldThenDroppedWhileAFastOneKeepsReceiving() throws {
        let server = try RunningServer(loopRateHz: 250) {
            $0.clientQueueBytes = 32_768
            $0.slowClientGrace = 10
        }
        defer { server.stop() }
        let slow = try server.connect()
        let fast = try server.connect()
        for client in [slow, fast] {
            _ = try client.readMessage()
            _ = try client.call("subscribe", id: 1, params: ["topics": ["telemetry"], "telemetry_hz": 250])
        }
        let padding = JSONValue.string(String(repeating: "p", count: 2048))
        server.state.everyTick.withLock {
            $0 = { server, tick in
                server.publishTelemetry(tick: tick, loopRateHz: 250, params: ["tick": .number(Double(tick)), "pad": padding])
            }
        }
        let fastCount = Shared(0)
        let fastSawDropped = Shared(false)
        let stopReading = Shared(false)
        let readerDone = DispatchSemaphore(value: 0)
        let reader = Thread {
            while !stopReading.value {
                guard let message = try? fast.readMessage() else { break }
                if message["method"] == "dropped" { fastSawDropped.set(true) }
                fastCount.update { $0 += 1 }
            }
            readerDone.signal()
        }
        reader.start()

        // The slow one reads nothing until the server has given up on it.
        #expect(server.waitUntil(timeout: 30) { !server.state.logged(containing: "dropped: slow consumer").isEmpty })
        let countAtDrop = fastCount.value
        #expect(server.waitUntil(timeout: 30) { fastCount.value >= countAtDrop + 100 })

        let backlog = try slow.readUntilClosed()
        let last = try #require(backlog.last)
        #expect(last["method"] == "dropped")
        #expect(last["params"]?["reason"] == "SLOW_CONSUMER")
        #expect((last["params"]?["queued_bytes"]?.numberValue ?? 0) > 0)
        #expect(backlog.dropLast().allSatisfy { $0["method"] == "telemetry" })

        stopReading.set(true)
        readerDone.wait()
        server.state.everyTick.withLock { $0 = nil }
        let fastWasDropped = fastSawDropped.value
        #expect(!fastWasDropped)
        #expect(server.state.logged(containing: "dropped: slow consumer").count == 1)
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 1 })
    }

    @Test func aSlowSubscriberThatNeverReadsIsClosedAfterTheGrace() throws {
        let server = try RunningServer(loopRateHz: 250) {
            $0.clientQueueBytes = 16_384
            $0.slowClientGrace = 0.2
        }
        defer { server.stop() }
        let slow = try server.connect()
        _ = try slow.readMessage()
        _ = try slow.call("subscribe", id: 1, params: ["topics": ["telemetry"], "telemetry_hz": 250])
        let padding = JSONValue.string(String(repeating: "p", count: 4096))
        server.state.everyTick.withLock {
            $0 = { server, tick in
                server.publishTelemetry(tick: tick, loopRateHz: 250, params: ["tick": .number(Double(tick)), "pad": padding])
            }
        }
        #expect(server.waitUntil(timeout: 30) { !server.state.logged(containing: "dropped: slow consumer").isEmpty })
        // Closed although `dropped` never fitted into its socket.
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 0 })
        server.state.everyTick.withLock { $0 = nil }
    }
}
