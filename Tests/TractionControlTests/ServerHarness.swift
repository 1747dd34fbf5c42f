import Foundation
import Synchronization
import Testing
@testable import TractionControl
import TractionControlProtocol
import TractionDevice

#if canImport(Glibc)
import Glibc
import TractionTestSupport
#endif

/// A value shared between threads (Atomic and Mutex cannot be captured by escaping closures).
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value {
        get { mutex.withLock { $0 } }
    }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
    func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }
}

/// What the test thread and the server's service thread share.
final class HarnessState: Sendable {
    let loopRateHz: Double
    /// While true, requests that wait for the control loop stay unanswered.
    let holdControlLoop = Atomic<Bool>(false)
    /// Answers for methods instead of the default `{"method": NAME}`.
    let failures = Mutex<[ControlMethod: ControlError]>([:])
    /// Work for the service thread, run in its next `serviceTick`.
    let commands = Mutex<[@Sendable (ControlServer) -> Void]>([])
    /// Run on every `serviceTick` (a steady publisher), until replaced.
    let everyTick = Mutex<(@Sendable (ControlServer, UInt64) -> Void)?>(nil)
    let handled = Mutex<[(ControlMethod, PeerIdentity)]>([])
    let logs = Mutex<[String]>([])
    let clientCount = Atomic<Int>(0)

    init(loopRateHz: Double) { self.loopRateHz = loopRateHz }

    func onServiceThread(_ command: @escaping @Sendable (ControlServer) -> Void) {
        commands.withLock { $0.append(command) }
    }

    /// Runs `command` in the next service tick and returns once it has run.
    func onServiceThreadAndWait(_ command: @escaping @Sendable (ControlServer) -> Void) {
        let done = DispatchSemaphore(value: 0)
        onServiceThread { server in
            command(server)
            done.signal()
        }
        done.wait()
    }

    func logged(containing text: String) -> [String] {
        logs.withLock { $0.filter { $0.contains(text) } }
    }
}

/// Answers what the server hands on: most methods at once with
/// `{"method": NAME}`; those that wait for the control loop in the next
/// service tick (unless held), as the daemon's control loop would.
final class ScriptedHandler: ControlRequestHandler {
    let state: HarnessState
    private var waiting: [(ControlMethod, (Result<JSONValue, ControlError>) -> Void)] = []
    private var tick: UInt64 = 0

    init(state: HarnessState) { self.state = state }

    func handle(_ method: ControlMethod, params: JSONValue?, from peer: PeerIdentity,
                respond: @escaping (Result<JSONValue, ControlError>) -> Void) {
        state.handled.withLock { $0.append((method, peer)) }
        if method.waitsForControlLoop {
            waiting.append((method, respond))
        } else {
            respond(outcome(for: method))
        }
    }

    func hello(for peer: PeerIdentity) -> Hello {
        Hello(daemonVersion: "0.0.0-test", table: TableSummary(serial: "SIM-0001", simulated: true), role: nil,
              uid: 0, pid: 0, maxMessageBytes: 0, loopRateHz: state.loopRateHz)
    }

    func serviceTick(server: ControlServer) {
        tick += 1
        let commands = state.commands.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        for command in commands { command(server) }
        if let steady = state.everyTick.withLock({ $0 }) { steady(server, tick) }
        if !state.holdControlLoop.load(ordering: .acquiring), !waiting.isEmpty {
            let answering = waiting
            waiting.removeAll()
            for (method, respond) in answering { respond(outcome(for: method)) }
        }
        state.clientCount.store(server.clientCount, ordering: .releasing)
    }

    private func outcome(for method: ControlMethod) -> Result<JSONValue, ControlError> {
        if let failure = state.failures.withLock({ $0[method] }) { return .failure(failure) }
        return .success(.object(["method": .string(method.rawValue)]))
    }
}

/// A temporary directory under /tmp (short enough for `sun_path`), removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/tractl.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
        // Other users (the tests' setpriv clients) must reach the socket directory inside.
        chmod(path, 0o755)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A ControlServer running `run(until:)` on its own thread with a ScriptedHandler.
final class RunningServer: Sendable {
    let directory: TemporaryDirectory
    let socketPath: String
    let state: HarnessState
    private let stopRequested = Shared(false)
    private let stopped = DispatchSemaphore(value: 0)

    /// `socketGroup` nil and short timeouts unless `configure` says otherwise.
    init(loopRateHz: Double = 250, groupDatabase: any GroupDatabase = SystemGroupDatabase(),
         configure: (inout ControlServerConfiguration) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.path + "/run/control.sock"
        var configuration = ControlServerConfiguration(socketPath: socketPath, socketGroup: nil,
                                                       incompleteLineTimeout: 0.3, slowClientGrace: 5)
        configure(&configuration)
        let state = HarnessState(loopRateHz: loopRateHz)
        self.state = state
        let startup = Mutex<ControlServerError?>(nil)
        let started = DispatchSemaphore(value: 0)
        let finalConfiguration = configuration
        let stopRequested = self.stopRequested
        let stopped = self.stopped
        let thread = Thread {
            let server: ControlServer
            do throws(ControlServerError) {
                server = try ControlServer(configuration: finalConfiguration, handler: ScriptedHandler(state: state),
                                           groupDatabase: groupDatabase)
            } catch {
                startup.withLock { $0 = error }
                started.signal()
                stopped.signal()
                return
            }
            server.logSink = { _, line in state.logs.withLock { $0.append(line) } }
            started.signal()
            server.run { stopRequested.value }
            server.close()
            stopped.signal()
        }
        thread.name = "control-service"
        thread.start()
        started.wait()
        if let error = startup.withLock({ $0 }) {
            stopped.wait()
            directory.remove()
            throw error
        }
    }

    func connect() throws -> TestClient { try TestClient(path: socketPath) }

    func stop() {
        stopRequested.set(true)
        stopped.wait()
        directory.remove()
    }

    /// Waits (up to `timeout`, to avoid hanging) until `condition` holds.
    func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        TractionTestSupport.waitUntil(timeout: timeout, poll: 0.002, condition)
    }
}

enum ClientError: Error, CustomStringConvertible {
    case system(String, Int32)
    case timedOut
    case notJSON(String)
    case closedBeforeAnswer(Int)

    var description: String {
        switch self {
        case let .system(call, code): "\(call): \(String(cString: strerror(code)))"
        case .timedOut: "no data within the client's timeout"
        case let .notJSON(text): "not JSON: \(text)"
        case let .closedBeforeAnswer(id): "connection closed before the answer to \(id)"
        }
    }
}

/// A blocking client with a receive timeout (a hung test fails instead of hanging).
final class TestClient: @unchecked Sendable {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(path: String, timeout: Int = 15) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError.system("socket", errno) }
        var address = SocketFiles.unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw ClientError.system("connect", code)
        }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(descriptor) }

    func send(_ text: String) throws { try sendBytes(Array(text.utf8)) }

    func sendBytes(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ClientError.system("send", errno)
            }
            offset += written
        }
    }

    func request(_ method: String, id: Int, params: JSONValue? = nil) throws {
        try sendBytes(RPCRequest(id: .number(Double(id)), method: method, params: params).encodeLine())
    }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// The next line without its LF; nil once the server closed the connection.
    func readLine() throws -> [UInt8]? {
        while true {
            if let end = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                return nil
            } else if errno == EINTR {
                continue
            } else if errno == ECONNRESET {
                // The server closed with our unread bytes in its buffer: also a close.
                return nil
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                throw ClientError.timedOut
            } else {
                throw ClientError.system("recv", errno)
            }
        }
    }

    func readMessage() throws -> JSONValue? {
        guard let line = try readLine() else { return nil }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(line))
        } catch {
            throw ClientError.notJSON(String(decoding: line, as: UTF8.self))
        }
    }

    /// Reads past notifications to the response with this id.
    func response(id: Int) throws -> JSONValue {
        while let message = try readMessage() {
            if message["id"] == .number(Double(id)) { return message }
        }
        throw ClientError.closedBeforeAnswer(id)
    }

    func call(_ method: String, id: Int, params: JSONValue? = nil) throws -> JSONValue {
        try request(method, id: id, params: params)
        return try response(id: id)
    }

    /// Every message until the server closes the connection.
    func readUntilClosed() throws -> [JSONValue] {
        var messages: [JSONValue] = []
        while let message = try readMessage() { messages.append(message) }
        return messages
    }
}

extension JSONValue {
    /// `error.data.code` of a response, nil for a result.
    var errorCode: String? { self["error"]?["data"]?["code"]?.stringValue }
    var errorData: JSONValue? { self["error"]?["data"] }
}
