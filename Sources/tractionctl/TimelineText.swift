import TractionDevice
import TractionTherapy

/// The human-readable form of `programs show`.
enum TimelineText {
    static func render(_ report: ShowReport, plan: SessionPlan, units: DisplayMassUnit, segments: Bool) -> String {
        var lines: [String] = []
        // What came from the file is escaped: a terminal must show it, never obey it.
        lines.append("Program   \(report.program.visible) (\(report.region)) from \(report.file.visible)")
        if !report.description.isEmpty { lines.append("          \(report.description.visible)") }
        lines.append("Patient   \(DisplayMassUnit.number(report.patient.weightKilograms, decimals: 1)) kg, "
                     + "\(report.patient.region)\(report.patient.firstSession ? ", first session" : "")")
        lines.append("Limit     \(report.effectiveLimit.display), set by the \(report.effectiveLimit.setBy)")
        let caps = plan.effectiveLimit.candidates.map { "\($0.source.description) \(units.format($0.force))" }
        lines.append("          caps: \(caps.joined(separator: "; "))")
        let confirmation = report.confirmation.required
            ? "REQUIRED: planned peak \(units.format(plan.peakForce)) is above \(units.format(plan.confirmationThreshold))"
            : "not needed (planned peak \(units.format(plan.peakForce)), threshold \(units.format(plan.confirmationThreshold)))"
        lines.append("Confirm   \(confirmation)")
        lines.append("")
        lines.append(row(["#", "phase", "mode", "start", "duration", "hold", "rest", "cycles", "angles"]))
        for phase in report.phases {
            let holds = phase.plannedHoldNewtons.map { units.format(Newtons($0)) }
            let holdText = holds.count > 1 ? "\(holds.first!) → \(holds.last!)" : (holds.first ?? "")
            let limited = zip(phase.programmedHoldNewtons, phase.plannedHoldNewtons).contains { $0 > $1 + 1e-9 }
            let rests = phase.plannedRestNewtons.map { units.format(Newtons($0)) }
            let restText = phase.mode == .cyclic || phase.mode == .static ? (rests.first.map { phase.mode == .cyclic ? "trough \($0)" : $0 } ?? "-")
                : (rests.count > 1 ? "\(rests.first!) → \(rests.last!)" : (rests.first ?? "-"))
            let cycles = phase.steps > 1 ? "\(phase.steps)x\(phase.cyclesPerStep)" : "\(phase.cyclesPerStep)"
            lines.append(row([
                "\(phase.number)", phase.name.visible, phase.mode.rawValue,
                SessionClock.minutesAndSeconds(Seconds(phase.startSeconds)), phase.duration,
                holdText + (limited ? " (limited)" : ""), restText, cycles,
                phase.angles.shortDescription + (phase.articulation ? " (articulation)" : ""),
            ]))
            let holdTime = phase.holdSeconds > 0 ? "hold \(SessionClock.minutesAndSeconds(Seconds(phase.holdSeconds)))" : ""
            let restTime = phase.restSeconds > 0 ? "rest \(SessionClock.minutesAndSeconds(Seconds(phase.restSeconds)))" : ""
            lines.append(row(["", "", "", "", "", holdTime, restTime, "",
                              "ramps: up \(phase.rampUp), down \(phase.rampDown)"]))
        }
        lines.append(row(["", "release", "", SessionClock.minutesAndSeconds(Seconds(report.releaseStartSeconds)),
                          SessionClock.minutesAndSeconds(Seconds(report.releaseSeconds)), "→ 0 N", "", "", ""]))
        lines.append("")
        lines.append("Total session time \(report.total)")
        if let limits = report.limits { lines.append(limits.summary) }
        if segments {
            lines.append("")
            lines.append("Segments:")
            for segment in report.segments {
                let phase = segment.phaseIndex.map { "phase \($0 + 1)" } ?? "release"
                let cycle = segment.cycle > 0 ? " cycle \(segment.cycle)" : ""
                let step = segment.step > 0 && (plan.program.program.phases[segment.phaseIndex ?? 0].holdForces.count > 1)
                    ? " step \(segment.step)" : ""
                let angles = segment.startAngles == segment.endAngles ? segment.endAngles.shortDescription
                    : "\(segment.startAngles.shortDescription) → \(segment.endAngles.shortDescription)"
                lines.append("  \(SessionClock.minutesAndSeconds(segment.start))  "
                             + "+\(SessionClock.minutesAndSeconds(segment.duration))  "
                             + "\(segment.activity.rawValue) (\(phase)\(step)\(cycle)): "
                             + "\(units.format(segment.startForce)) → \(units.format(segment.endForce)), \(angles)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static let widths = [3, 20, 14, 8, 10, 30, 22, 8, 0]

    private static func row(_ cells: [String]) -> String {
        var line = ""
        for (cell, width) in zip(cells, widths) {
            line += cell
            if width > 0 { line += String(repeating: " ", count: Swift.max(1, width - cell.count)) }
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }
}
