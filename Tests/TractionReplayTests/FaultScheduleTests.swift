import Testing
import TractionDevice
@testable import TractionReplay

@Suite struct FaultSpecTests {
    @Test func aSpecListsFaultsInTimeOrderWithValuesAndDurations() throws {
        let faults = try FaultSpecParser.parse("2min:stuck-sensor/10s, 45s:cough=80N,30s:patient-switch, 500ms:tense=1.5/8s")
        #expect(faults.count == 4)
        #expect(faults[0] == ScheduledFault(at: 0.5, fault: .tenseUp(factor: 1.5), duration: 8))
        #expect(faults[1] == ScheduledFault(at: 30, fault: .patientSwitch))
        #expect(faults[2] == ScheduledFault(at: 45, fault: .cough(80)))
        #expect(faults[3] == ScheduledFault(at: 120, fault: .stuckLoadCell, duration: 10))
    }

    @Test func everyMistakeNamesTheItemAndWhatIsAllowed() {
        let cases: [(String, Int, String)] = [
            ("30s:patient-switch,40:estop", 2, "is not a time"),
            ("30s:sneeze", 1, "unknown fault \"sneeze\""),
            ("30s:cough", 1, "needs a value"),
            ("30s:cough=80", 1, "is not a value in N"),
            ("30s:estop=1", 1, "takes no value"),
            ("30s:estop/0s", 1, "positive duration"),
            ("patient-switch", 1, "expected TIME:FAULT"),
            ("30s:tense=9", 1, "factor from 1 to 5"),
        ]
        for (spec, position, fragment) in cases {
            #expect(throws: FaultSpecError.self) { try FaultSpecParser.parse(spec) }
            do {
                _ = try FaultSpecParser.parse(spec)
            } catch {
                #expect(error.position == position, "\(spec)")
                #expect(error.description.contains(fragment), "\(spec): \(error.description)")
            }
        }
    }
}

@Suite struct ForceChartTests {
    func sampleData(points: Int) -> ForceChartData {
        let samples = (0..<points).map { index in
            let time = Double(index) * 0.004
            return ForceChartData.Sample(time: Seconds(time), targetForce: Newtons(min(300, time * 15)),
                                         measuredForce: Newtons(min(300, time * 15) + (index == points / 2 ? 80 : 0)),
                                         angles: Angles(flexion: 15))
        }
        return ForceChartData(
            title: "Lumbar <demo> & test", samples: samples,
            phases: [.init(name: "ramp up", start: 0, end: 20), .init(name: "hold", start: 20, end: 40)],
            alarms: [.init(time: 30, code: "PATIENT_RELEASE", isHighPriority: true)], angleAxes: [.flexion])
    }

    @Test func theChartIsOneSvgDocumentWithBothForcesPhasesAndAlarms() {
        let svg = ForceChart.svg(sampleData(points: 10_000))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("id=\"target-force\""))
        #expect(svg.contains("id=\"measured-force\""))
        #expect(svg.contains("id=\"angle-flexion\""))
        #expect(svg.ranges(of: "class=\"phase\"").count == 2)
        #expect(svg.contains("PATIENT_RELEASE"))
        #expect(svg.contains("Lumbar &lt;demo&gt; &amp; test"))
        #expect(!svg.contains("<demo>"))
    }

    @Test func thinningKeepsSpikesAndBoundsThePointCount() {
        let data = sampleData(points: 10_000)
        let thinned = ForceChart.thin(data.samples.map { ($0.time.value, $0.measuredForce.value) })
        #expect(thinned.count <= ForceChart.maximumPointsPerSeries)
        let peak = thinned.map(\.1).max() ?? 0
        #expect(peak == 380)
        #expect(zip(thinned, thinned.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    }

    @Test func axisBoundsAreRoundNumbersAboveTheData() {
        #expect(ForceChart.niceCeiling(330) == 500)
        #expect(ForceChart.niceCeiling(110) == 200)
        #expect(ForceChart.niceCeiling(9) == 10)
        #expect(ForceChart.niceCeiling(0.3) == 0.5)
    }
}
