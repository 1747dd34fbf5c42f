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
        check.telemetryTimes(limits, loop)
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

    /// Every key of `limits` within its range (`LimitSetting.all`), then the
    /// rules between keys (docs/configuration.md section 3.6).
    mutating func limits(_ limits: LimitsSection) {
        for setting in LimitSetting.all {
            let value = setting.read(limits)
            if setting.isInteger, value.isFinite, value != value.rounded() {
                fail(setting.key, Self.text(value), "must be a whole number")
            }
            range(setting.key, value, setting.range, setting.messageUnit, safetyBound: setting.safetyBound)
        }
        func value(_ key: String) -> Double { LimitSetting.setting(key)?.read(limits) ?? .nan }
        func atMost(_ key: String, _ otherKey: String, strictly: Bool = false) {
            self.atMost(key, value(key), otherKey, value(otherKey), LimitSetting.setting(key)?.messageUnit ?? "",
                        strictly: strictly)
        }
        let roomBelowDevice = value("limits.device_force_cap_n") - value("limits.safety.over_force_tolerance_min_n")
        for region in ["lumbar", "cervical"] {
            let cap = value("limits.\(region).force_cap_n")
            if cap > roomBelowDevice {
                fail("limits.\(region).force_cap_n", Self.text(cap),
                     "must be at most limits.device_force_cap_n - limits.safety.over_force_tolerance_min_n "
                     + "(\(Self.text(roomBelowDevice)) N), so the kernel's hard cap stays above it")
            }
            // Outside a session the kernel holds the idle limit, so a region
            // cap at or below it would leave no room for treatment.
            atMost("limits.safety.idle_force_limit_n", "limits.\(region).force_cap_n", strictly: true)
            atMost("limits.\(region).first_session_body_weight_fraction", "limits.\(region).max_body_weight_fraction")
            atMost("limits.\(region).confirmation_body_weight_fraction", "limits.\(region).max_body_weight_fraction")
        }
        atMost("limits.default_release_rate_n_per_s", "limits.max_release_rate_n_per_s")
        atMost("limits.default_ramp_rate_n_per_s", "limits.max_ramp_rate_n_per_s")
        // A phase without ramp_down releases at the default ramp rate.
        atMost("limits.default_ramp_rate_n_per_s", "limits.max_release_rate_n_per_s")
        // The kernel's ceiling must not cut a planned ramp short.
        atMost("limits.max_ramp_rate_n_per_s", "limits.safety.max_force_rate_n_per_s")
        atMost("limits.patient_weight_min_kg", "limits.patient_weight_max_kg", strictly: true)
        // The table's limiter holds the ceiling; a steady hold must sit below it.
        atMost("limits.table_ceiling_margin_fraction", "limits.approach_margin_fraction")
        atMost("limits.table_ceiling_margin_min_n", "limits.approach_margin_min_n", strictly: true)
        atMost("limits.non_therapeutic_force_n", "limits.safety.idle_force_limit_n")
        atMost("limits.safety.slack_force_n", "limits.non_therapeutic_force_n", strictly: true)
        atMost("limits.safety.max_force_rate_n_per_s", "limits.safety.measured_force_rate_limit_n_per_s")
        atMost("limits.device_force_cap_n", "limits.safety.load_cell_max_n", strictly: true)
        // H4 must name a disagreeing force channel before its error reaches
        // the over-force tolerance (issue 12: the old tolerance never could).
        atMost("limits.safety.plausibility_tolerance_fraction", "limits.safety.over_force_tolerance_fraction",
               strictly: true)
        atMost("limits.safety.plausibility_tolerance_min_n", "limits.safety.over_force_tolerance_min_n", strictly: true)
        atMost("limits.safety.overrun_budget", "limits.safety.overrun_hard_budget", strictly: true)
        // A table under this much tension at rest fails the self-test; it
        // must stay below the idle limit the kernel judges at rest.
        atMost("limits.self_test.largest_idle_force_n", "limits.safety.idle_force_limit_n", strictly: true)
    }

    /// The loss timeout must outlast the stale threshold, which counts loop
    /// periods: at 250 Hz, 2 periods are 8 ms.
    mutating func telemetryTimes(_ limits: LimitsSection, _ loop: LoopSection) {
        guard loop.rateHertz.isFinite, loop.rateHertz > 0 else { return }
        let staleMilliseconds = limits.safety.staleTelemetryPeriods * 1000 / loop.rateHertz
        let lossMilliseconds = limits.safety.telemetryLossTimeout.value * 1000
        if !(lossMilliseconds > staleMilliseconds) {
            fail("limits.safety.telemetry_loss_timeout_ms", Self.text(lossMilliseconds),
                 "must be longer than limits.safety.stale_telemetry_periods loop periods "
                 + "(\(Self.text(staleMilliseconds)) ms at loop.rate_hz \(Self.text(loop.rateHertz)))")
        }
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
        let lowest = limits.patientWeightMinimum.value, highest = limits.patientWeightMaximum.value
        // A broken weight range is reported on its own keys; no range to check against then.
        guard lowest.isFinite, highest.isFinite, lowest <= highest else { return }
        range("simulation.patient_weight_kg", simulation.patientWeightKilograms, lowest...highest,
              "kg (limits.patient_weight_min_kg to limits.patient_weight_max_kg)")
    }
}
