import TractionEngine
import TractionSafety

extension DaemonConfiguration {
    /// The bounds SAFETY.md fixes, which no configuration may loosen. A value
    /// beyond one is refused with the bound named, not just "out of range".
    public enum SafetyBound {
        /// H1: over-force reaction within 2 ticks.
        public static let overForceDebounceSamples = SafetyConfiguration.RequiredBounds.maximumOverForceDebounceSamples
        /// H5: warn after 2 telemetry periods without a sample.
        public static let staleTelemetryPeriods = 2.0
        /// H5: the host declares the link lost within 50 ms.
        public static let telemetryLossMilliseconds = SafetyConfiguration.RequiredBounds.linkLossBound.milliseconds
        /// H5/H6: the table releases within 100 ms of the last valid command.
        public static let commandLeaseMilliseconds = SafetyConfiguration.RequiredBounds.leaseBound.milliseconds
        /// H4: sensor faults detected within 100 ms.
        public static let sensorDetectionMilliseconds = SafetyConfiguration.RequiredBounds.sensorDetectionBound.milliseconds
        /// H3: faster than 20-30 N/s is outside clinical practice (PLANT-FACTS.md);
        /// neither the planner nor the kernel's ceiling may ramp faster.
        public static let forceRiseNewtonsPerSecond = 30.0
        /// H7: a switch fault is declared within 100 ms, as a sensor fault (H4).
        public static let switchDisagreementMilliseconds = 100.0
    }

    /// Telemetry bytes per frame on the wire (docs/wire-protocol.md section 2:
    /// 54 bytes of 10 bit times) and the share of the line it may take, which
    /// leaves room for fault reports and retransmitted handshakes.
    static let telemetryBitsPerFrame = 540.0
    static let telemetryLineShare = 0.8

    /// Every problem of this configuration, in schema order. Empty means valid.
    /// `load(path:)` adds the lines from the file.
    public func problems() -> [ConfigurationProblem] {
        var check = ConfigurationChecker()
        check.device(device)
        check.loop(loop, baud: device.baud)
        check.limits(limits)
        check.socket(socket)
        check.paths(programs, state)
        check.simulation(simulation, limits: limits)
        // The kernel's own validation is the last word: anything it refuses
        // that the checks above let through is still reported.
        if check.problems.isEmpty {
            do {
                try engineConfiguration().safety.validate()
            } catch {
                check.problems.append(ConfigurationProblem(keyPath: "limits.safety", line: nil, value: nil,
                                                           reason: error.description))
            }
        }
        return check.problems
    }

    /// Throws every problem at once, or returns.
    public func validate(file: String = "(configuration)") throws(ConfigurationError) {
        let found = problems()
        if !found.isEmpty { throw ConfigurationError(file: file, problems: found) }
    }
}

/// Collects problems key by key. One method per section keeps each rule next
/// to the key it guards.
struct ConfigurationChecker {
    var problems: [ConfigurationProblem] = []

    private mutating func fail(_ keyPath: String, _ value: String?, _ reason: String) {
        problems.append(ConfigurationProblem(keyPath: keyPath, line: nil, value: value, reason: reason))
    }

    private static func text(_ value: Double) -> String { NumberText.format(value) }

    /// `value` within `range`; above the top, when `safetyBound` names a
    /// SAFETY.md bound, the message says the bound would be loosened.
    mutating func range(_ keyPath: String, _ value: Double, _ range: ClosedRange<Double>, _ unit: String,
                        safetyBound: String? = nil) {
        guard !range.contains(value) else { return }
        let unitText = unit.isEmpty ? "" : " \(unit)"
        if let safetyBound, value > range.upperBound {
            fail(keyPath, Self.text(value), "loosens a SAFETY.md bound: at most \(Self.text(range.upperBound))\(unitText) "
                 + "(\(safetyBound))")
        } else {
            fail(keyPath, Self.text(value),
                 "out of range: must be \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound))\(unitText)")
        }
    }

    mutating func range(_ keyPath: String, _ value: Int, _ range: ClosedRange<Int>, _ unit: String = "",
                        safetyBound: String? = nil) {
        self.range(keyPath, Double(value), Double(range.lowerBound)...Double(range.upperBound), unit,
                   safetyBound: safetyBound)
    }

    /// `lhs <= rhs` between two keys, both named in the message.
    mutating func atMost(_ keyPath: String, _ value: Double, _ otherPath: String, _ other: Double, _ unit: String,
                         strictly: Bool = false) {
        let holds = strictly ? value < other : value <= other
        guard !holds else { return }
        fail(keyPath, Self.text(value), "must be \(strictly ? "below" : "at most") \(otherPath) "
             + "(\(Self.text(other))\(unit.isEmpty ? "" : " \(unit)"))")
    }

    mutating func absolutePath(_ keyPath: String, _ path: String) {
        if !path.hasPrefix("/") || path.contains("\0") {
            fail(keyPath, "\"\(path)\"", "must be an absolute path")
        }
    }

    /// Group names as useradd(8) accepts them.
    mutating func groupName(_ keyPath: String, _ name: String) {
        let valid = !name.isEmpty && name.count <= 32 && name.unicodeScalars.enumerated().allSatisfy { index, scalar in
            ("a"..."z").contains(scalar) || scalar == "_"
                || (index > 0 && (("0"..."9").contains(scalar) || scalar == "-"))
        }
        if !valid {
            fail(keyPath, "\"\(name)\"", "must be a group name: lower-case letters, digits, '_' and '-', "
                 + "starting with a letter or '_', at most 32 characters")
        }
    }

    mutating func device(_ device: DeviceSection) {
        absolutePath("device.path", device.path)
        if !DeviceSection.standardBaudRates.contains(device.baud) {
            fail("device.baud", String(device.baud), "must be a standard rate: "
                 + DeviceSection.standardBaudRates.map(String.init).joined(separator: ", "))
        }
        range("device.handshake_timeout_s", device.handshakeTimeoutSeconds, 0.1...30, "s")
    }

    mutating func loop(_ loop: LoopSection, baud: Int) {
        // The kernel counts its 2-tick H1 debounce in ticks and needs a tick
        // of at most 4 ms: the engine's allowed rates.
        range("loop.rate_hz", loop.rateHertz, EngineConfiguration.allowedRates, "Hz")
        let needed = loop.rateHertz * DaemonConfiguration.telemetryBitsPerFrame
        if loop.rateHertz.isFinite, needed > Double(baud) * DaemonConfiguration.telemetryLineShare {
            fail("loop.rate_hz", NumberText.format(loop.rateHertz),
                 "telemetry at this rate needs \(NumberText.format(needed)) bit/s, more than 80 % of device.baud (\(baud)); "
                 + "raise device.baud")
        }
        range("loop.fifo_priority", loop.fifoPriority, 1...99)
        if let cpu = loop.cpu { range("loop.cpu", cpu, 0...1023) }
    }

    mutating func limits(_ limits: LimitsSection) {
        let safety = limits.safety
        range("limits.device_force_cap_n", limits.deviceForceCapNewtons, 100...1000, "N")
        let roomBelowDevice = limits.deviceForceCapNewtons - safety.overForceToleranceMinNewtons
        for (name, region, capRange) in [("lumbar", limits.lumbar, 100.0...900), ("cervical", limits.cervical, 50.0...250)] {
            let prefix = "limits.\(name)"
            range("\(prefix).force_cap_n", region.forceCapNewtons, capRange, "N")
            if region.forceCapNewtons > roomBelowDevice {
                fail("\(prefix).force_cap_n", ConfigurationChecker.text(region.forceCapNewtons),
                     "must be at most limits.device_force_cap_n - limits.safety.over_force_tolerance_min_n "
                     + "(\(ConfigurationChecker.text(roomBelowDevice)) N), so the kernel's hard cap stays above it")
            }
            // Outside a session the kernel holds the idle limit, so a region
            // cap at or below it would leave no room for treatment.
            atMost("limits.safety.idle_force_limit_n", safety.idleForceLimitNewtons, "\(prefix).force_cap_n",
                   region.forceCapNewtons, "N", strictly: true)
            range("\(prefix).max_body_weight_fraction", region.maxBodyWeightFraction, 0.01...1, "")
            range("\(prefix).first_session_body_weight_fraction", region.firstSessionBodyWeightFraction, 0.01...1, "")
            range("\(prefix).confirmation_body_weight_fraction", region.confirmationBodyWeightFraction, 0.01...1, "")
            atMost("\(prefix).first_session_body_weight_fraction", region.firstSessionBodyWeightFraction,
                   "\(prefix).max_body_weight_fraction", region.maxBodyWeightFraction, "")
            atMost("\(prefix).confirmation_body_weight_fraction", region.confirmationBodyWeightFraction,
                   "\(prefix).max_body_weight_fraction", region.maxBodyWeightFraction, "")
        }
        range("limits.non_therapeutic_force_n", limits.nonTherapeuticForceNewtons, 10...100, "N")
        range("limits.default_release_rate_n_per_s", limits.defaultReleaseRateNewtonsPerSecond, 1...50, "N/s")
        range("limits.max_release_rate_n_per_s", limits.maxReleaseRateNewtonsPerSecond, 1...100, "N/s")
        atMost("limits.default_release_rate_n_per_s", limits.defaultReleaseRateNewtonsPerSecond,
               "limits.max_release_rate_n_per_s", limits.maxReleaseRateNewtonsPerSecond, "N/s")
        let riseBound = "H3: faster than 30 N/s is outside clinical practice"
        range("limits.default_ramp_rate_n_per_s", limits.defaultRampRateNewtonsPerSecond, 1...DaemonConfiguration.SafetyBound.forceRiseNewtonsPerSecond,
              "N/s", safetyBound: riseBound)
        range("limits.max_ramp_rate_n_per_s", limits.maxRampRateNewtonsPerSecond, 1...DaemonConfiguration.SafetyBound.forceRiseNewtonsPerSecond,
              "N/s", safetyBound: riseBound)
        atMost("limits.default_ramp_rate_n_per_s", limits.defaultRampRateNewtonsPerSecond,
               "limits.max_ramp_rate_n_per_s", limits.maxRampRateNewtonsPerSecond, "N/s")
        // A phase without ramp_down releases at the default ramp rate.
        atMost("limits.default_ramp_rate_n_per_s", limits.defaultRampRateNewtonsPerSecond,
               "limits.max_release_rate_n_per_s", limits.maxReleaseRateNewtonsPerSecond, "N/s")
        // The kernel's ceiling must not cut a planned ramp short.
        atMost("limits.max_ramp_rate_n_per_s", limits.maxRampRateNewtonsPerSecond,
               "limits.safety.max_force_rate_n_per_s", safety.maxForceRateNewtonsPerSecond, "N/s")
        range("limits.patient_weight_min_kg", limits.patientWeightMinKilograms, 10...150, "kg")
        range("limits.patient_weight_max_kg", limits.patientWeightMaxKilograms, 30...300, "kg")
        atMost("limits.patient_weight_min_kg", limits.patientWeightMinKilograms,
               "limits.patient_weight_max_kg", limits.patientWeightMaxKilograms, "kg", strictly: true)
        range("limits.max_session_duration_s", limits.maxSessionDurationSeconds, 60...7200, "s")
        safetyThresholds(safety, limits: limits)
    }
}

extension ConfigurationChecker {
    mutating func safetyThresholds(_ safety: SafetyThresholds, limits: LimitsSection) {
        let p = "limits.safety."
        typealias Bound = DaemonConfiguration.SafetyBound
        range(p + "over_force_debounce_samples", safety.overForceDebounceSamples, 1...Bound.overForceDebounceSamples,
              safetyBound: "H1: the over-force reaction comes within 2 ticks")
        range(p + "over_force_tolerance_fraction", safety.overForceToleranceFraction, 0...0.2, "",
              safetyBound: "H1: consoles hold force to +/-10 %, the standard allows at most 20 %")
        range(p + "over_force_tolerance_min_n", safety.overForceToleranceMinNewtons, 0...50, "N",
              safetyBound: "H1: the standard allows at most +/-50 N")
        range(p + "idle_force_limit_n", safety.idleForceLimitNewtons, 10...100, "N")
        atMost("limits.non_therapeutic_force_n", limits.nonTherapeuticForceNewtons,
               p + "idle_force_limit_n", safety.idleForceLimitNewtons, "N")
        range(p + "slack_force_n", safety.slackForceNewtons, 1...50, "N")
        atMost(p + "slack_force_n", safety.slackForceNewtons, "limits.non_therapeutic_force_n",
               limits.nonTherapeuticForceNewtons, "N", strictly: true)
        range(p + "max_force_rate_n_per_s", safety.maxForceRateNewtonsPerSecond,
              1...Bound.forceRiseNewtonsPerSecond, "N/s", safetyBound: "H3: faster than 30 N/s is outside clinical practice")
        range(p + "measured_force_rate_limit_n_per_s", safety.measuredForceRateLimitNewtonsPerSecond, 1...120, "N/s")
        atMost(p + "max_force_rate_n_per_s", safety.maxForceRateNewtonsPerSecond,
               p + "measured_force_rate_limit_n_per_s", safety.measuredForceRateLimitNewtonsPerSecond, "N/s")
        range(p + "force_rate_window_ms", safety.forceRateWindowMilliseconds, 10...500, "ms")
        range(p + "stale_telemetry_periods", safety.staleTelemetryPeriods, 1...Bound.staleTelemetryPeriods, "",
              safetyBound: "H5: warn after 2 periods without telemetry")
        range(p + "telemetry_loss_timeout_ms", safety.telemetryLossTimeoutMilliseconds,
              1...Bound.telemetryLossMilliseconds, "ms", safetyBound: "H5: the host declares a lost link within 50 ms")
        range(p + "command_lease_ms", safety.commandLeaseMilliseconds, 10...Bound.commandLeaseMilliseconds, "ms",
              safetyBound: "H5/H6: the table releases within 100 ms of the last valid command")
        range(p + "load_cell_min_n", safety.loadCellMinNewtons, -500...(-1), "N")
        range(p + "load_cell_max_n", safety.loadCellMaxNewtons, 100...5000, "N")
        atMost("limits.device_force_cap_n", limits.deviceForceCapNewtons, p + "load_cell_max_n",
               safety.loadCellMaxNewtons, "N", strictly: true)
        range(p + "stuck_motion_threshold_mm_per_s", safety.stuckMotionThresholdMillimetresPerSecond, 0.1...10, "mm/s")
        range(p + "stuck_force_resolution_n", safety.stuckForceResolutionNewtons, 0.001...2, "N")
        range(p + "stuck_detection_time_ms", safety.stuckDetectionTimeMilliseconds,
              10...Bound.sensorDetectionMilliseconds, "ms", safetyBound: "H4: sensor faults are detected within 100 ms")
        range(p + "stuck_detection_min_force_n", safety.stuckDetectionMinForceNewtons, 1...200, "N")
        range(p + "plausibility_tolerance_fraction", safety.plausibilityToleranceFraction, 0.005...0.2, "")
        atMost(p + "plausibility_tolerance_fraction", safety.plausibilityToleranceFraction,
               p + "over_force_tolerance_fraction", safety.overForceToleranceFraction, "", strictly: true)
        range(p + "plausibility_tolerance_min_n", safety.plausibilityToleranceMinNewtons, 0.5...50, "N")
        atMost(p + "plausibility_tolerance_min_n", safety.plausibilityToleranceMinNewtons,
               p + "over_force_tolerance_min_n", safety.overForceToleranceMinNewtons, "N", strictly: true)
        range(p + "plausibility_detection_time_ms", safety.plausibilityDetectionTimeMilliseconds,
              10...Bound.sensorDetectionMilliseconds, "ms", safetyBound: "H4: sensor faults are detected within 100 ms")
        range(p + "patient_switch_disagreement_ms", safety.patientSwitchDisagreementMilliseconds,
              1...Bound.switchDisagreementMilliseconds, "ms",
              safetyBound: "H7: a faulty patient switch is found within 100 ms, as a sensor fault")
        range(p + "angle_drift_tolerance_deg", safety.angleDriftToleranceDegrees, 0.1...5, "°")
        range(p + "angle_following_error_deg", safety.angleFollowingErrorDegrees, 0.5...10, "°")
        range(p + "angle_following_error_time_ms", safety.angleFollowingErrorTimeMilliseconds, 10...1000, "ms")
        range(p + "angle_range_margin_deg", safety.angleRangeMarginDegrees, 0...2, "°")
        range(p + "overrun_window_s", safety.overrunWindowSeconds, 0.1...10, "s")
        range(p + "overrun_budget", safety.overrunBudget, 0...1000)
        range(p + "overrun_hard_budget", safety.overrunHardBudget, 1...1000)
        atMost(p + "overrun_budget", Double(safety.overrunBudget), p + "overrun_hard_budget",
               Double(safety.overrunHardBudget), "", strictly: true)
        range(p + "max_traction_speed_mm_per_s", safety.maxTractionSpeedMillimetresPerSecond, 1...100, "mm/s")
    }

    mutating func socket(_ socket: SocketSection) {
        absolutePath("socket.path", socket.path)
        // sun_path holds 108 bytes, the terminating NUL included.
        if socket.path.utf8.count > 107 {
            fail("socket.path", "\"\(socket.path)\"", "is \(socket.path.utf8.count) bytes; a Unix socket path holds at most 107")
        }
        groupName("socket.group", socket.group)
        for (role, groups) in [("viewer", socket.roles.viewer), ("clinician", socket.roles.clinician),
                               ("technician", socket.roles.technician), ("admin", socket.roles.admin)] {
            for (index, group) in groups.enumerated() { groupName("socket.roles.\(role)[\(index)]", group) }
        }
        range("socket.max_clients", socket.maxClients, 1...1024)
        range("socket.reserved_clients", socket.reservedClients, 0...1024)
        range("socket.max_message_bytes", socket.maxMessageBytes, 1024...1_048_576, "bytes")
        range("socket.client_queue_bytes", socket.clientQueueBytes, 4096...16_777_216, "bytes")
        atMost("socket.max_message_bytes", Double(socket.maxMessageBytes), "socket.client_queue_bytes",
               Double(socket.clientQueueBytes), "bytes")
    }

    mutating func paths(_ programs: ProgramsSection, _ state: StateSection) {
        if programs.directories.isEmpty { fail("programs.directories", "[]", "must list at least one directory") }
        for (index, directory) in programs.directories.enumerated() {
            absolutePath("programs.directories[\(index)]", directory)
        }
        absolutePath("state.directory", state.directory)
    }

    mutating func simulation(_ simulation: SimulationSection, limits: LimitsSection) {
        range("simulation.seed", simulation.seed, 0...Int.max)
        let lowest = limits.patientWeightMinKilograms, highest = limits.patientWeightMaxKilograms
        // A broken weight range is reported on its own keys; no range to check against then.
        guard lowest.isFinite, highest.isFinite, lowest <= highest else { return }
        range("simulation.patient_weight_kg", simulation.patientWeightKilograms, lowest...highest,
              "kg (limits.patient_weight_min_kg to limits.patient_weight_max_kg)")
    }
}
