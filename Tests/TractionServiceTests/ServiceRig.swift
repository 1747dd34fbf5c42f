#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization
import Testing
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionPlatform
import TractionService
import TractionTestSupport

/// Remembers every notification, as a subscriber to every topic would.
final class RecordingSink: NotificationSink {
    var published: [(topic: Topic, method: String, params: JSONValue)] = []
    var telemetry: [JSONValue] = []
    var clientCount: Int { 1 }

    func publish(_ topic: Topic, method: String, params: JSONValue) { published.append((topic, method, params)) }
    func publishTelemetry(tick: UInt64, loopRateHz: Double, params: JSONValue) { telemetry.append(params) }

    func events(_ kind: String) -> [JSONValue] {
        published.filter { $0.method == "event" && $0.params["kind"]?.stringValue == kind }.map(\.params)
    }
}

/// A DaemonService on a real ControlLoopRuntime (its own control thread, no
/// real-time request) driving the simulated table. The test thread plays
/// the socket server's service thread.
final class ServiceRig {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let programs = repository.appendingPathComponent("Config/programs").path
    /// The slowest allowed loop rate (the kernel needs a tick of at most
    /// 4 ms): a loaded test machine (two cores shared with builds) overruns
    /// faster loops without real-time scheduling.
    static let rate = 250.0

    let runtime: ControlLoopRuntime
    let service: DaemonService
    let sink = RecordingSink()
    let stateDirectory: String
    let clinician = ServiceCaller(uid: 1000, pid: 4242, userName: "alice", role: .clinician)

    init(stateDirectory: String? = nil, programDirectories: [String] = [ServiceRig.programs],
         prepare: (inout TablePlant) -> Void = { _ in }, startLoop: Bool = true,
         reload: (() -> Result<ServiceReload, ControlError>)? = nil,
         linkHealth: (any LinkHealthSource)? = nil) throws {
        let directory = stateDirectory ?? Self.temporaryDirectory()
        self.stateDirectory = directory
        let plant = PlantConfiguration(seed: 4, disturbances: .none)
        let link = SimulatedTableLink(configuration: plant, start: MonotonicClock.now())
        let identity = try link.identify()
        _ = try? link.tare(at: MonotonicClock.now())
        prepare(&link.plant)
        let engineConfiguration = EngineConfiguration(rateHertz: ServiceRig.rate).adapted(to: identity)
        runtime = ControlLoopRuntime(engine: Engine(configuration: engineConfiguration, identity: identity), link: link)
        let box = LineBox()
        service = DaemonService(
            runtime: runtime, engineConfiguration: engineConfiguration,
            configuration: DaemonServiceConfiguration(
                programDirectories: programDirectories, stateDirectory: directory, daemonVersion: "test",
                link: LinkInfo(kind: "simulated", seed: 4), loopRateHz: ServiceRig.rate, linkHealth: linkHealth),
            log: Logger(label: "test") { _ in JournalLogHandler { box.append($0) } }, reload: reload)
        self.box = box
        if startLoop { try runtime.start(configuration: ControlLoopConfiguration(rateHertz: ServiceRig.rate, realtime: .none)) }
    }

    private let box: LineBox
    var log: [String] { box.lines }

    deinit { runtime.stop() }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "traction-service-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs the service loop until `condition` holds (or a generous timeout).
    @discardableResult
    func serve(timeout: Double = 20, until condition: () -> Bool) -> Bool {
        waitUntil(timeout: timeout, poll: 0.002) {
            service.serviceTick(sink: sink)
            return condition()
        }
    }

    /// Sends one request as `caller` and serves until it is answered.
    func call(_ method: ControlMethod, _ params: JSONValue? = nil, as caller: ServiceCaller? = nil,
              sourceLocation: SourceLocation = #_sourceLocation) -> Result<JSONValue, ControlError>? {
        var answer: Result<JSONValue, ControlError>?
        var answers = 0
        service.handle(method, params: params, from: caller ?? clinician, sink: sink) {
            answer = $0
            answers += 1
        }
        serve(timeout: 5) { answer != nil }
        #expect(answers <= 1, "respond is called exactly once", sourceLocation: sourceLocation)
        return answer
    }

    func result(_ method: ControlMethod, _ params: JSONValue? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        switch call(method, params, sourceLocation: sourceLocation) {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw ControlError(.timeout, "no answer")
        }
    }

    func error(_ method: ControlMethod, _ params: JSONValue? = nil,
               sourceLocation: SourceLocation = #_sourceLocation) -> ControlError? {
        if case .failure(let error)? = call(method, params, sourceLocation: sourceLocation) { return error }
        return nil
    }

    var state: String? { service.status(clients: 0).state }

    func waitForState(_ wanted: String, timeout: Double = 20) -> Bool {
        serve(timeout: timeout) { service.status(clients: 0).state == wanted }
    }
}

/// The lines the service logged, as the journal would receive them (with
/// their `<N>` priority prefix).
final class LineBox: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func append(_ line: String) { storage.withLock { $0.append(line) } }
}
