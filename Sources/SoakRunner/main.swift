import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import TractionDevice
import TractionEngine
import TractionPlant
import TractionPlatform
import TractionReplay
import TractionTherapy

/// `traction-soak`: the safety sweeps of `make test` over their full grids
/// (`make soak`). Every shipped program, patients from 40 to 150 kg, the
/// issue's whole fault space, both cores. Prints each sweep's figures and
/// its throughput, every violation with the replay command that reproduces
/// it, and exits 1 when a bound broke.
@main
struct SoakRunner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traction-soak",
        abstract: "Run the safety sweeps over their full grids (make soak).")

    @Option(help: "Directory of the programs to sweep.")
    var programs = "Config/programs"

    @Option(help: "Sweeps to run, comma-separated: sensor, link, pause, peaks.")
    var sweeps = "sensor,link,pause,peaks"

    @Option(help: "Patient weights in kg, comma-separated.")
    var weights = "40,50,60,70,80,90,100,110,120,130,140,150"

    @Option(help: "Seeds of the simulated patient for the sweep without faults, comma-separated.")
    var seeds = "1,2,3,4,5,6,7,8,9,10"

    @Flag(help: "A short run: three weights, two seeds (a check of the soak itself).")
    var quick = false

    mutating func run() throws {
        let selected = Set(sweeps.split(separator: ",").map { String($0) })
        var weightList = try Self.numbers(weights, "--weights")
        var seedList = try Self.numbers(seeds, "--seeds").map { UInt64($0) }
        if quick {
            weightList = [40, 80, 150]
            seedList = [1, 2]
        }
        let plans = try Self.loadPrograms(programs)
        print("traction-soak: \(plans.count) programs, weights \(weightList.map { Int($0) }) kg, seeds \(seedList)")
        var failed = false
        func sessions(weights: [Double], seeds: [UInt64], calm: Bool = false) throws -> [SweepSession] {
            var list: [SweepSession] = []
            for (path, program) in plans {
                for weight in weights {
                    for seed in seeds {
                        let patient = PatientParameters(weight: Kilograms(weight), region: program.program.region)
                        list.append(SweepSession(programPath: path, plan: try SessionPlan(program: program, patient: patient),
                                                 seed: seed, calm: calm))
                    }
                }
            }
            return list
        }
        if selected.contains("sensor") {
            failed = Self.report(try Self.parallel(sessions(weights: weightList, seeds: [1])) {
                SafetySweeps.sensorFaults([$0], grid: .full)
            }) || failed
        }
        if selected.contains("link") {
            failed = Self.report(try Self.parallel(sessions(weights: weightList, seeds: [1], calm: true)) {
                SafetySweeps.linkFaults([$0], grid: .full)
            }) || failed
        }
        if selected.contains("pause") {
            failed = Self.report(try Self.parallel(sessions(weights: weightList, seeds: [1], calm: true)) {
                SafetySweeps.pauseAndResume([$0], grid: .full, fractions: [0.3, 0.8])
            }) || failed
        }
        if selected.contains("peaks") {
            failed = Self.report(try Self.parallel(sessions(weights: weightList, seeds: seedList)) {
                SafetySweeps.peaksWithoutFaults([$0])
            }) || failed
        }
        if failed { throw ExitCode(1) }
    }

    /// Runs `sweep` on every session, on every core, and merges the findings.
    static func parallel(_ sessions: [SweepSession], _ sweep: @Sendable @escaping (SweepSession) -> SweepFindings)
        -> (SweepFindings, Double) {
        let start = MonotonicClock.now()
        let results = Mutex<[SweepFindings]>([])
        DispatchQueue.concurrentPerform(iterations: sessions.count) { index in
            let findings = sweep(sessions[index])
            results.withLock { $0.append(findings) }
        }
        var merged = SweepFindings(name: "", hazards: "")
        for findings in results.withLock({ $0 }) {
            if merged.name.isEmpty {
                merged = SweepFindings(name: findings.name, hazards: findings.hazards)
            }
            merged.merge(findings)
        }
        let seconds = (MonotonicClock.now() - start).value
        return (merged, seconds)
    }

    /// Prints the findings; true when a bound broke.
    static func report(_ result: (SweepFindings, Double)) -> Bool {
        let (findings, seconds) = result
        print(findings.summary)
        print(String(format: "  %.0f s wall, %.1f branches per second", seconds, Double(findings.runs) / max(seconds, 1e-9)))
        for violation in findings.violations.prefix(50) { print("  VIOLATION \(violation)") }
        if findings.violations.count > 50 { print("  ... and \(findings.violations.count - 50) more") }
        return !findings.violations.isEmpty
    }

    static func numbers(_ text: String, _ option: String) throws -> [Double] {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 && $0! <= 1000 }) else {
            throw ValidationError("\(option): a comma-separated list of numbers from 0 to 1000")
        }
        return values.map { $0! }
    }

    /// The programs of `directory`, validated against the limits of the
    /// simulated table, as `tractionctl replay` does.
    static func loadPrograms(_ directory: String) throws -> [(String, ValidatedProgram)] {
        let limits = EngineConfiguration().adapted(to: PlantConfiguration().identity).therapyLimits
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        guard !names.isEmpty else { throw ValidationError("\(directory) holds no .yaml program") }
        return try names.map { name in
            let path = directory + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            switch ProgramValidator.validate(text: text, file: path, limits: limits) {
            case .success(let program): return (path, program)
            case .failure(let diagnostics):
                throw ValidationError("\(path): \(diagnostics.diagnostics.map(\.description).joined(separator: "; "))")
            }
        }
    }
}
