// traction-enginebench: the engine's speed and tracking goals, each figure
// printed beside its goal (engine issue, "Benchmarks"):
//   - replay speed: a 30-minute program replayed in <= 1 s;
//   - force tracking on every shipped program, disturbances included:
//     hold-phase RMS error <= 1 % of target, overshoot <= 2 % or <= 5 N.
// Allocation counts per tick are measured separately by Benchmarks/ (malloc
// interposer). Exit status 0 when every goal is met.
//
// Usage: traction-enginebench [--seeds N] [PACKAGE_ROOT]

import Foundation
import TractionDevice
import TractionEngine
import TractionPlant
import TractionPlatform
import TractionReplay
import TractionTherapy

let arguments = Array(CommandLine.arguments.dropFirst())
var seedCount = 3
var root = FileManager.default.currentDirectoryPath
var index = 0
while index < arguments.count {
    if arguments[index] == "--seeds", index + 1 < arguments.count {
        seedCount = Int(arguments[index + 1]) ?? seedCount
        index += 2
    } else {
        root = arguments[index]
        index += 1
    }
}

let engineConfiguration = EngineConfiguration().adapted(to: PlantConfiguration().identity)

func plan(_ path: String, weight: Double? = nil) throws -> SessionPlan {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let program = try ProgramValidator.validate(text: text, file: path, limits: engineConfiguration.therapyLimits).get()
    let patientWeight = weight ?? (program.program.region == .cervical ? 70 : 80)
    return try SessionPlan(program: program, patient: PatientParameters(weight: Kilograms(patientWeight),
                                                                         region: program.program.region))
}

func request(_ plan: SessionPlan, seed: UInt64) -> ReplayRequest {
    ReplayRequest(plan: plan, seed: seed, engine: engineConfiguration, plant: PlantConfiguration(
        seed: seed, patient: SimulatedPatient(bodyMass: plan.patient.weight, region: plan.patient.region)))
}

var allMet = true

// Replay speed.
let longPlan = try plan("\(root)/Benchmarks/Fixtures/thirty-minute-intermittent.yaml")
var durations: [Double] = []
for run in 0..<5 {
    let start = MonotonicClock.now()
    let result = ReplayRunner.run(request(longPlan, seed: UInt64(run + 1)))
    durations.append((MonotonicClock.now() - start).value)
    precondition(result.report.sessionEnd == "completed", "the benchmark replay must complete")
}
durations.sort()
let median = durations[durations.count / 2]
let speedMet = median <= 1.0
allMet = allMet && speedMet
print("replay speed: \(String(format: "%.1f", longPlan.totalDuration.value / 60)) min program at 250 Hz, "
    + "median \(String(format: "%.3f", median)) s (min \(String(format: "%.3f", durations[0])) s) over 5 runs; "
    + "goal <= 1 s: \(speedMet ? "MET" : "NOT MET")")

// Force tracking on every shipped program.
let programs = try FileManager.default.contentsOfDirectory(atPath: "\(root)/Config/programs")
    .filter { $0.hasSuffix(".yaml") }.sorted()
print("force tracking, disturbances on, seeds 1-\(seedCount) (worst over seeds and phases):")
print("  program                              RMS error   overshoot        goal")
for file in programs {
    let shipped = try plan("\(root)/Config/programs/\(file)")
    var worstRMSPercent = 0.0
    var worstOvershoot = 0.0
    var worstOvershootPercent = 0.0
    var met = true
    var hasHolds = false
    for seed in 1...UInt64(seedCount) {
        let report = ReplayRunner.run(request(shipped, seed: seed)).report
        met = met && report.sessionEnd == "completed" && report.meetsTrackingGoals
        for phase in report.phases {
            if phase.holdRmsErrorPercent != nil { hasHolds = true }
            worstRMSPercent = max(worstRMSPercent, phase.holdRmsErrorPercent ?? 0)
            if (phase.overshootNewtons ?? 0) > worstOvershoot {
                worstOvershoot = phase.overshootNewtons ?? 0
                worstOvershootPercent = phase.overshootPercent ?? 0
            }
        }
    }
    allMet = allMet && met
    let name = file.padding(toLength: 36, withPad: " ", startingAt: 0)
    guard hasHolds else {
        print("  \(name) no hold phase (cyclic): completed \(met ? "yes" : "NO"), goal not applicable")
        continue
    }
    print("  \(name) \(String(format: "%5.2f", worstRMSPercent)) %     "
        + "\(String(format: "%4.1f", worstOvershoot)) N (\(String(format: "%.1f", worstOvershootPercent)) %)   "
        + "RMS <= 1 %, overshoot <= 2 % or 5 N: \(met ? "MET" : "NOT MET")")
}
exit(allMet ? 0 : 1)
