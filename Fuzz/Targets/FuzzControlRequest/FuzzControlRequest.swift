// libFuzzer entry point for the control socket's request path (Fuzz/build-target.sh
// FuzzControlRequest; run by scripts/fuzz.sh and scripts/checks/fuzz-smoke.sh).
//
// An input is what a client writes to the socket. It goes through the same
// code as on the daemon: the line framer, the JSON parser, the JSON-RPC
// envelope, the params decoder and the real `DaemonService` on a real
// `ControlLoopRuntime` with the simulated table. The fuzzer is the service
// thread, and it also runs the control loop's ticks itself, on a virtual
// clock (`tickOnCallersThread`), so that a request the control loop answers
// is answered within the input. What is not driven here: the socket itself
// (accept, peer credentials, the per-connection queues of ControlServer; its
// own methods subscribe, unsubscribe and audit.list are represented by
// their params decoding) and the role check (every request comes from an
// admin); both have their own tests over real sockets.
//
// Besides "never crash, never overread" (ASan), each input checks the
// contract of docs/control-protocol.md; a violation traps and becomes a finding:
//   1. Framing: the lines are the input split at LF (a CR before the LF
//      dropped, empty lines skipped), however the input is chunked.
//   2. JSON: a line that parses and holds no number beyond a double writes
//      back and parses again to the same value.
//   3. Every request with an id is answered exactly once, within a few
//      control-loop ticks, with one JSON line that parses: "jsonrpc" "2.0",
//      the request's id (null for a line that is not a request and has
//      none), exactly one of result and error; an error's code is one of
//      section 8 with its symbolic code, and INVALID_PARAMS names a field.
//   4. After every input a clinician's session.stop succeeds, and the table
//      comes back to ready: no input locks out a stop.

import Foundation
import Logging
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionService

/// The daemon under test: one for the whole run (building a control loop
/// per input would cost more than the input); every input ends with the
/// table stopped and ready, so inputs do not leave sessions to the next.
private final class Daemon {
    static let period = Seconds(0.004)
    let runtime: ControlLoopRuntime
    let service: DaemonService
    let sink = CheckingSink()
    var now: MonotonicInstant
    var tickIndex: UInt64 = 0

    init() {
        let start = MonotonicClock.now()
        now = start
        let plant = PlantConfiguration(seed: 4, disturbances: .none)
        let link = SimulatedTableLink(configuration: plant, start: start)
        guard let identity = try? link.identify() else { fatalError("the simulated table did not identify itself") }
        _ = try? link.tare(at: start)
        let engineConfiguration = EngineConfiguration(rateHertz: 250).adapted(to: identity)
        runtime = ControlLoopRuntime(engine: Engine(configuration: engineConfiguration, identity: identity), link: link)
        let programs = ProcessInfo.processInfo.environment["FUZZ_PROGRAM_DIRECTORY"] ?? "Config/programs"
        service = DaemonService(
            runtime: runtime, engineConfiguration: engineConfiguration,
            configuration: DaemonServiceConfiguration(
                programDirectories: [programs], stateDirectory: nil, daemonVersion: "fuzz",
                link: LinkInfo(kind: "simulated", seed: 4), loopRateHz: 250),
            startedAt: start, log: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
        require(tickUntilReady(atMost: 2_000), "the table never became ready")
    }

    /// One control-loop tick, then one service tick.
    func tick() {
        runtime.tickOnCallersThread(at: now, tickIndex: tickIndex, period: Self.period)
        tickIndex += 1
        now = now + Self.period
        service.serviceTick(sink: sink)
    }

    var state: String { runtime.snapshot.state.description }

    func tickUntilReady(atMost ticks: Int) -> Bool {
        for _ in 0..<ticks {
            if state == "ready" { return true }
            tick()
        }
        return state == "ready"
    }

    /// Hands one request to the service and ticks until it is answered.
    func call(_ method: ControlMethod, params: JSONValue?, as caller: ServiceCaller) -> Result<JSONValue, ControlError> {
        var answers: [Result<JSONValue, ControlError>] = []
        service.handle(method, params: params, from: caller, sink: sink) { answers.append($0) }
        var ticks = 0
        while answers.isEmpty && ticks < 10 {
            tick()
            ticks += 1
        }
        require(answers.count == 1, "\(method.rawValue) answered \(answers.count) times after \(ticks) ticks")
        return answers[0]
    }
}

/// A subscriber to every topic that checks each notification is one JSON
/// line that parses; no telemetry (clientCount 0 skips building it).
private final class CheckingSink: NotificationSink {
    var clientCount: Int { 0 }
    func publish(_ topic: Topic, method: String, params: JSONValue) {
        let line = RPCNotification.encodeLine(method: method, params: params)
        guard case .success(let parsed) = JSONParser.parse(line.dropLast()) else {
            fatalError("a \(method) notification is not JSON: \(String(decoding: line, as: UTF8.self))")
        }
        require(parsed["method"] == .string(method) && parsed["params"]?.objectValue != nil, "\(parsed)")
    }
    func publishTelemetry(tick: UInt64, loopRateHz: Double, params: JSONValue) {}
}

nonisolated(unsafe) private var daemon: Daemon?
private let admin = ServiceCaller(uid: 0, pid: 1, userName: "fuzz", role: .admin)
private let clinician = ServiceCaller(uid: 1000, pid: 2, userName: "clinician", role: .clinician)
/// Lines handled per input: enough for a whole session's worth of requests.
private let linesPerInput = 32

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControlRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if daemon == nil { daemon = Daemon() }
    guard let daemon else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    let lines = framedLines(bytes)
    for line in lines.prefix(linesPerInput) { handle(line, daemon: daemon) }

    // A stop always gets through, and brings the table back to ready.
    switch daemon.call(.sessionStop, params: nil, as: clinician) {
    case .success(let result):
        require(result["was_running"]?.boolValue != nil && result["state"]?.stringValue != nil, "\(result)")
    case .failure(let error):
        fatalError("a clinician's stop was refused: \(error)")
    }
    if !daemon.tickUntilReady(atMost: 3_000) {
        // A fault or an emergency the input caused: acknowledged and reset, as an operator would.
        _ = daemon.call(.alarmsAcknowledge, params: ["all": true], as: clinician)
        _ = daemon.call(.faultsReset, params: nil, as: clinician)
        require(daemon.tickUntilReady(atMost: 3_000), "the table did not come back to ready: \(daemon.state)")
    }
    return 0
}

/// The framer's lines, checked against the input split at LF, fed whole
/// and in two pieces (split where the first byte says).
private func framedLines(_ bytes: [UInt8]) -> [[UInt8]] {
    let maximum = 65_536
    var whole = LineFramer(maximumLineBytes: maximum)
    let outputs = whole.feed(bytes)
    var pieces = LineFramer(maximumLineBytes: maximum)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) * bytes.count / 256
    let chunked = pieces.feed(bytes[..<split]) + pieces.feed(bytes[split...])
    require(outputs == chunked, "chunking changed the lines")

    var expected: [[UInt8]] = []
    var current: [UInt8] = []
    for byte in bytes {
        if byte == 0x0A {
            if current.last == 0x0D { current.removeLast() }
            if !current.isEmpty { expected.append(current) }
            current.removeAll()
        } else {
            current.append(byte)
        }
    }
    let lines = outputs.compactMap { output -> [UInt8]? in
        if case .line(let line) = output { return line }
        return nil
    }
    // Inputs are far below the maximum line, so no line is too long.
    require(!outputs.contains(.tooLong), "a short line was judged too long")
    require(lines == expected, "the framer's lines are not the input split at LF")
    return lines
}

private func handle(_ line: [UInt8], daemon: Daemon) {
    if case .success(let value) = JSONParser.parse(line), !value.holdsANumberBeyondADouble {
        let written = ControlJSON.line(value)
        guard case .success(let again) = JSONParser.parse(written.dropLast()) else {
            fatalError("a JSON value written out does not parse: \(String(decoding: written, as: UTF8.self))")
        }
        require(again == value, "a JSON value changed when written and read again")
    }

    let request: RPCRequest
    switch RPCRequest.parse(line: line) {
    case .failure(let error):
        require(error.code == .parseError || error.code == .invalidRequest, "\(error)")
        let id = error.code == .parseError ? nil : RPCRequest.recoverID(line: line)
        checkResponse(RPCResponse.encodeLine(id: id, error: error), id: id)
        return
    case .success(let parsed):
        request = parsed
    }
    let outcome: Result<JSONValue, ControlError>
    switch ControlMethod(rawValue: request.method) {
    case nil:
        outcome = .failure(ControlError(.methodNotFound, "there is no method", data: ["method": .string(request.method)]))
    case .subscribe?:
        outcome = decoded(request.params, as: SubscribeParams.self)
    case .unsubscribe?:
        outcome = decoded(request.params, as: UnsubscribeParams.self)
    case .auditList?:
        outcome = decoded(request.params, as: AuditParams.self)
    case let method?:
        outcome = daemon.call(method, params: request.params, as: admin)
    }
    // A notification (no id) is carried out and not answered; the answer
    // is still checked as if it had one.
    let line: [UInt8]
    switch outcome {
    case .success(let result): line = RPCResponse.encodeLine(id: request.id, result: result)
    case .failure(let error): line = RPCResponse.encodeLine(id: request.id, error: error)
    }
    checkResponse(line, id: request.id)
}

/// The params decoding of the methods the socket server answers itself.
private func decoded<Params: ControlParams>(_ params: JSONValue?, as type: Params.Type) -> Result<JSONValue, ControlError> {
    do {
        _ = try ControlJSON.decodeParams(params, as: type)
        return .success(.object([:]))
    } catch {
        require(error.code == .invalidParams, "\(error)")
        return .failure(error)
    }
}

private let knownCodes = Dictionary(uniqueKeysWithValues: ControlErrorCode.allCases.map { ($0.rawValue, $0.rpcCode) })

private func checkResponse(_ line: [UInt8], id: RPCID?) {
    require(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A }, "a response is not one line")
    guard case .success(let response) = JSONParser.parse(line.dropLast()), let members = response.objectValue else {
        fatalError("a response is not a JSON object: \(String(decoding: line, as: UTF8.self))")
    }
    require(members["jsonrpc"] == .string("2.0"), "jsonrpc")
    require(members["id"] == (id?.json ?? .null), "the response's id \(String(describing: members["id"])) is not \(String(describing: id))")
    require((members["result"] == nil) != (members["error"] == nil), "not exactly one of result and error")
    if let error = members["error"] {
        guard let symbol = error["data"]?["code"]?.stringValue, let rpcCode = knownCodes[symbol] else {
            fatalError("an error without a known symbolic code: \(error)")
        }
        require(error["code"] == .number(Double(rpcCode)), "error.code \(String(describing: error["code"])) for \(symbol)")
        require(error["message"]?.stringValue?.isEmpty == false, "an error without a message")
        if symbol == ControlErrorCode.invalidParams.rawValue {
            require(error["data"]?["field"]?.stringValue != nil, "INVALID_PARAMS without data.field: \(error)")
        }
    }
}

extension JSONValue {
    /// A number ±infinity: valid JSON (1e400) that no double holds; it is
    /// written back as null, so it cannot round-trip.
    var holdsANumberBeyondADouble: Bool {
        switch self {
        case .number(let number): !number.isFinite
        case .array(let elements): elements.contains { $0.holdsANumberBeyondADouble }
        case .object(let members): members.values.contains { $0.holdsANumberBeyondADouble }
        default: false
        }
    }
}

/// A broken contract: the message is printed even in the release build the
/// fuzzer runs (a precondition's is not), then the process traps.
func require(_ condition: Bool, _ message: @autoclosure () -> String = "") {
    if !condition { fatalError(message()) }
}
