#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import TractionSimulation

/// The replay line a trap prints: written by the signal handler with
/// write(2), which is all a handler may call.
nonisolated(unsafe) private var trapLine = [UInt8](repeating: 0, count: 256)
nonisolated(unsafe) private var trapLineLength = 0

private func armTrapReport(seed: UInt64) {
    let text = Array("\ntraction-sim: the daemon trapped; replay: \(Simulation.replayCommand(seed: seed))\n".utf8)
    let count = min(text.count, trapLine.count)
    for index in 0..<count { trapLine[index] = text[index] }
    trapLineLength = count
}

private func installTrapHandler() {
    for signalNumber in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
        signal(signalNumber) { number in
            trapLine.withUnsafeBufferPointer { buffer in _ = write(2, buffer.baseAddress, trapLineLength) }
            signal(number, SIG_DFL)
            raise(number)
        }
    }
}

@main
struct TractionSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traction-sim",
        abstract: "The deterministic simulation of the whole daemon (docs/simulation.md).",
        subcommands: [Run.self, Replay.self, Shrink.self], defaultSubcommand: Run.self)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs seeded sessions and reports every broken invariant.")
    @Option(help: "The first seed.") var first: UInt64 = 1
    @Option(help: "How many seeds.") var count: Int = 10_000
    @Option(help: "Worker threads (one session each at a time).") var jobs: Int = 2
    @Flag(help: "Shrink each failing seed.") var shrink = false

    func run() throws {
        installTrapHandler()
        let seeds = (0..<count).map { first + UInt64($0) }
        if jobs == 1 {
            // One thread: a trap names its seed.
            var report = BatchReport()
            let start = Date()
            for seed in seeds {
                armTrapReport(seed: seed)
                let single = SimulationBatch.run(seeds: [seed], workers: 1)
                report.merge(single)
            }
            report.wallSeconds = Date().timeIntervalSince(start)
            try finish(report)
        } else {
            try finish(SimulationBatch.run(seeds: seeds, workers: jobs))
        }
    }

    func finish(_ report: BatchReport) throws {
        print(report.summary)
        let known = report.failures.filter { RegressionSeeds.isKnownFailing($0.seed) }
        let new = report.failures.filter { !RegressionSeeds.isKnownFailing($0.seed) }
        for failure in known {
            print("known failing seed \(failure.seed): \(failure.violation)")
        }
        for failure in new {
            print("FAIL seed \(failure.seed): \(failure.violation)")
            print("    replay: \(Simulation.replayCommand(seed: failure.seed))")
            if shrink, let outcome = Shrinker.shrink(seed: failure.seed, stateDirectory: SimulationPaths.stateDirectory(worker: 99)) {
                print("    shrunk (\(outcome.runs) runs): \(outcome.replayCommand)")
            }
        }
        if !new.isEmpty { throw ExitCode(1) }
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replays one seed and prints its scenario and findings.")
    @Argument(help: "The seed.") var seed: UInt64
    @Option(help: "Keep only these events (indices, comma-separated, or none).") var keep: String?
    @Option(help: "Stop the scenario after this many seconds.") var duration: Double?
    @Flag(help: "Print every request's answer and every state change.") var verbose = false
    @Option(help: "With --verbose, also the forces every this many seconds.") var sample: Double?

    func run() throws {
        installTrapHandler()
        armTrapReport(seed: seed)
        let kept: [Int]? = keep.map { $0 == "none" ? [] : $0.split(separator: ",").compactMap { Int($0) } }
        let scenario = Simulation.scenario(seed: seed, keep: kept, duration: duration)
        print(scenario.summary)
        let directory = SimulationPaths.stateDirectory(worker: 0)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = Simulation.run(scenario, stateDirectory: directory, samplingInterval: sample ?? 0)
        print("\(result.ticks) ticks, \(SimulationText.number(result.simulatedSeconds)) s simulated, "
              + "\(result.requests) requests, \(result.restarts) restarts, \(result.checks) checks")
        if verbose { for line in result.trace { print("  " + line) } }
        for violation in result.violations { print("VIOLATION \(violation)") }
        if !result.violations.isEmpty { throw ExitCode(1) }
    }
}

struct Shrink: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reduces a failing seed to a minimal scenario.")
    @Argument(help: "The seed.") var seed: UInt64

    func run() throws {
        installTrapHandler()
        armTrapReport(seed: seed)
        let directory = SimulationPaths.stateDirectory(worker: 0)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let outcome = Shrinker.shrink(seed: seed, stateDirectory: directory) else {
            print("seed \(seed) breaks no invariant")
            return
        }
        print(Simulation.scenario(seed: seed, keep: outcome.keep, duration: outcome.duration).summary)
        print("still breaks: \(outcome.violation)")
        print("after \(outcome.runs) runs; replay: \(outcome.replayCommand)")
    }
}
