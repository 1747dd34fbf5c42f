import TractionControlProtocol

/// The full-screen view of `watch` and its one-line form for pipes. Pure:
/// the model and the terminal size in, lines of text out.
enum WatchScreen {
    static func render(_ model: WatchModel, columns: Int, rows: Int, windowSeconds: Double, style: Style) -> [String] {
        var lines: [String] = []
        lines.append(style.bold("tractiond") + " · \(model.tableSummary) · you are \(model.role)")
        var state = "State   " + style.state(model.state)
        if let activity = model.activity { state += "   \(Units.words(activity))" }
        if let phase = model.phase { state += ", phase \(phase)" + (model.phases.map { " of \($0)" } ?? "") }
        if let left = model.timeLeftS {
            state += "   time left \(Units.clock(left))" + (model.totalS.map { " of \(Units.clock($0))" } ?? "")
        }
        lines.append(state)
        var force = "Force   target \(Units.force(model.targetN))   measured \(style.bold(Units.force(model.measuredN)))"
        if let limit = model.limitN { force += "   limit \(Units.force(limit))" }
        lines.append(force)
        lines.append("Angles  \(Units.angles(model.angles))")
        lines.append("Session " + (model.program.map { "\($0) for \(model.patient ?? "?")"
            + (model.limitSource.map { ", limit set by \(Units.limitSource($0))" } ?? "") } ?? "none"))

        let footer = [alarmsLine(model, style: style), "Last    \(model.lastEvent ?? "-")",
                      style.dim("Ctrl-C to quit")]
        let chartHeight = max(3, rows - lines.count - footer.count - 2)
        let ceiling = TerminalForceChart.ceiling(for: model)
        lines += TerminalForceChart.render(model.samples, now: model.latestTime, windowSeconds: windowSeconds,
                                   width: max(10, columns - TerminalForceChart.labelWidth - 1), height: chartHeight,
                                   ceilingN: ceiling)
        lines += footer
        return lines.map { VisibleText.truncate($0, to: columns) }
    }

    static func alarmsLine(_ model: WatchModel, style: Style) -> String {
        guard !model.alarms.isEmpty else { return "Alarms  none" }
        return "Alarms  " + model.alarms.map { alarm in
            let detail = [alarm.priority.isEmpty ? nil : alarm.priority, alarm.present ? nil : "gone",
                          alarm.acknowledged ? "acknowledged" : nil].compactMap { $0 }
            return style.priority(alarm.priority, alarm.code) + (detail.isEmpty ? "" : " (\(detail.joined(separator: ", ")))")
        }.joined(separator: "; ")
    }

    /// "t=12.3s TREATING hold 2/5 target 150.0 N measured 148.2 N left 1:05 flexion 0.0° ... alarms none"
    static func line(_ telemetry: TelemetryNotification) -> String {
        var parts = ["t=\(DisplayMassUnit.number(telemetry.tS, decimals: 1))s", telemetry.state.uppercased()]
        if let activity = telemetry.activity { parts.append(Units.words(activity)) }
        if let phase = telemetry.phase { parts.append("phase \(phase)") }
        parts.append("target \(Units.force(telemetry.targetN))")
        parts.append("measured \(Units.force(telemetry.measuredN))")
        // Time left means something only while a session runs.
        if ["armed", "treating", "paused"].contains(telemetry.state) { parts.append("left \(Units.clock(telemetry.timeLeftS))") }
        parts.append(Units.angles(telemetry.angles))
        parts.append("alarms " + (telemetry.alarms.isEmpty ? "none" : telemetry.alarms.joined(separator: ",")))
        return parts.joined(separator: " ")
    }
}

/// The scrolling chart of target and measured force: one column per
/// slice of the window, newest on the right.
enum TerminalForceChart {
    /// "1000 N ┤" is 8 characters.
    static let labelWidth = 8
    static let measuredMark: Character = "*"
    static let targetMark: Character = "-"

    /// The top of the scale: the limit or the largest force seen, rounded up
    /// to a step of 50 N (at least 50 N).
    static func ceiling(for model: WatchModel) -> Double {
        let seen = model.samples.map { max($0.targetN, $0.measuredN) }.max() ?? 0
        let top = max(model.limitN ?? 0, seen, 50)
        return (top / 50).rounded(.up) * 50
    }

    static func render(_ samples: [WatchModel.Sample], now: Double, windowSeconds: Double, width: Int, height: Int,
                       ceilingN: Double) -> [String] {
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
        let slice = windowSeconds / Double(width)
        let start = now - windowSeconds
        func row(_ newtons: Double) -> Int {
            let fraction = min(1, max(0, newtons / ceilingN))
            return height - 1 - Int(saturatingRounded: fraction * Double(height - 1))
        }
        for sample in samples where sample.time > start {
            let column = min(width - 1, Int(saturating: (sample.time - start) / slice))
            grid[row(sample.targetN)][column] = targetMark
        }
        // Measured after target: where they meet, the measured force shows.
        for sample in samples where sample.time > start {
            let column = min(width - 1, Int(saturating: (sample.time - start) / slice))
            grid[row(sample.measuredN)][column] = measuredMark
        }
        var lines: [String] = []
        // The top, the middle and zero, each on the row its value falls on.
        var labelled: [Int: Double] = [:]
        for value in [0, ceilingN / 2, ceilingN] { labelled[row(value)] = value }
        for (index, cells) in grid.enumerated() {
            let label = labelled[index].map { "\(DisplayMassUnit.number($0, decimals: 0)) N ┤" } ?? "│"
            lines.append(String(repeating: " ", count: max(0, labelWidth - label.count)) + label + String(cells))
        }
        lines.append(String(repeating: " ", count: labelWidth - 1) + "└" + String(repeating: "─", count: width))
        let left = "-\(DisplayMassUnit.number(windowSeconds, decimals: 0)) s"
        let legend = "\(measuredMark) measured  \(targetMark) target"
        let right = "now"
        let gap = max(1, width - left.count - legend.count - right.count)
        lines.append(String(repeating: " ", count: labelWidth) + left + String(repeating: " ", count: gap / 2) + legend
            + String(repeating: " ", count: gap - gap / 2) + right)
        return lines
    }
}

/// Text that may hold SGR escape sequences, measured by what shows.
enum VisibleText {
    /// Cuts `text` to `columns` visible characters, keeping escape sequences
    /// (and resetting attributes when something was cut).
    static func truncate(_ text: String, to columns: Int) -> String {
        var result = ""
        var visible = 0
        var inEscape = false
        var cut = false
        for character in text {
            if inEscape {
                result.append(character)
                if character.isLetter { inEscape = false }
                continue
            }
            if character == "\u{1B}" {
                inEscape = true
                result.append(character)
                continue
            }
            if visible >= columns {
                cut = true
                continue
            }
            result.append(character)
            visible += 1
        }
        return cut && text.contains("\u{1B}") ? result + "\u{1B}[0m" : result
    }
}
