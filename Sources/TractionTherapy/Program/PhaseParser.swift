import TractionDevice
import Yams

/// Reading one entry of `phases`.
extension ProgramParser {
    /// The phase at `node` (1-based `index`), or nil when any of its fields
    /// is wrong (every mistake is reported). `previousAngles` supplies the
    /// angles of axes the phase does not mention.
    mutating func parsePhase(_ node: Node, index: Int, region: TreatmentRegion?, programMaximum: Newtons?,
                             previousAngles: Angles) -> ProgramPhase? {
        let field = "phases[\(index)]"
        let diagnosticsBefore = reader.diagnostics.count

        var mode: PhaseMode?
        if case .mapping(let mapping) = node,
           let modeNode = mapping.first(where: { $0.key.scalar?.string == "mode" })?.value {
            mode = reader.choice(modeNode, field: "\(field).mode", as: PhaseMode.self)
        }
        guard let fields = reader.entries(of: node, field: field, allowedKeys: ProgramSchema.phaseKeys(mode),
                                          knownElsewhere: ProgramSchema.keysOfOtherModes(than: mode)) else {
            return nil
        }
        let here = reader.location(of: node)
        if fields["mode"] == nil {
            missing("\(field).mode", in: here, allowed: PhaseMode.allCases.map(\.rawValue).joined(separator: ", "))
        }

        var name = "phase \(index)"
        let nameRule = "text of 1 to \(ProgramSchema.maximumPhaseNameLength) characters, without control characters"
        if let (_, nameNode) = fields["name"],
           let text = reader.scalar(nameNode, field: "\(field).name", allowed: nameRule) {
            if let control = Self.firstControlCharacter(in: text) {
                // A name is printed on consoles: an escape sequence in it
                // could clear the screen and draw a false reading.
                let code = "U+" + String(control.value, radix: 16, uppercase: true)
                reader.report(.invalidValue, at: nameNode, field: "\(field).name",
                              value: PrintableText.escaped(text), allowed: nameRule,
                              "contains a control character (\(code))")
            } else if text.isEmpty || text.count > ProgramSchema.maximumPhaseNameLength {
                reader.report(.invalidValue, at: nameNode, field: "\(field).name", value: text, allowed: nameRule,
                              "not a valid phase name")
            } else {
                name = text
            }
        }

        // Hold forces, one per step.
        var holdForces: [Newtons]?

        if let mode {
            switch mode {
            case .static, .intermittent, .cyclic:
                if let force = requiredForce(fields, "hold_force", phase: field, in: here, region: region,
                                             programMaximum: programMaximum) {
                    holdForces = [force]
                }
            case .progressive, .regressive:
                let first = requiredForce(fields, "first_hold_force", phase: field, in: here, region: region,
                                          programMaximum: programMaximum)
                let last = requiredForce(fields, "last_hold_force", phase: field, in: here, region: region,
                                         programMaximum: programMaximum)
                let stepCount = requiredInteger(fields, "steps", phase: field, in: here, range: ProgramSchema.stepRange)
                if let first, let last, let stepCount, let (_, lastNode) = fields["last_hold_force"] {
                    let rising = mode == .progressive
                    if rising ? last > first : last < first {

                        holdForces = (0..<stepCount).map { step in
                            first + (last - first) * (Double(step) / Double(stepCount - 1))
                        }
                    } else {
                        reader.report(.invalidValue, at: lastNode, field: "\(field).last_hold_force",
                                      value: Self.text(lastNode),
                                      allowed: rising ? "a force above first_hold_force (\(QuantityFormat.newtons(first)))"
                                          : "a force below first_hold_force (\(QuantityFormat.newtons(first)))",
                                      rising ? "a progressive phase must end higher than it starts"
                                          : "a regressive phase must end lower than it starts")
                    }
                }
            }
        }

        // Rest force.
        let usesRest = mode.map { ProgramSchema.modeKeys($0).contains("rest_force") } ?? false
        var restForce: RestForce? = usesRest ? .fractionOfHold(0.5) : .absolute(.zero)
        if usesRest, let (_, restNode) = fields["rest_force"] {
            restForce = parseRestForce(restNode, field: "\(field).rest_force", holdForces: holdForces)
        }

        // Times and counts.
        let usesHoldTime = mode.map { ProgramSchema.modeKeys($0).contains("hold_time") } ?? false
        let usesRestTime = mode.map { ProgramSchema.modeKeys($0).contains("rest_time") } ?? false
        var holdDuration: Seconds? = .zero
        var restDuration: Seconds? = .zero
        if usesHoldTime { holdDuration = requiredDuration(fields, "hold_time", phase: field, in: here) }
        if usesRestTime { restDuration = requiredDuration(fields, "rest_time", phase: field, in: here) }

        var cyclesPerStep: Int? = 1
        if let mode {
            switch mode {
            case .intermittent, .cyclic:
                cyclesPerStep = requiredInteger(fields, "cycles", phase: field, in: here, range: ProgramSchema.cycleRange)
            case .progressive, .regressive:
                if let (_, cyclesNode) = fields["cycles_per_step"] {
                    cyclesPerStep = reader.integer(cyclesNode, field: "\(field).cycles_per_step",
                                                   range: ProgramSchema.cycleRange)
                }
            case .static:
                break
            }
        }

        // Ramps.
        let rampUp = parseRamp(fields, speedKey: "ramp_up", shapeKey: "ramp_up_shape", phase: field, in: here)
        let rampDown = parseRamp(fields, speedKey: "ramp_down", shapeKey: "ramp_down_shape", phase: field, in: here)

        // Angles and how the phase may move them.
        let angles = parseAngles(fields["angles"]?.value, phase: field, inheriting: previousAngles)
        var articulation = false
        if let (_, articulationNode) = fields["articulation"] {
            articulation = reader.boolean(articulationNode, field: "\(field).articulation") ?? false
        }
        var angleMoveForce: Newtons?
        if let (_, moveNode) = fields["angle_move_force"] {
            angleMoveForce = parseAngleMoveForce(moveNode, field: "\(field).angle_move_force",
                                                 articulation: articulation)
        }

        guard reader.diagnostics.count == diagnosticsBefore, let mode, let holdForces, let restForce,
              let holdDuration, let restDuration, let cyclesPerStep, let rampUp, let rampDown, let angles else {
            return nil
        }
        return ProgramPhase(name: name, mode: mode, holdForces: holdForces, cyclesPerStep: cyclesPerStep,
                            restForce: restForce, holdDuration: holdDuration, restDuration: restDuration,
                            rampUp: rampUp, rampDown: rampDown, angles: angles, articulation: articulation,
                            angleMoveForce: angleMoveForce, location: here)
    }

    private typealias Fields = [String: (key: Node, value: Node)]

    private mutating func requiredForce(_ fields: Fields, _ key: String, phase: String, in here: SourceLocation,
                                        region: TreatmentRegion?, programMaximum: Newtons?) -> Newtons? {
        let path = "\(phase).\(key)"
        let cap = region.map { limits.region($0).forceCap }
        let rule = "a force above 0 N" + (cap.map { " and at most the \(region!) cap \(QuantityFormat.newtons($0))" } ?? "")
            + (programMaximum.map { " and limits.maximum_force (\(QuantityFormat.newtons($0)))" } ?? "")
        guard let (_, node) = fields[key] else {
            missing(path, in: here, allowed: rule)
            return nil
        }
        guard let force = force(node, field: path) else { return nil }
        record(path, node)
        if force.value <= 0 {
            reader.report(.invalidValue, at: node, field: path, value: Self.text(node), allowed: rule,
                          "a hold force must be above 0 N")
            return nil
        }
        if let cap, force > cap {
            reader.report(.forceAboveRegionCap, at: node, field: path, value: Self.text(node), allowed: rule,
                          "above the \(region!) force cap of \(QuantityFormat.newtons(cap))")
            return nil
        }
        if let programMaximum, force > programMaximum {
            reader.report(.forceAboveProgramMaximum, at: node, field: path, value: Self.text(node), allowed: rule,
                          "above the program's own limits.maximum_force")
            return nil
        }
        return force
    }

    private mutating func requiredDuration(_ fields: Fields, _ key: String, phase: String,
                                           in here: SourceLocation) -> Seconds? {
        let path = "\(phase).\(key)"
        guard let (_, node) = fields[key] else {
            missing(path, in: here, allowed: "a duration above 0 s, e.g. \"60 s\" or \"1 min\"")
            return nil
        }
        record(path, node)
        return duration(node, field: path)
    }

    private mutating func requiredInteger(_ fields: Fields, _ key: String, phase: String, in here: SourceLocation,
                                          range: ClosedRange<Int>) -> Int? {
        let path = "\(phase).\(key)"
        guard let (_, node) = fields[key] else {
            missing(path, in: here, allowed: "a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return reader.integer(node, field: path, range: range)
    }

    private mutating func parseRestForce(_ node: Node, field: String, holdForces: [Newtons]?) -> RestForce? {
        let lowestHold = holdForces?.min()
        let rule = "a force from 0 N up to the hold force"
            + (lowestHold.map { " (\(QuantityFormat.newtons($0)))" } ?? "") + ", or a percentage of it from 0 % to 100 %"
        guard let text = reader.scalar(node, field: field, allowed: rule) else { return nil }
        record(field, node)
        if case .success(let fraction) = QuantityText.percentage(text) {
            guard fraction >= 0 else {
                reader.report(.invalidValue, at: node, field: field, value: text, allowed: rule, "must not be negative")
                return nil
            }
            guard fraction <= 1 else {
                reader.report(.restAboveHold, at: node, field: field, value: text, allowed: rule,
                              "a rest force above 100 % of the hold force is above the hold force")
                return nil
            }
            return .fractionOfHold(fraction)
        }
        let units = "\(QuantityText.forceUnitList), or %"
        guard let force = reader.quantity(node, field: field, unitList: units, example: "50 %",
                                          parse: QuantityText.force) else { return nil }
        guard force.value >= 0 else {
            reader.report(.invalidValue, at: node, field: field, value: text, allowed: rule, "must not be negative")
            return nil
        }
        if let lowestHold, force > lowestHold {
            reader.report(.restAboveHold, at: node, field: field, value: text, allowed: rule,
                          "the rest force is above the hold force")
            return nil
        }
        return .absolute(force)
    }

    private mutating func parseRamp(_ fields: Fields, speedKey: String, shapeKey: String, phase: String,
                                    in here: SourceLocation) -> Ramp? {
        let path = "\(phase).\(speedKey)"
        var speed: RampSpeed? = .rate(limits.defaultRampRate)
        sources[path] = FieldSource(location: here, text: "(default \(QuantityFormat.rate(limits.defaultRampRate)))")
        if let (_, node) = fields[speedKey] {
            speed = rampSpeed(node, field: path)
            record(path, node)
        }
        var shape: RampShape? = .linear
        if let (_, node) = fields[shapeKey] {
            shape = reader.choice(node, field: "\(phase).\(shapeKey)", as: RampShape.self)
        }
        guard let speed, let shape else { return nil }
        return Ramp(speed: speed, shape: shape)
    }

    private mutating func parseAngles(_ node: Node?, phase: String, inheriting previous: Angles) -> Angles? {
        guard let node else { return previous }
        let field = "\(phase).angles"
        guard let fields = reader.entries(of: node, field: field, allowedKeys: ProgramSchema.angleKeys) else {
            return nil
        }
        var angles = previous
        var valid = true
        for axis in AngleAxis.allCases {
            guard let (_, valueNode) = fields[axis.rawValue] else { continue }
            let path = "\(field).\(axis.rawValue)"
            let range = limits.range(of: axis)
            let rule = "\(QuantityFormat.degrees(range.lowerBound)) to \(QuantityFormat.degrees(range.upperBound))"
            guard let angle = reader.quantity(valueNode, field: path, unitList: "deg or °", example: "20 deg",
                                              parse: QuantityText.angle) else {
                valid = false
                continue
            }
            guard range.contains(angle) else {
                reader.report(.angleOutOfRange, at: valueNode, field: path, value: Self.text(valueNode),
                              allowed: rule, "out of the allowed range for \(axis)")
                valid = false
                continue
            }
            angles[axis] = angle
        }
        return valid ? angles : nil
    }

    private mutating func parseAngleMoveForce(_ node: Node, field: String, articulation: Bool) -> Newtons? {
        let ceiling = limits.nonTherapeuticForce
        let rule = "a force from 0 N to the non-therapeutic force \(QuantityFormat.newtons(ceiling)); "
            + "higher only by declaring articulation instead"
        guard let force = force(node, field: field) else { return nil }
        if articulation {
            reader.report(.invalidValue, at: node, field: field, value: Self.text(node),
                          allowed: "leave out angle_move_force when articulation is true",
                          "an articulating phase moves under the tension it inherits")
            return nil
        }
        guard force.value >= 0 else {
            reader.report(.invalidValue, at: node, field: field, value: Self.text(node), allowed: rule,
                          "must not be negative")
            return nil
        }
        guard force <= ceiling else {
            reader.report(.angleChangeUnderTension, at: node, field: field, value: Self.text(node), allowed: rule,
                          "angles would change at therapeutic tension without declared articulation")
            return nil
        }
        return force
    }
}
