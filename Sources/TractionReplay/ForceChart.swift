import TractionDevice

/// The data a replay chart shows: target and measured force against time, the
/// angles, the phases shaded, and the alarms marked.
public struct ForceChartData: Sendable {
    public struct Sample: Sendable {
        public var time: Seconds
        public var targetForce: Newtons
        public var measuredForce: Newtons
        public var angles: Angles
        public init(time: Seconds, targetForce: Newtons, measuredForce: Newtons, angles: Angles) {
            self.time = time
            self.targetForce = targetForce
            self.measuredForce = measuredForce
            self.angles = angles
        }
    }

    public struct Phase: Sendable {
        public var name: String
        public var start: Seconds
        public var end: Seconds
        public init(name: String, start: Seconds, end: Seconds) {
            self.name = name
            self.start = start
            self.end = end
        }
    }

    public struct AlarmMark: Sendable {
        public var time: Seconds
        public var code: String
        public var isHighPriority: Bool
        public init(time: Seconds, code: String, isHighPriority: Bool) {
            self.time = time
            self.code = code
            self.isHighPriority = isHighPriority
        }
    }

    public var title: String
    public var samples: [Sample]
    public var phases: [Phase]
    public var alarms: [AlarmMark]
    /// Axes to draw in the angle panel (those the program uses).
    public var angleAxes: [AngleAxis]

    public init(title: String, samples: [Sample], phases: [Phase], alarms: [AlarmMark], angleAxes: [AngleAxis]) {
        self.title = title
        self.samples = samples
        self.phases = phases
        self.alarms = alarms
        self.angleAxes = angleAxes
    }
}

/// Renders a `ForceChartData` as a self-contained SVG document that any browser
/// opens. Written by hand: the chart is two panels of polylines, rectangles
/// and text, and no mirrored package draws SVG.
public enum ForceChart {
    /// More points than this per series are thinned (min/max per pixel column
    /// is kept, so spikes such as coughs stay visible).
    public static let maximumPointsPerSeries = 1600

    public static func svg(_ data: ForceChartData) -> String {
        let width = 1000.0, forceHeight = 360.0, angleHeight = 140.0
        let left = 70.0, right = 20.0, top = 40.0, gap = 40.0, bottom = 40.0
        let plotWidth = width - left - right
        let height = top + forceHeight + gap + angleHeight + bottom
        let endTime = max(data.samples.last?.time.value ?? 1, data.phases.last?.end.value ?? 1, 1)
        let peakForce = data.samples.reduce(10.0) { max($0, $1.targetForce.value, $1.measuredForce.value) }
        let forceScale = niceCeiling(peakForce * 1.1)
        let angleExtent = data.samples.reduce(5.0) { result, sample in
            data.angleAxes.reduce(result) { max($0, abs(sample.angles[$1].value)) }
        }
        let angleScale = niceCeiling(angleExtent * 1.1)

        func x(_ time: Double) -> Double { left + time / endTime * plotWidth }
        func yForce(_ force: Double) -> Double { top + forceHeight - force / forceScale * forceHeight }
        let angleTop = top + forceHeight + gap
        func yAngle(_ angle: Double) -> Double { angleTop + angleHeight / 2 - angle / angleScale * (angleHeight / 2) }

        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(format(width))" height="\(format(height))" \
        viewBox="0 0 \(format(width)) \(format(height))" font-family="sans-serif" font-size="12">
        <title>\(escape(data.title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(format(left))" y="24" font-size="16" font-weight="bold">\(escape(data.title))</text>

        """

        // Phases: alternate shading, name at the top of each band.
        for (index, phase) in data.phases.enumerated() {
            let x0 = x(phase.start.value), x1 = x(phase.end.value)
            let fill = index.isMultiple(of: 2) ? "#eef3fb" : "#f8f8f8"
            svg += "<rect class=\"phase\" x=\"\(format(x0))\" y=\"\(format(top))\" width=\"\(format(max(0, x1 - x0)))\" "
            svg += "height=\"\(format(forceHeight + gap + angleHeight))\" fill=\"\(fill)\"><title>\(escape(phase.name))</title></rect>\n"
            if x1 - x0 > 40 {
                svg += "<text x=\"\(format(x0 + 3))\" y=\"\(format(top + 12))\" font-size=\"10\" fill=\"#556\">\(escape(phase.name))</text>\n"
            }
        }

        // Axes and grid.
        svg += axis(left: left, width: plotWidth, top: top, height: forceHeight)
        svg += axis(left: left, width: plotWidth, top: angleTop, height: angleHeight)
        for tick in 0...4 {
            let force = forceScale * Double(tick) / 4
            let y = yForce(force)
            svg += "<line x1=\"\(format(left))\" y1=\"\(format(y))\" x2=\"\(format(left + plotWidth))\" y2=\"\(format(y))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(format(left - 6))\" y=\"\(format(y + 4))\" text-anchor=\"end\">\(format(force)) N</text>\n"
        }
        for tick in [-1.0, 0, 1] {
            let y = yAngle(angleScale * tick)
            svg += "<text x=\"\(format(left - 6))\" y=\"\(format(y + 4))\" text-anchor=\"end\">\(format(angleScale * tick))°</text>\n"
        }
        let timeStep = niceTimeStep(endTime / 10)
        var time = 0.0
        while time <= endTime + 1e-9 {
            svg += "<text x=\"\(format(x(time)))\" y=\"\(format(height - 18))\" text-anchor=\"middle\">\(clock(time))</text>\n"
            time += timeStep
        }
        svg += "<text x=\"\(format(left + plotWidth / 2))\" y=\"\(format(height - 4))\" text-anchor=\"middle\">time (m:ss)</text>\n"

        // Series.
        let target = thin(data.samples.map { ($0.time.value, $0.targetForce.value) })
        let measured = thin(data.samples.map { ($0.time.value, $0.measuredForce.value) })
        svg += polyline(measured.map { (x($0.0), yForce($0.1)) }, colour: "#d9534f", width: 1.2, id: "measured-force")
        svg += polyline(target.map { (x($0.0), yForce($0.1)) }, colour: "#1f4e9a", width: 1.6, id: "target-force")
        let angleColours: [AngleAxis: String] = [.flexion: "#2e8b57", .lateralTilt: "#b8860b", .rotation: "#8a2be2"]
        for axisName in data.angleAxes {
            let series = thin(data.samples.map { ($0.time.value, $0.angles[axisName].value) })
            svg += polyline(series.map { (x($0.0), yAngle($0.1)) }, colour: angleColours[axisName] ?? "#444",
                            width: 1.2, id: "angle-\(axisName.rawValue)")
        }

        // Alarms: a vertical marker through both panels with the code.
        for alarm in data.alarms {
            let ax = x(alarm.time.value)
            let colour = alarm.isHighPriority ? "#c00" : "#e69500"
            svg += "<line class=\"alarm\" x1=\"\(format(ax))\" y1=\"\(format(top))\" x2=\"\(format(ax))\" "
            svg += "y2=\"\(format(angleTop + angleHeight))\" stroke=\"\(colour)\" stroke-dasharray=\"4 3\"/>\n"
            // Labels near the right edge go to the left of their marker.
            let leftOfMarker = ax > left + plotWidth - 140
            svg += "<text x=\"\(format(leftOfMarker ? ax - 3 : ax + 3))\" y=\"\(format(top + 26))\" fill=\"\(colour)\" "
            svg += "font-size=\"10\" text-anchor=\"\(leftOfMarker ? "end" : "start")\">\(escape(alarm.code))</text>\n"
        }

        // Legend.
        var legendX = left + plotWidth - 420
        var legend: [(String, String)] = [("target force", "#1f4e9a"), ("measured force", "#d9534f")]
        for axisName in data.angleAxes { legend.append((axisName.description, angleColours[axisName] ?? "#444")) }
        for (label, colour) in legend {
            svg += "<rect x=\"\(format(legendX))\" y=\"16\" width=\"12\" height=\"3\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(format(legendX + 16))\" y=\"21\" font-size=\"11\">\(escape(label))</text>\n"
            legendX += Double(label.count) * 6.5 + 30
        }
        svg += "</svg>\n"
        return svg
    }

    /// Reduces a series to at most `maximumPointsPerSeries` points, keeping
    /// the minimum and maximum of each bucket in time order.
    static func thin(_ points: [(Double, Double)]) -> [(Double, Double)] {
        let buckets = maximumPointsPerSeries / 2
        guard points.count > maximumPointsPerSeries else { return points }
        var result: [(Double, Double)] = []
        result.reserveCapacity(maximumPointsPerSeries)
        let perBucket = Double(points.count) / Double(buckets)
        for bucket in 0..<buckets {
            let start = Int(Double(bucket) * perBucket)
            let end = min(points.count, Int(Double(bucket + 1) * perBucket))
            guard start < end else { continue }
            let slice = points[start..<end]
            let low = slice.min { $0.1 < $1.1 }!, high = slice.max { $0.1 < $1.1 }!
            if low.0 <= high.0 { result.append(low); result.append(high) } else { result.append(high); result.append(low) }
        }
        return result
    }

    private static func axis(left: Double, width: Double, top: Double, height: Double) -> String {
        "<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(width))\" height=\"\(format(height))\" fill=\"none\" stroke=\"#888\"/>\n"
    }

    private static func polyline(_ points: [(Double, Double)], colour: String, width: Double, id: String) -> String {
        guard !points.isEmpty else { return "" }
        let coordinates = points.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " ")
        return "<polyline id=\"\(id)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(format(width))\" points=\"\(coordinates)\"/>\n"
    }

    /// A round upper bound for an axis: 1, 2 or 5 times a power of ten.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for step in [1.0, 2, 5, 10] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    /// A tick spacing for the time axis: the first of 1, 2, 5, 10, 15, 30 s,
    /// 1, 2, 5, 10 min at or above `rough`.
    static func niceTimeStep(_ rough: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]
        return steps.first { $0 >= rough } ?? 600
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let remainder = total % 60
        return "\(total / 60):\(remainder < 10 ? "0" : "")\(remainder)"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
