// libFuzzer entry point for treatment program files (Fuzz/build-target.sh
// FuzzProgram; run by scripts/fuzz.sh and scripts/checks/fuzz-smoke.sh).
//
// The input is a program file's bytes, validated exactly as tractionctl and
// the daemon validate a file (`ProgramValidator.validate(_:limits:)`). Besides
// "never crash, never overread" (ASan), each input checks the contract of
// docs/programs.md; a violation traps and becomes a finding:
//   1. A refused file names at least one mistake, every mistake has a code,
//      a message, this file and a line and column inside the file, and the
//      list is bounded (the first 100 plus a count, plus the ramp and
//      session checks made after parsing).
//   2. The text entry point and the bytes entry point agree (one input in eight).
//   3. A valid program plans for a patient of its region (chosen from the
//      input) without error, and the plan keeps its promises: no target above
//      the effective limit and none below 0 N, a contiguous timeline that ends
//      released at 0 N, angles inside the limits' ranges, a session no longer
//      than the longest allowed; and the planner, advanced through the whole
//      session, never targets more than the limit.

import TractionDevice
import TractionTherapy

private let limits = TherapyLimits.standard
private let maximumListed = ProgramSchema.maximumDiagnostics + 1 + 2 * ProgramSchema.maximumPhases + 1

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProgram(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let source = ProgramSource(path: "fuzz.yaml", bytes: bytes)
    let result = ProgramValidator.validate(source, limits: limits)
    // Lines as YAML counts them: CR, NEL, LS and PS end lines too.
    let lineCount = ProgramSource.lineCount(of: bytes)

    switch result {
    case .failure(let found):
        require(!found.diagnostics.isEmpty, "refused without a mistake")
        require(found.diagnostics.count <= maximumListed, "\(found.diagnostics.count) mistakes listed")
        for diagnostic in found.diagnostics {
            require(!diagnostic.code.rawValue.isEmpty && !diagnostic.message.isEmpty, "\(diagnostic)")
            require(diagnostic.location.file == "fuzz.yaml", "\(diagnostic)")
            require(diagnostic.location.line >= 1 && diagnostic.location.line <= lineCount + 1,
                         "line outside the file: \(diagnostic) (\(lineCount) lines)")
            require(diagnostic.location.column >= 1, "\(diagnostic)")
        }
    case .success(let program):
        checkPlan(program, choice: bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) })
    }

    // The text entry point (the daemon's program_text) says the same of
    // well-formed UTF-8: checked for one input in eight (chosen by the
    // input, so a finding reproduces), as it doubles an input's cost.
    if bytes.reduce(UInt8(0), &+) & 7 == 0, case .success(let text) = source.text() {
        let again = ProgramValidator.validate(text: text, file: "fuzz.yaml", limits: limits)
        switch (result, again) {
        case (.success, .success): break
        case (.failure(let first), .failure(let second)):
            require(first.diagnostics == second.diagnostics,
                    "the two entry points disagree:\n\(first)\n----\n\(second)")
        default:
            fatalError("the two entry points disagree on validity")
        }
    }
    return 0
}

private func checkPlan(_ program: ValidatedProgram, choice: UInt32) {
    let range = limits.patientWeightRange
    let span = range.upperBound.value - range.lowerBound.value
    let weight = Kilograms(range.lowerBound.value + span * Double(choice % 1001) / 1000)
    let patient = PatientParameters(weight: weight, region: program.program.region, firstSession: choice & 0x400 != 0)
    let plan: SessionPlan
    do {
        plan = try SessionPlan(program: program, patient: patient)
    } catch {
        fatalError("a valid program cannot be planned for a patient in range: \(error)")
    }
    let limit = plan.effectiveLimit.force
    let tolerance = Newtons(1e-6)
    require(plan.highestTarget <= limit && plan.peakForce <= limit + tolerance, "peak above the limit")
    require(plan.totalDuration <= limits.maximumSessionDuration + Seconds(1e-6), "session too long")
    let timeline = plan.timeline
    require(!timeline.isEmpty)
    var expectedStart = Seconds.zero
    for segment in timeline {
        require(abs((segment.start - expectedStart).value) < 1e-6, "a gap or overlap in the timeline")
        require(segment.duration >= .zero && segment.duration.value.isFinite)
        for force in [segment.startForce, segment.endForce] {
            require(force.value.isFinite && force >= .zero && force <= limit + tolerance,
                         "a target of \(force.value) N with a limit of \(limit.value) N")
        }
        for angles in [segment.startAngles, segment.endAngles] {
            for axis in AngleAxis.allCases {
                let allowed = limits.range(of: axis)
                let value = angles[axis]
                require(value >= allowed.lowerBound - Degrees(1e-9) && value <= allowed.upperBound + Degrees(1e-9),
                             "\(axis) at \(value.value)°")
            }
        }
        expectedStart = segment.start + segment.duration
    }
    // A session that already stands at 0 N has no release segment to play.
    require(timeline.last?.endForce == .zero,
            "not released at the end: \(timeline.last.map { "\($0.activity) to \($0.endForce.value) N" } ?? "")")

    var state = PlannerState(plan: plan, startingAt: .origin)
    for segment in timeline {
        for instant in [segment.start, segment.start + segment.duration * 0.5] {
            let output = state.advance(to: MonotonicInstant.origin + instant)
            require(output.targetForce.value.isFinite && output.targetForce <= limit + tolerance,
                         "the planner targets \(output.targetForce.value) N with a limit of \(limit.value) N")
        }
    }
    let end = state.advance(to: MonotonicInstant.origin + plan.totalDuration + Seconds(1))
    require(state.isFinished && end.targetForce == .zero, "the planner does not finish released")
}

/// A broken contract: the message is printed even in the release build the
/// fuzzer runs (a precondition's is not), then the process traps.
func require(_ condition: Bool, _ message: @autoclosure () -> String = "") {
    if !condition { fatalError(message()) }
}
