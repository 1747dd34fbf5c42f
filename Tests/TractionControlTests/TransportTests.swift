import Foundation
import Testing
@testable import TractionControl
import TractionControlProtocol

#if canImport(Glibc)
import Glibc
import TractionTestSupport
#endif

/// Framing and bad input over a real Unix socket (docs/control-protocol.md, sections 2, 3, 4 and 8).
@Suite struct TransportTests {
    @Test func helloArrivesFirstWithTheKernelsUidAndPidAndTheLimits() throws {
        let server = try RunningServer { $0.maxMessageBytes = 4096 }
        defer { server.stop() }
        let client = try server.connect()
        let hello = try #require(try client.readMessage())
        #expect(hello["method"] == "hello")
        #expect(hello["id"] == nil)
        let params = try #require(hello["params"])
        #expect(params["protocol_version"] == .number(1))
        #expect(params["uid"] == .number(Double(getuid())))
        #expect(params["pid"] == .number(Double(getpid())))
        #expect(params["max_message_bytes"] == .number(4096))
        #expect(params["loop_rate_hz"] == .number(250))
        // The test runs as root or as the daemon's own uid: admin either way.
        #expect(params["role"] == "admin")
        #expect(params["table"]?["serial"] == "SIM-0001")
    }

    @Test func aLineThatIsNotJSONIsParseErrorAndTheConnectionStaysOpen() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send("this is not json\n")
        let error = try #require(try client.readMessage())
        #expect(error.errorCode == "PARSE_ERROR")
        #expect(error["error"]?["code"] == .number(-32700))
        #expect(error["id"] == .null)
        let status = try client.call("status", id: 2)
        #expect(status["result"]?["method"] == "status")
    }

    @Test func aBatchIsOneInvalidRequestWithIdNull() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send(#"[{"jsonrpc":"2.0","id":1,"method":"status"},{"jsonrpc":"2.0","id":2,"method":"status"}]"# + "\n")
        let error = try #require(try client.readMessage())
        #expect(error.errorCode == "INVALID_REQUEST")
        #expect(error["id"] == .null)
        // Exactly one answer: the next message is the answer to the next request.
        #expect(try client.call("status", id: 3)["result"] != nil)
    }

    @Test func aRequestThatIsNotJSONRPC2IsInvalidRequestWithItsId() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send(#"{"jsonrpc":"1.0","id":"x7","method":"status"}"# + "\n")
        let error = try #require(try client.readMessage())
        #expect(error.errorCode == "INVALID_REQUEST")
        #expect(error["id"] == "x7")
    }

    @Test func anUnknownMethodIsMethodNotFoundNamingIt() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        let error = try client.call("session.launch", id: 5)
        #expect(error.errorCode == "METHOD_NOT_FOUND")
        #expect(error["error"]?["code"] == .number(-32601))
        #expect(error.errorData?["method"] == "session.launch")
    }

    @Test func emptyLinesAndCarriageReturnsAreIgnored() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send("\n\r\n\n" + #"{"jsonrpc":"2.0","id":1,"method":"status"}"# + "\r\n")
        let answer = try #require(try client.readMessage())
        #expect(answer["id"] == .number(1))
        #expect(answer["result"]?["method"] == "status")
    }

    @Test func aNotificationRequestIsCarriedOutWithoutAResponse() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send(#"{"jsonrpc":"2.0","method":"device.info"}"# + "\n")
        let answer = try client.call("status", id: 9)
        // The first message after the notification is the status answer.
        #expect(answer["id"] == .number(9))
        let handled = server.state.handled.withLock { $0.map(\.0) }
        #expect(handled == [.deviceInfo, .status])
    }

    @Test func aLineOverTheMaximumIsMessageTooLargeAndClosesTheConnection() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        // Four times the default 64 KiB, written by another thread: the server
        // stops reading, so the writer may block until the close fails it.
        let huge = Array(#"{"jsonrpc":"2.0","id":1,"method":"status","params":{"pad":""#.utf8)
            + [UInt8](repeating: 0x61, count: 262_144) + Array("\"}}\n".utf8)
        let writer = Thread { try? client.sendBytes(huge) }
        writer.start()
        let messages = try client.readUntilClosed()
        let last = try #require(messages.last)
        #expect(messages.count == 1)
        #expect(last.errorCode == "MESSAGE_TOO_LARGE")
        #expect(last["error"]?["code"] == .number(-32001))
        #expect(last["id"] == .null)
        #expect(last.errorData?["max_message_bytes"] == .number(65_536))
        // The daemon keeps serving.
        let other = try server.connect()
        #expect(try other.readMessage()?["method"] == "hello")
    }

    @Test func aLineOfExactlyTheMaximumIsAccepted() throws {
        let server = try RunningServer { $0.maxMessageBytes = 256 }
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        let prefix = #"{"jsonrpc":"2.0","id":1,"method":"status","params":{"p":""#
        let suffix = "\"}}"
        let padding = String(repeating: "x", count: 256 - 1 - prefix.utf8.count - suffix.utf8.count)
        try client.send(prefix + padding + suffix + "\n")
        // The params reach the handler unchecked; the framing let the line through.
        #expect(try client.response(id: 1)["result"]?["method"] == "status")
        try client.send(prefix + padding + "y" + suffix + "\n")
        let closing = try client.readUntilClosed()
        #expect(closing.map(\.errorCode) == ["MESSAGE_TOO_LARGE"])
    }

    @Test func aPartialLineThatStaysIncompleteIsMessageIncompleteAndCloses() throws {
        let server = try RunningServer { $0.incompleteLineTimeout = 0.2 }
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send(#"{"jsonrpc":"2.0","id":1,"#)
        let messages = try client.readUntilClosed()
        #expect(messages.map(\.errorCode) == ["MESSAGE_INCOMPLETE"])
        #expect(messages.first?["error"]?["code"] == .number(-32002))
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 0 })
    }

    @Test func aSilentConnectionWithNothingPendingStaysOpen() throws {
        let server = try RunningServer { $0.incompleteLineTimeout = 0.1 }
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 1 })
        // Four times the incomplete-line timeout, watched: the server keeps it.
        #expect(holdsFor(duration: 0.4, poll: 0.01) { server.state.clientCount.load(ordering: .acquiring) == 1 })
        #expect(try client.call("status", id: 1)["result"] != nil)
    }

    @Test func endingTheConnectionInTheMiddleOfALineIsMessageIncomplete() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.send(#"{"jsonrpc":"2.0","id":1,"method":"status"}"#)
        client.shutdownWrite()
        let messages = try client.readUntilClosed()
        #expect(messages.map(\.errorCode) == ["MESSAGE_INCOMPLETE"])
    }

    @Test func aClientThatStopsSendingStillGetsEveryAnswerBeforeTheClose() throws {
        // What `printf ... | socat - UNIX-CONNECT:...` does.
        let server = try RunningServer()
        defer { server.stop() }
        let client = try server.connect()
        _ = try client.readMessage()
        try client.request("status", id: 1)
        try client.request("session.arm", id: 2)
        try client.request("device.info", id: 3)
        client.shutdownWrite()
        let messages = try client.readUntilClosed()
        #expect(Set(messages.compactMap { $0["id"]?.numberValue }) == [1, 2, 3])
        #expect(messages.allSatisfy { $0["result"] != nil })
    }

    @Test func reconfiguredSizesApplyToLaterConnectionsOnly() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let before = try server.connect()
        #expect(try before.readMessage()?["params"]?["max_message_bytes"] == 65_536)
        server.state.onServiceThreadAndWait { server in
            server.reconfigure(roleGroups: ControlServerConfiguration.defaultRoleGroups, maxClients: 2,
                               maxMessageBytes: 1024, clientQueueBytes: 8192)
        }
        let after = try server.connect()
        #expect(try after.readMessage()?["params"]?["max_message_bytes"] == 1024)
        let long = #"{"jsonrpc":"2.0","id":1,"method":"status","params":{"pad":""#
            + String(repeating: "z", count: 2000) + "\"}}\n"
        try before.send(long)
        #expect(try before.response(id: 1)["result"] != nil)
        try after.send(long)
        #expect(try after.readUntilClosed().map(\.errorCode) == ["MESSAGE_TOO_LARGE"])
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 1 })
        let second = try server.connect()
        #expect(try second.readMessage()?["method"] == "hello")
        let third = try server.connect()
        #expect(try third.readUntilClosed().first?.errorData?["max_clients"] == 2)
    }

    @Test func theOneHundredTwentyNinthClientIsRefusedAndTheOthersKeepWorking() throws {
        let server = try RunningServer()
        defer { server.stop() }
        var clients: [TestClient] = []
        for _ in 0..<128 {
            let client = try server.connect()
            #expect(try client.readMessage()?["method"] == "hello")
            clients.append(client)
        }
        let refused = try server.connect()
        let messages = try refused.readUntilClosed()
        #expect(messages.count == 1)
        #expect(messages.first?.errorCode == "TOO_MANY_CLIENTS")
        #expect(messages.first?["error"]?["code"] == .number(-32006))
        #expect(messages.first?.errorData?["max_clients"] == .number(128))
        #expect(try clients[127].call("status", id: 1)["result"] != nil)
        // A place freed is a place taken.
        clients.removeFirst()
        #expect(server.waitUntil { server.state.clientCount.load(ordering: .acquiring) == 127 })
        let next = try server.connect()
        #expect(try next.readMessage()?["method"] == "hello")
    }

    @Test func aFloodOfTenThousandRequestsIsAnsweredInOrderWhileAnotherClientIsServed() throws {
        let server = try RunningServer()
        defer { server.stop() }
        let flooder = try server.connect()
        _ = try flooder.readMessage()
        var flood: [UInt8] = []
        for id in 1...10_000 {
            flood += RPCRequest(id: .number(Double(id)), method: "status").encodeLine()
        }
        let requests = flood
        let writer = Thread { try? flooder.sendBytes(requests) }
        writer.start()
        let other = try server.connect()
        #expect(try other.readMessage()?["method"] == "hello")
        #expect(try other.call("device.info", id: 1)["result"]?["method"] == "device.info")
        var ids: [Double] = []
        while ids.count < 10_000, let message = try flooder.readMessage() {
            if let id = message["id"]?.numberValue { ids.append(id) }
        }
        #expect(ids == (1...10_000).map(Double.init))
        #expect(try other.call("status", id: 2)["result"] != nil)
    }
}
