import Foundation
import Synchronization
import TractionDaemon
import TractionDevice

/// Where the simulator finds the shipped programs and keeps its state directories.
public enum SimulationPaths {
    /// Config/programs of this checkout (TRACTION_SIM_PROGRAMS overrides it).
    public static var programDirectory: String {
        if let configured = ProcessInfo.processInfo.environment["TRACTION_SIM_PROGRAMS"] { return configured }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Config/programs").path
    }

    /// A fresh state directory for one worker, on tmpfs when there is one
    /// (a marker is written about once a simulated second).
    public static func stateDirectory(worker: Int) -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/traction-sim-\(getpid())-\(worker)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func clear(_ directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }
}

/// Runs one scenario in a state directory of its own.
public enum Simulation {
    public static func run(_ scenario: Scenario, stateDirectory: String,
                           programDirectory: String = SimulationPaths.programDirectory,
                           samplingInterval: Double = 0) -> SessionResult {
        SimulationPaths.clear(stateDirectory)
        let simulator = SessionSimulator(scenario: scenario, stateDirectory: stateDirectory, programDirectory: programDirectory)
        simulator.samplingInterval = samplingInterval
        return simulator.run()
    }

    /// The seed's scenario, with only the events at `keep` (indices into
    /// the generated list) and the duration `duration`, when given: how a
    /// shrunk scenario is replayed.
    public static func scenario(seed: UInt64, keep: [Int]? = nil, duration: Double? = nil) -> Scenario {
        var scenario = ScenarioGenerator.scenario(seed: seed)
        if let keep {
            let all = scenario.events
            scenario.events = keep.filter { all.indices.contains($0) }.map { all[$0] }
        }
        if let duration { scenario.duration = duration }
        return scenario
    }

    /// The one command that replays a seed.
    public static func replayCommand(seed: UInt64, keep: [Int]? = nil, duration: Double? = nil) -> String {
        var words = [".build/release/traction-sim", "replay", "\(seed)"]
        if let keep { words += ["--keep", keep.isEmpty ? "none" : keep.map(String.init).joined(separator: ",")] }
        if let duration { words += ["--duration", SimulationText.number(duration)] }
        return words.joined(separator: " ")
    }
}

/// What a batch of seeds found.
public struct BatchReport: Sendable {
    public var sessions = 0
    public var checks = 0
    public var simulatedSeconds = 0.0
    public var ticks = 0
    public var requests = 0
    public var restarts = 0
    public var wallSeconds = 0.0
    /// Failing seeds with their first violation.
    public var failures: [(seed: UInt64, violation: Violation)] = []

    public init() {}

    public mutating func merge(_ other: BatchReport) {
        sessions += other.sessions
        checks += other.checks
        simulatedSeconds += other.simulatedSeconds
        ticks += other.ticks
        requests += other.requests
        restarts += other.restarts
        failures += other.failures
    }

    mutating func add(_ result: SessionResult) {
        sessions += 1
        checks += result.checks
        simulatedSeconds += result.simulatedSeconds
        ticks += result.ticks
        requests += result.requests
        restarts += result.restarts
        if let first = result.violations.first { failures.append((result.seed, first)) }
    }

    public var sessionsPerSecond: Double { Double(sessions) / max(wallSeconds, 1e-9) }
    public var simulatedHoursPerWallSecond: Double { simulatedSeconds / 3600 / max(wallSeconds, 1e-9) }

    public var summary: String {
        "simulated \(sessions) sessions (\(SimulationText.number(simulatedSeconds / 3600)) h of daemon time, "
            + "\(ticks) control ticks, \(requests) requests, \(restarts) kill -9 restarts), \(checks) invariant checks, "
            + "\(failures.count) failing seeds; \(SimulationText.number(wallSeconds)) s wall, "
            + "\(SimulationText.number(sessionsPerSecond)) sessions/s, "
            + "\(SimulationText.number(simulatedHoursPerWallSecond)) simulated h per wall s"
    }
}

public enum SimulationBatch {
    /// Runs `seeds` on `workers` threads (each session is single-threaded
    /// and owns everything it touches). `progress` is called per finished
    /// session from the worker that ran it.
    public static func run(seeds: [UInt64], workers: Int,
                           progress: (@Sendable (SessionResult) -> Void)? = nil) -> BatchReport {
        let start = MonotonicClock.now()
        let next = Atomic<Int>(0)
        let report = Mutex(BatchReport())
        let programs = SimulationPaths.programDirectory
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { worker in
            let directory = SimulationPaths.stateDirectory(worker: worker)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < seeds.count else { break }
                let result = Simulation.run(ScenarioGenerator.scenario(seed: seeds[index]), stateDirectory: directory,
                                            programDirectory: programs)
                report.withLock { $0.add(result) }
                progress?(result)
            }
        }
        var finished = report.withLock { $0 }
        finished.failures.sort { $0.seed < $1.seed }
        finished.wallSeconds = (MonotonicClock.now() - start).value
        return finished
    }
}

/// Reduces a failing scenario to the fewest events and the shortest run
/// that still break the same invariant.
public enum Shrinker {
    public struct Outcome: Sendable {
        public var seed: UInt64
        public var invariant: Invariant
        /// Indices into the generated event list that are kept.
        public var keep: [Int]
        public var duration: Double
        public var runs: Int
        public var violation: Violation

        public var replayCommand: String { Simulation.replayCommand(seed: seed, keep: keep, duration: duration) }
    }

    public static func shrink(seed: UInt64, stateDirectory: String, maximumRuns: Int = 200) -> Outcome? {
        shrink(ScenarioGenerator.scenario(seed: seed), stateDirectory: stateDirectory, maximumRuns: maximumRuns)
    }

    /// `keep` of the outcome indexes `original.events`.
    public static func shrink(_ original: Scenario, stateDirectory: String, maximumRuns: Int = 200) -> Outcome? {
        let seed = original.seed
        guard let first = Simulation.run(original, stateDirectory: stateDirectory).violations.first else { return nil }
        var keep = Array(original.events.indices)
        var duration = original.duration
        var violation = first
        var runs = 1
        func stillFails(_ candidate: [Int], _ length: Double) -> Violation? {
            runs += 1
            var scenario = original
            scenario.events = candidate.map { original.events[$0] }
            scenario.duration = length
            let result = Simulation.run(scenario, stateDirectory: stateDirectory)
            return result.violations.first { $0.invariant == first.invariant }
        }
        // Drop events one at a time, latest first, until none can go.
        var changed = true
        while changed, runs < maximumRuns {
            changed = false
            for position in keep.indices.reversed() where runs < maximumRuns {
                var candidate = keep
                candidate.remove(at: position)
                if let found = stillFails(candidate, duration) {
                    keep = candidate
                    violation = found
                    changed = true
                }
            }
        }
        // Then end the run as early as it still fails.
        let lastEvent = keep.map { original.events[$0].at + original.events[$0].kind.duration }.max() ?? 0
        var shortest = max(violation.at + 0.5, lastEvent + 0.1)
        while shortest < duration, runs < maximumRuns {
            if let found = stillFails(keep, shortest) {
                duration = shortest
                violation = found
                break
            }
            shortest = min(duration, shortest * 1.5 + 0.5)
        }
        return Outcome(seed: seed, invariant: first.invariant, keep: keep, duration: duration, runs: runs,
                       violation: violation)
    }
}
