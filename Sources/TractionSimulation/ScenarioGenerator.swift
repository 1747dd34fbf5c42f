import TractionDevice
import TractionPlant
import TractionTherapy

/// Draws a whole scenario from a seed. The same seed gives the same
/// scenario on every machine (SplitMix64; no floating-point step depends on
/// anything but the seed).
public enum ScenarioGenerator {
    /// The shipped programs a scenario may run (Config/programs). They are
    /// long (minutes); a scenario stops them after its own duration.
    public static let shippedPrograms = [
        "demo", "lumbar-static", "lumbar-cyclic", "lumbar-intermittent-standard", "lumbar-progressive",
        "lumbar-regressive", "lumbar-sequence", "cervical-intermittent-flexion",
    ]

    public static func scenario(seed: UInt64) -> Scenario {
        var random = SplitMix64.stream(11, of: seed)
        func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }
        func chance(_ probability: Double) -> Bool { random.nextBernoulli(probability: probability) }
        func uniform(_ range: ClosedRange<Double>) -> Double { random.nextUniform(in: range) }

        let controlRate = chance(0.85) ? 250.0 : chance(0.7) ? 500.0 : 1000.0
        let telemetryRate = chance(0.5) ? pick([50.0, 100.0, 200.0, 250.0, 500.0, 800.0]) : uniform(50...800).rounded()
        let link = WireLinkSettings(telemetryRateHertz: telemetryRate, latency: Seconds(uniform(0.0001...0.003)),
                                    jitter: Seconds(chance(0.3) ? 0 : uniform(0...0.002)))
        var variant = TableVariant.standard
        if chance(0.3) {
            variant.limitsForceAtCeiling = chance(0.5)
            variant.releasesOnPatientSwitch = chance(0.5)
        }
        let axes = (flexion: chance(0.85), lateralTilt: chance(0.8), rotation: chance(0.8))

        // The program, and the patient it is for.
        let program: ScenarioProgram
        let region: TreatmentRegion
        var duration: Double
        let roll = random.nextUnit()
        if roll < 0.95 {
            region = chance(0.75) ? .lumbar : .cervical
            let (text, length) = shortProgram(region: region, brief: chance(0.9), random: &random)
            program = .text(text, region: region)
            // Mostly the whole program and its release; sometimes cut short.
            duration = chance(0.8) ? length + uniform(0.5...2) : uniform(1.5...max(2, length))
        } else if roll < 0.99 {
            program = .shipped("demo")
            region = .lumbar
            duration = chance(0.2) ? uniform(70...80) : uniform(5...30)
        } else {
            let name = pick(Array(shippedPrograms.dropFirst()))
            program = .shipped(name)
            region = name.hasPrefix("cervical") ? .cervical : .lumbar
            duration = uniform(10...40)
        }
        let weight = uniform(40...150).rounded()
        let firstSession = chance(0.1)
        let operatorMaximum: Double? = chance(0.1) ? uniform(region == .lumbar ? 80...400 : 30...120).rounded() : nil

        // The operators: arm and start once ready, then act at random times.
        var events: [ScenarioEvent] = []
        let clients = 1 + Int(random.next() % 3)
        func client() -> Int { Int(random.next() % UInt64(clients)) }
        var t = uniform(0.05...0.8)
        if chance(0.05) { events.append(ScenarioEvent(at: t * 0.5, kind: .start(client: client(), confirm: true))) }
        events.append(ScenarioEvent(at: t, kind: .arm(client: client())))
        t += uniform(0.05...1.0)
        events.append(ScenarioEvent(at: t, kind: .start(client: client(), confirm: chance(0.85))))
        if chance(0.3) {
            events.append(ScenarioEvent(at: t + uniform(0.02...0.5), kind: .start(client: client(), confirm: true)))
        }
        let actions = Int(random.next() % 6)
        for _ in 0..<actions {
            let at = uniform(t...max(t + 0.1, duration))
            let who = client()
            let kind: ScenarioEventKind
            switch random.next() % 20 {
            case 0...3:
                kind = .pause(client: who)
                events.append(ScenarioEvent(at: at + uniform(0.2...8), kind: .resume(client: client())))
            case 4: kind = .resume(client: who)
            case 5...7: kind = .adjust(client: who, newtons: uniform(region == .lumbar ? 20...500 : 10...200).rounded())
            case 8, 9: kind = .stop(client: who)
            case 10, 11: kind = .acknowledgeAll(client: who)
            case 12: kind = .reset(client: who)
            case 13: kind = .reload(client: who)
            case 14: kind = .arm(client: who)
            case 15: kind = .start(client: who, confirm: true)
            default: kind = .status(client: who)
            }
            events.append(ScenarioEvent(at: at, kind: kind))
        }

        // The patient.
        for _ in 0..<Int(random.next() % 3) {
            let at = uniform(0...duration)
            switch random.next() % 4 {
            case 0: events.append(ScenarioEvent(at: at, kind: .cough(peak: uniform(20...300).rounded())))
            case 1: events.append(ScenarioEvent(at: at, kind: .shift(millimetres: uniform(-1...1))))
            case 2:
                events.append(ScenarioEvent(at: at, kind: .tensing(factor: chance(0.4) ? uniform(0.6...0.95) : uniform(1.1...1.6),
                                                                   duration: uniform(1...8))))
            default:
                let channels = chance(0.8) ? 3 : 1 + Int(random.next() % 2)
                events.append(ScenarioEvent(at: at, kind: .patientSwitch(channels: channels, duration: uniform(0.05...3))))
            }
        }

        // What goes wrong: nothing, one fault, or several at once.
        let faultCount: Int
        switch random.nextUnit() {
        case ..<0.3: faultCount = 0
        case ..<0.65: faultCount = 1
        default: faultCount = 2 + Int(random.next() % 3)
        }
        let faultWindowStart = min(duration, t + 0.2)
        for _ in 0..<faultCount {
            let at = chance(0.85) ? uniform(faultWindowStart...max(faultWindowStart, duration)) : uniform(0...duration)
            let length = chance(0.3) ? uniform(0.005...0.2) : uniform(0.2...6)
            let channel: ForceChannel = chance(0.5) ? .loadCell : .redundant
            let kind: ScenarioEventKind
            switch random.next() % 17 {
            case 0: kind = .sensorOffset(channel, newtons: (chance(0.5) ? 1 : -1) * uniform(2...120).rounded(), duration: length * 3)
            case 1: kind = .sensorGain(channel, error: uniform(-0.35...0.35), duration: length * 3)
            case 2: kind = .sensorStuck(channel, duration: length * 3)
            case 3:
                let bits: [DriveFaults] = [.overcurrent, .overtemperature, .encoderFault, .motorStall, .undervoltage]
                kind = .driveFault(bits: pick(bits).rawValue, duration: length)
            case 4: kind = .powerLoss(duration: length)
            case 5: kind = .emergencyStop(duration: length)
            case 6: kind = .harnessOpen(duration: length)
            case 7: kind = .releaseStall(duration: length * 3)
            case 8: kind = .frameDrops(probability: pick([0.01, 0.05, 0.2, 0.6]), duration: length)
            case 9: kind = .frameCorruption(probability: pick([0.01, 0.05, 0.2, 0.6]), duration: length)
            case 10: kind = .frameDelay(seconds: pick([0.005, 0.015, 0.03, 0.045, 0.08]), duration: length)
            case 11: kind = .linkStall(duration: pick([0.01, 0.03, 0.045, 0.06, 0.2, 1.5]))
            case 12: kind = .tickLateness(seconds: pick([0.0005, 0.002, 0.006, 0.02]), duration: length)
            case 13: kind = .overruns(count: pick([3, 6, 12, 30]))
            case 14: kind = .restart(downFor: pick([0.05, 0.3, 1.0, 3.0]))
            case 15: kind = .patientSwitch(channels: chance(0.7) ? 3 : 1 + Int(random.next() % 2), duration: uniform(0.05...2))
            default: kind = .cough(peak: uniform(50...400).rounded())
            }
            events.append(ScenarioEvent(at: at, kind: kind))
        }
        events.sort { $0.at < $1.at }
        duration = max(duration, (events.last?.at ?? 0) + 0.5)

        return Scenario(
            seed: seed, controlRateHertz: controlRate, serviceEvery: chance(0.3) ? 1 : 1 + Int(random.next() % 4),
            link: link, variant: variant, axes: axes, weight: weight, region: region, firstSession: firstSession,
            operatorMaximum: operatorMaximum, compliance: uniform(0.6...1.6), creep: uniform(0.3...2),
            restlessness: chance(0.3) ? 0 : uniform(0.5...4), program: program, duration: duration, events: events)
    }

    /// A short program (seconds, not minutes) in the program file format,
    /// and its length in seconds, ramps included.
    /// `brief`: a few seconds, mostly ramps; else up to about a minute.
    static func shortProgram(region: TreatmentRegion, brief: Bool, random: inout SplitMix64) -> (String, Double) {
        let lumbar = region == .lumbar
        let hold = random.nextUniform(in: lumbar ? (brief ? 25...90 : 60...400) : (brief ? 20...60 : 30...140)).rounded()
        let maximum = (hold * random.nextUniform(in: 1.0...1.4)).rounded()
        let fraction = Int(random.nextUniform(in: lumbar ? 25...60 : 8...20))
        let ramp = random.nextUniform(in: brief ? 15...20 : 5...20).rounded()
        let release = random.nextUniform(in: brief ? 18...20 : 10...20).rounded()
        var lines = [
            "name: sim-\(lumbar ? "lumbar" : "cervical")",
            "description: written by the simulator",
            "region: \(region.rawValue)",
            "limits:",
            "  body_weight_fraction: \(fraction) %",
            "  maximum_force: \(Int(maximum)) N",
            "release: \(Int(release)) N/s",
            "phases:",
            "  - name: short",
        ]
        var length = hold / ramp + hold / release
        if random.nextBernoulli(probability: 0.5) {
            let holdTime = random.nextUniform(in: brief ? 1...4 : 2...15).rounded()
            lines += ["    mode: static", "    hold_force: \(Int(hold)) N", "    hold_time: \(Int(holdTime)) s",
                      "    ramp_up: \(Int(ramp)) N/s"]
            length += holdTime
        } else {
            let holdTime = random.nextUniform(in: brief ? 1...3 : 2...8).rounded()
            let restTime = random.nextUniform(in: brief ? 1...2 : 2...5).rounded()
            let cycles = 1 + Int(random.next() % (brief ? 2 : 3))
            lines += ["    mode: intermittent", "    hold_force: \(Int(hold)) N", "    rest_force: 50 %",
                      "    hold_time: \(Int(holdTime)) s", "    rest_time: \(Int(restTime)) s",
                      "    ramp_up: \(Int(ramp)) N/s", "    ramp_down: \(Int(release)) N/s", "    cycles: \(cycles)"]
            length += Double(cycles) * (holdTime + restTime + hold / ramp)
        }
        return (lines.joined(separator: "\n") + "\n", length)
    }
}
