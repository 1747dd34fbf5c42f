import TractionDevice

/// The physical model of a traction table with a patient on it: drive, cable
/// and harness, the patient's body, force sensors, angle actuators, inputs
/// and the table firmware. docs/simulation.md gives its equations and the
/// source of every default.
///
/// Pure and deterministic: no clock, no I/O, no allocation per step. Time is
/// passed in; the plant integrates in fixed sub-steps of
/// `PlantConfiguration.subStepNanoseconds` up to each instant it is given, so
/// the result does not depend on how often the caller looks. An instant
/// earlier than the plant's own time is a no-op (time never runs backwards).
public struct TablePlant: Sendable {
    public let configuration: PlantConfiguration

    private var drive: TractionDrive
    private var body: PatientBody
    private var sensors: ForceSensors
    private var actuators: AngleActuators
    private var disturbances: PatientDisturbances
    private var firmware: TableFirmware

    /// Discrete inputs (switches, e-stop, harness, split latch). Set freely.
    public var inputs = TableInputs()
    /// Injected faults. Set freely; take effect from the next sub-step.
    public var faults = TableFaults()

    /// The plant's own time: the start of the next sub-step, ns.
    public private(set) var nanoseconds: Int64
    private var subStepCount: UInt64 = 0
    private let origin: Int64
    private var cableForce: Double = 0
    private var powerWasLost = false

    /// A plant at rest at `start`: cable slack by `HarnessParameters.initialSlack`,
    /// drive disabled, no command received.
    ///
    /// - Precondition: `configuration.subStepNanoseconds` lies in
    ///   `PlantConfiguration.validSubStepNanoseconds` (a programming error
    ///   otherwise: a longer step makes the cervical mode numerically unstable,
    ///   a zero step would never advance).
    public init(configuration: PlantConfiguration, start: MonotonicInstant = .origin) {
        precondition(PlantConfiguration.validSubStepNanoseconds.contains(configuration.subStepNanoseconds),
                     "plant sub-step \(configuration.subStepNanoseconds) ns outside \(PlantConfiguration.validSubStepNanoseconds)")
        self.configuration = configuration
        drive = TractionDrive(parameters: configuration.drive)
        body = PatientBody(patient: configuration.patient)
        sensors = ForceSensors(parameters: configuration.sensors, random: .stream(1, of: configuration.seed))
        actuators = AngleActuators(flexion: configuration.flexionAxis,
                                   lateralTilt: configuration.lateralTiltAxis,
                                   rotation: configuration.rotationAxis)
        disturbances = PatientDisturbances(parameters: configuration.disturbances,
                                           random: .stream(2, of: configuration.seed))
        firmware = TableFirmware(drive: configuration.drive, variant: configuration.variant)
        nanoseconds = start.nanoseconds
        origin = start.nanoseconds
        sensors.sample(cableForce: 0, faults: faults.sensors)
    }

    // MARK: Driving the plant

    /// Integrates up to `instant` (to the last whole sub-step at or before it).
    public mutating func advance(to instant: MonotonicInstant) {
        let step = configuration.subStepNanoseconds
        while nanoseconds &+ step <= instant.nanoseconds {
            stepOnce()
        }
    }

    /// Advances to `instant`, then hands `command` to the firmware, which
    /// validates it. Returns false when the firmware rejected it as malformed
    /// or the table has no power.
    @discardableResult
    public mutating func receive(_ command: DriveCommand, at instant: MonotonicInstant) -> Bool {
        advance(to: instant)
        guard !faults.powerLost else { return false }
        return firmware.accept(command, at: nanoseconds)
    }

    /// Zeroes the load cell. Refused (returns false) while the cable carries
    /// more than the slack force, the load cell is stuck or the table has no
    /// power; `tareResult(at:)` says which.
    @discardableResult
    public mutating func tare(at instant: MonotonicInstant) -> Bool {
        tareResult(at: instant) == .done
    }

    /// Zeroes the load cell and says how the firmware answered. The order of
    /// the checks is the firmware's: no power means no answer at all; tension
    /// on the cable is refused before the averaging starts; a load cell whose
    /// samples do not vary during the averaging (stuck) fails the tare.
    public mutating func tareResult(at instant: MonotonicInstant) -> PlantTareResult {
        advance(to: instant)
        if faults.powerLost { return .unpowered }
        guard sensors.loadCellReading.magnitude <= configuration.drive.slackForce.value else {
            return .refusedTensionPresent
        }
        if faults.sensors.loadCellStuck { return .failedSensorFault }
        sensors.tare()
        return .done
    }

    /// The telemetry sample the table would send now: the readings of the
    /// last sub-step, stamped with the device time and received at `instant`.
    /// Advances to `instant` first. While power is lost a real table sends
    /// nothing (`SimulatedTableLink` withholds the sample); this still
    /// returns the last readings, for ground-truth charts.
    public mutating func telemetry(at instant: MonotonicInstant) -> Telemetry {
        advance(to: instant)
        return Telemetry(
            deviceTime: Seconds(Double(nanoseconds &- origin) / 1e9),
            receivedAt: instant,
            sequence: UInt16(truncatingIfNeeded: subStepCount),
            loadCellForce: Newtons(sensors.loadCellReading),
            redundantForce: Newtons(sensors.redundantReading),
            tractionPosition: Millimetres(drive.position),
            tractionVelocity: MillimetresPerSecond(drive.velocity),
            angles: actuators.angles,
            patientSwitch: inputs.patientSwitch,
            emergencyStopPressed: inputs.emergencyStopPressed,
            harnessClosed: inputs.harnessClosed,
            driveEnabled: isPowered && firmwarePowersDrive,
            driveFaults: reportedFaults
        )
    }

    // MARK: Ground truth, for tests, charts and replays (a real table has none)

    /// The true force in the cable.
    public var trueCableForce: Newtons { Newtons(cableForce) }
    /// The force the spine carries (cable force less friction and inertia).
    public var spineForce: Newtons { Newtons(body.spineForce) }
    /// Elongation of the treated region from its unloaded length.
    public var regionElongation: Millimetres { Millimetres(body.elongation) }
    /// The creep part of that elongation (both Kelvin-Voigt elements).
    public var creepElongation: Millimetres { Millimetres(body.creepElongation) }
    public var disturbanceActivity: DisturbanceActivity { disturbances.activity }

    /// A cough starting now whose muscle force peaks at `peak`.
    public mutating func injectCough(peak: Newtons) { disturbances.triggerCough(peakNewtons: peak.value) }
    /// The patient slides on the table by `offset`, starting now.
    public mutating func injectShift(by offset: Millimetres) {
        disturbances.triggerShift(offsetMillimetres: offset.value)
    }
    /// The patient tenses up now, stiffness times `stiffnessFactor`, for `duration`.
    public mutating func injectTensing(stiffnessFactor: Double, duration: Seconds) {
        disturbances.triggerTensing(stiffnessFactor: stiffnessFactor, seconds: duration.value, cableForce: cableForce)
    }
    /// Commands the firmware rejected as malformed.
    public var rejectedCommandCount: Int { firmware.rejectedCommandCount }
    /// The instant of the plant's own time.
    public var instant: MonotonicInstant { MonotonicInstant(nanoseconds: nanoseconds) }

    // MARK: Internals

    private var isPowered: Bool {
        !faults.powerLost && !inputs.emergencyStopPressed
            && faults.driveFaults.rawValue & TableFaults.bitsThatCutDrivePower.rawValue == 0
    }

    /// The firmware has the power stage on (a live enabling command, or a
    /// firmware-driven release).
    private var firmwarePowersDrive: Bool {
        switch firmware.demand(at: nanoseconds, powered: true, loadCell: sensors.loadCellReading,
                               redundant: sensors.redundantReading, driveVelocity: drive.velocity) {
        case .unpowered, .brake: false
        case .hold, .velocity: true
        }
    }

    private var reportedFaults: DriveFaults {
        var reported = faults.driveFaults.union(firmware.latchedFaults)
        if drive.drivenIntoTravelLimit { reported.insert(.endOfTravel) }
        return reported
    }

    private mutating func stepOnce() {
        let dt = Double(configuration.subStepNanoseconds) / 1e9
        if faults.powerLost {
            powerWasLost = true
        } else if powerWasLost {
            powerWasLost = false
            firmware.notePowerReturned()
        }
        firmware.noteExpiryIfDue(at: nanoseconds)
        if !faults.powerLost { firmware.notePatientSwitch(inputs.patientSwitch) }
        let powered = isPowered
        var demand = firmware.demand(at: nanoseconds, powered: powered, loadCell: sensors.loadCellReading,
                                     redundant: sensors.redundantReading, driveVelocity: drive.velocity)
        if faults.releaseStalled, case .velocity(let velocity, _) = demand, velocity < 0 { demand = .hold }
        drive.step(demand, cableForce: cableForce, dt: dt)
        actuators.step(demand: firmware.angleDemand(at: nanoseconds, powered: powered), powered: powered, dt: dt)

        disturbances.step(cableForce: cableForce, dt: dt)
        body.step(cableForce: cableForce, disturbance: disturbances.current,
                  sectionLatched: inputs.splitSectionLatched, dt: dt)
        let stretch = drive.position - body.elongation - configuration.harness.initialSlack.value
        cableForce = configuration.harness.forceNewtons(atStretchMillimetres: stretch)

        if !faults.powerLost {
            sensors.sample(cableForce: cableForce, faults: faults.sensors)
        }
        nanoseconds &+= configuration.subStepNanoseconds
        subStepCount &+= 1
    }
}

/// How the simulated firmware answered a tare request.
public enum PlantTareResult: Sendable, Hashable {
    case done
    /// The cable carries more than the slack force.
    case refusedTensionPresent
    /// The load cell's samples did not vary while the firmware averaged them.
    case failedSensorFault
    /// The table has no power: nothing answers.
    case unpowered
}
