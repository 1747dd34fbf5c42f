import Foundation
import Testing
import TractionControlClient
import TractionControlProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The client against scripted servers on real Unix sockets.
@Suite("ControlClient")
struct ControlClientTests {
    @Test func aMissingSocketMeansTheDaemonIsNotRunning() throws {
        let path = "/tmp/ctl-client-missing-\(UUID().uuidString)/s.sock"
        #expect(throws: ControlClientError.daemonNotRunning(socketPath: path, errno: ENOENT)) {
            _ = try ControlClient(socketPath: path)
        }
    }

    @Test func aSocketFileNobodyListensOnMeansTheDaemonIsNotRunning() throws {
        let directory = "/tmp/ctl-client-stale-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A daemon that died leaves its socket file behind.
        close(try ScriptedServer.listen(at: directory + "/s.sock"))
        do {
            _ = try ControlClient(socketPath: directory + "/s.sock")
            Issue.record("connected to a socket nobody listens on")
        } catch {
            #expect(error == .daemonNotRunning(socketPath: directory + "/s.sock", errno: ECONNREFUSED))
            #expect(error.symbolicCode == "DAEMON_NOT_RUNNING")
        }
    }

    @Test func aPathLongerThanSunPathIsRefusedBeforeConnecting() {
        let path = "/tmp/" + String(repeating: "x", count: 120)
        #expect(throws: ControlClientError.socketPathTooLong(socketPath: path)) { _ = try ControlClient(socketPath: path) }
    }

    @Test func helloIsReadAndAResponseIsFoundBehindNotifications() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            let request = peer.receive()
            peer.send(#"{"jsonrpc":"2.0","method":"telemetry","params":{"t_s":1.5}}"#)
            peer.send(#"{"jsonrpc":"2.0","method":"session","params":{"to":"treating"}}"#)
            let id = ScriptedServer.Peer.idText(request)
            let method = request?["method"] as? String ?? "?"
            peer.send(#"{"jsonrpc":"2.0","id":\#(id),"result":{"state":"paused","echo":"\#(method)"}}"#)
            _ = peer.receive()
        }
        defer { server.finish() }
        let client = try ControlClient(socketPath: server.path)
        #expect(client.hello.role == .clinician)
        #expect(client.hello.table?.serial == "SIM-0001")
        let result = try client.request(.sessionPause)
        #expect(result["state"] == "paused")
        #expect(result["echo"] == "session.pause")
        let first = try client.nextNotification(timeout: 1)
        #expect(first?.method == "telemetry")
        #expect(first?.params["t_s"] == .number(1.5))
        #expect(try client.nextNotification(timeout: 1)?.method == "session")
        client.close()
    }

    @Test func notificationsGoToTheHandlerWhenThereIsOne() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            let request = peer.receive()
            for index in 0..<5 { peer.send(#"{"jsonrpc":"2.0","method":"telemetry","params":{"tick":\#(index)}}"#) }
            peer.send(#"{"jsonrpc":"2.0","id":\#(ScriptedServer.Peer.idText(request)),"result":{"topics":["telemetry"],"telemetry_hz":10}}"#)
            _ = peer.receive()
        }
        defer { server.finish() }
        let client = try ControlClient(socketPath: server.path)
        final class Seen: @unchecked Sendable { var ticks: [Double] = [] }
        let seen = Seen()
        client.notificationHandler = { seen.ticks.append($0.params["tick"]?.numberValue ?? -1) }
        let result = try client.request(.subscribe, params: SubscribeParams(topics: [.telemetry], telemetryHz: 10),
                                        as: SubscribeResult.self)
        #expect(result.telemetryHz == 10)
        #expect(seen.ticks == [0, 1, 2, 3, 4])
        client.close()
    }

    @Test func anErrorResponseCarriesTheSymbolicCodeAndData() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            let request = peer.receive()
            peer.send(#"{"jsonrpc":"2.0","id":\#(ScriptedServer.Peer.idText(request)),"error":{"code":-32011,"message":"refused while the harness is open","data":{"code":"CONDITION_PRESENT","conditions":["HARNESS_OPEN"]}}}"#)
            _ = peer.receive()
        }
        defer { server.finish() }
        let client = try ControlClient(socketPath: server.path)
        do {
            try client.request(.sessionStart, params: .object(["confirm": false]))
            Issue.record("the error response was taken for a result")
        } catch {
            #expect(error.symbolicCode == "CONDITION_PRESENT")
            guard case .daemon(let controlError) = error else { Issue.record("not a daemon error: \(error)"); return }
            #expect(controlError.code == .conditionPresent)
            #expect(controlError.data["conditions"] == ["HARNESS_OPEN"])
        }
        client.close()
    }

    @Test func anUnknownSymbolicCodeIsKeptAsTheDaemonSentIt() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            let request = peer.receive()
            peer.send(#"{"jsonrpc":"2.0","id":\#(ScriptedServer.Peer.idText(request)),"error":{"code":-32099,"message":"a newer refusal","data":{"code":"SOMETHING_NEW"}}}"#)
            _ = peer.receive()
        }
        defer { server.finish() }
        let client = try ControlClient(socketPath: server.path)
        do {
            try client.request(.status)
            Issue.record("the error response was taken for a result")
        } catch {
            #expect(error.symbolicCode == "SOMETHING_NEW")
            #expect(error.description == "a newer refusal")
        }
        client.close()
    }

    @Test func noAnswerWithinTheTimeoutIsNoReply() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            _ = peer.receive()
            _ = peer.receive()
        }
        defer { server.finish() }
        let client = try ControlClient(socketPath: server.path, replyTimeout: 0.3)
        #expect(throws: ControlClientError.noReply(method: "status", seconds: 0.3)) { try client.request(.status) }
        client.close()
    }

    @Test func aNewerProtocolVersionIsRefused() throws {
        let server = try ScriptedServer { peer in
            peer.send(#"{"jsonrpc":"2.0","method":"hello","params":{"protocol_version":2,"something":"else"}}"#)
            _ = peer.receive()
        }
        defer { server.finish() }
        #expect(throws: ControlClientError.unsupportedProtocol(version: 2)) { _ = try ControlClient(socketPath: server.path) }
    }

    @Test func tooManyClientsInsteadOfHelloIsTheDaemonsError() throws {
        let server = try ScriptedServer { peer in
            peer.send(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32006,"message":"too many clients","data":{"code":"TOO_MANY_CLIENTS","max_clients":128}}}"#)
        }
        defer { server.finish() }
        do {
            _ = try ControlClient(socketPath: server.path)
            Issue.record("connected although the daemon refused")
        } catch {
            #expect(error.symbolicCode == "TOO_MANY_CLIENTS")
        }
    }

    @Test func aDaemonThatHangsUpMidRequestIsConnectionClosed() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            _ = peer.receive()
        }
        defer { server.finish() }
        let client = try ControlClient(socketPath: server.path)
        do {
            try client.request(.status)
            Issue.record("a result from a closed connection")
        } catch {
            #expect(error.symbolicCode == "CONNECTION_CLOSED")
        }
    }

    @Test func requestsCarryDistinctIdsAndObjectParams() throws {
        final class Log: @unchecked Sendable { var requests: [[String: Any]] = [] }
        let log = Log()
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            for _ in 0..<2 {
                guard let request = peer.receive() else { return }
                log.requests.append(request)
                peer.send(#"{"jsonrpc":"2.0","id":\#(ScriptedServer.Peer.idText(request)),"result":{}}"#)
            }
            _ = peer.receive()
        }
        let client = try ControlClient(socketPath: server.path)
        try client.request(.status)
        try client.request(.sessionAdjust, params: ControlJSON.value(AdjustParams(maxForceN: 240)))
        client.close()
        server.finish()
        #expect(log.requests.count == 2)
        #expect(log.requests.first?["jsonrpc"] as? String == "2.0")
        #expect(log.requests.first?["params"] is [String: Any])
        #expect((log.requests.last?["params"] as? [String: Any])?["max_force_n"] as? Double == 240)
        let ids = log.requests.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == 2)
    }

    @Test func theSocketPathComesFromTheOptionThenTheEnvironmentThenTheDefault() {
        #expect(ControlClient.resolveSocketPath("/a.sock", environment: ["TRACTION_SOCKET": "/b.sock"]) == "/a.sock")
        #expect(ControlClient.resolveSocketPath(nil, environment: ["TRACTION_SOCKET": "/b.sock"]) == "/b.sock")
        #expect(ControlClient.resolveSocketPath(nil, environment: [:]) == "/run/tractiond/control.sock")
    }
}

/// tractionctl's text output passes everything the daemon sends through a
/// filter (it escapes what a terminal would obey): results, errors' messages
/// and data, and notifications all go through it before anyone sees them.
@Suite("ControlClient incoming filter")
struct ControlClientFilterTests {
    @Test func everyStringTheDaemonSendsPassesTheFilterFirst() throws {
        let server = try ScriptedServer { peer in
            peer.send(ScriptedServer.hello)
            var request = peer.receive()
            peer.send(#"{"jsonrpc":"2.0","method":"event","params":{"kind":"link_refused","reason":"\u001b[2J0 N"}}"#)
            peer.send(#"{"jsonrpc":"2.0","id":\#(ScriptedServer.Peer.idText(request)),"result":{"program":"\u001b[Hx"}}"#)
            request = peer.receive()
            peer.send(#"{"jsonrpc":"2.0","id":\#(ScriptedServer.Peer.idText(request)),"error":{"code":-32021,"message":"bad \u001b[2J","data":{"code":"PROGRAM_INVALID","diagnostics":["\u001b[31mred"]}}}"#)
            _ = peer.receive()
        }
        defer { server.finish() }
        let marked: (JSONValue) -> JSONValue = { value in Self.mark(value) }
        let client = try ControlClient(socketPath: server.path, incomingFilter: marked)
        let result = try client.request(.status)
        #expect(result["program"] == "<\u{1B}[Hx>")
        #expect(try client.nextNotification(timeout: 1)?.params["reason"] == "<\u{1B}[2J0 N>")
        do {
            _ = try client.request(.sessionPreview)
            Issue.record("the error response was not thrown")
        } catch {
            guard case .daemon(let controlError) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(controlError.code == .programInvalid, "the symbolic code is read before the filter")
            #expect(controlError.message == "<bad \u{1B}[2J>")
            #expect(controlError.data["diagnostics"] == ["<\u{1B}[31mred>"])
        }
    }

    /// Wraps every string with an ESC in angle brackets, so the test sees
    /// which went through (the hello's plain values stay readable).
    static func mark(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text.contains("\u{1B}") ? "<\(text)>" : text)
        case .array(let elements): .array(elements.map(mark))
        case .object(let members): .object(members.mapValues(mark))
        default: value
        }
    }
}
