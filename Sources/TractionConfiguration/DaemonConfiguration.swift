/// The daemon's configuration file (/etc/tractiond/tractiond.yaml or .toml),
/// as a value. docs/configuration.md documents every key.
///
/// Contract: every key has a default (a missing key takes it, an empty file
/// is the defaults), keys are snake_case with their unit in the name, a key
/// the schema does not know is an error (a misspelt safety key must never
/// fall back to a default silently), and `validate()` refuses any value out
/// of its range, any loosened SAFETY.md bound and any inconsistent pair.
/// `load(path:)` does all of that and throws every problem at once.
public struct DaemonConfiguration: Sendable, Hashable, Codable {
    public var device: DeviceSection
    public var loop: LoopSection
    public var limits: LimitsSection
    public var socket: SocketSection
    public var programs: ProgramsSection
    public var state: StateSection
    public var simulation: SimulationSection

    public init(device: DeviceSection = DeviceSection(), loop: LoopSection = LoopSection(),
                limits: LimitsSection = LimitsSection(), socket: SocketSection = SocketSection(),
                programs: ProgramsSection = ProgramsSection(), state: StateSection = StateSection(),
                simulation: SimulationSection = SimulationSection()) {
        self.device = device
        self.loop = loop
        self.limits = limits
        self.socket = socket
        self.programs = programs
        self.state = state
        self.simulation = simulation
    }

    /// The defaults: what a fresh installation runs with.
    public static let defaults = DaemonConfiguration()

    /// Where the daemon looks when no `--config` is given.
    public static let defaultPath = "/etc/tractiond/tractiond.yaml"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case device, loop, limits, socket, programs, state, simulation
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DaemonConfiguration()
        device = try container.setting(.device, default: defaults.device)
        loop = try container.setting(.loop, default: defaults.loop)
        limits = try container.setting(.limits, default: defaults.limits)
        socket = try container.setting(.socket, default: defaults.socket)
        programs = try container.setting(.programs, default: defaults.programs)
        state = try container.setting(.state, default: defaults.state)
        simulation = try container.setting(.simulation, default: defaults.simulation)
    }
}

/// `device`: the serial line to the table.
public struct DeviceSection: Sendable, Hashable, Codable {
    /// Serial device of the table (a udev rule gives it a stable name).
    public var path = "/dev/traction-table"
    /// Line rate in bit/s; one of `DeviceSection.standardBaudRates`.
    /// docs/wire-protocol.md section 2: 460800 is the protocol's default.
    public var baud = 460_800
    /// How long the handshake waits for the table's IDENTIFY_RESPONSE.
    public var handshakeTimeoutSeconds = 1.0

    /// The rates termios and libserialport offer on Linux.
    public static let standardBaudRates = [
        9_600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 500_000, 576_000, 921_600,
        1_000_000, 1_152_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000,
    ]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, baud
        case handshakeTimeoutSeconds = "handshake_timeout_s"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.setting(.path, default: path)
        baud = try container.setting(.baud, default: baud)
        handshakeTimeoutSeconds = try container.setting(.handshakeTimeoutSeconds, default: handshakeTimeoutSeconds)
    }
}

/// `loop`: the control thread.
public struct LoopSection: Sendable, Hashable, Codable {
    /// Control loop (and telemetry) rate.
    public var rateHertz = 250.0
    /// Ask for SCHED_FIFO and locked memory; off runs degraded and says so.
    public var realtime = true
    /// SCHED_FIFO priority of the control thread (the link's I/O thread runs at 70).
    public var fifoPriority = 80
    /// CPU the control thread is pinned to, or nil for no pinning.
    public var cpu: Int?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case rateHertz = "rate_hz"
        case realtime
        case fifoPriority = "fifo_priority"
        case cpu
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rateHertz = try container.setting(.rateHertz, default: rateHertz)
        realtime = try container.setting(.realtime, default: realtime)
        fifoPriority = try container.setting(.fifoPriority, default: fifoPriority)
        cpu = try container.setting(.cpu, default: cpu)
    }

    /// `cpu` is written even when absent (as null), so every key has a place.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rateHertz, forKey: .rateHertz)
        try container.encode(realtime, forKey: .realtime)
        try container.encode(fifoPriority, forKey: .fifoPriority)
        try container.encode(cpu, forKey: .cpu)
    }
}

/// `socket`: the control socket and who may use it.
public struct SocketSection: Sendable, Hashable, Codable {
    public var path = "/run/tractiond/control.sock"
    /// Group owning the socket (mode 0660) and its directory (0750).
    public var group = "traction"
    /// Unix groups whose members get each role. Root is always admin.
    public var roles = RoleGroups()
    public var maxClients = 128
    /// Of `maxClients`, the connections kept for peers that may stop a
    /// session (clinician and above): nobody in the socket's group can lock
    /// a clinician's stop out by holding every connection.
    public var reservedClients = 8
    /// Longest accepted request line, newline included.
    public var maxMessageBytes = 65_536
    /// Bytes queued for one client before it counts as slow and is dropped.
    public var clientQueueBytes = 262_144
    /// Whether the file set `group` and `roles`. A simulated daemon gives
    /// what is not set to its user's primary group. Where a value came from
    /// is not part of the configuration: neither encoded nor compared.
    public var groupIsSet = false
    public var rolesAreSet = false

    public init() {}

    public static func == (left: SocketSection, right: SocketSection) -> Bool {
        left.path == right.path && left.group == right.group && left.roles == right.roles
            && left.maxClients == right.maxClients && left.reservedClients == right.reservedClients
            && left.maxMessageBytes == right.maxMessageBytes
            && left.clientQueueBytes == right.clientQueueBytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(group)
        hasher.combine(roles)
        hasher.combine(maxClients)
        hasher.combine(reservedClients)
        hasher.combine(maxMessageBytes)
        hasher.combine(clientQueueBytes)
    }

    /// `tractiond --simulate` on a developer's machine, where the daemon's
    /// groups usually do not exist: a `group` the file did not set becomes
    /// `primaryGroup`, and so do the clinician and technician roles when
    /// `roles` was not set (the user running the daemon is admin anyway).
    /// A serial daemon never calls this: it keeps the configured groups.
    public mutating func defaultGroupsForSimulation(primaryGroup: String) {
        if !groupIsSet { group = primaryGroup }
        if !rolesAreSet {
            roles.clinician = [primaryGroup]
            roles.technician = [primaryGroup]
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, group, roles
        case maxClients = "max_clients"
        case reservedClients = "reserved_clients"
        case maxMessageBytes = "max_message_bytes"
        case clientQueueBytes = "client_queue_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.setting(.path, default: path)
        group = try container.setting(.group, default: group)
        roles = try container.setting(.roles, default: roles)
        groupIsSet = container.contains(.group)
        rolesAreSet = container.contains(.roles)
        maxClients = try container.setting(.maxClients, default: maxClients)
        reservedClients = try container.setting(.reservedClients, default: reservedClients)
        maxMessageBytes = try container.setting(.maxMessageBytes, default: maxMessageBytes)
        clientQueueBytes = try container.setting(.clientQueueBytes, default: clientQueueBytes)
    }
}

/// `socket.roles`: role -> Unix groups. A peer in several gets the highest role.
public struct RoleGroups: Sendable, Hashable, Codable {
    public var viewer = ["traction-view"]
    public var clinician = ["traction-clinic"]
    public var technician = ["traction-tech"]
    public var admin = ["traction-admin"]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case viewer, clinician, technician, admin
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        viewer = try container.setting(.viewer, default: viewer)
        clinician = try container.setting(.clinician, default: clinician)
        technician = try container.setting(.technician, default: technician)
        admin = try container.setting(.admin, default: admin)
    }
}

/// `programs`: where treatment programs are looked up, first match wins.
public struct ProgramsSection: Sendable, Hashable, Codable {
    public var directories = ["/etc/tractiond/programs", "/usr/share/tractiond/programs"]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case directories }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        directories = try container.setting(.directories, default: directories)
    }
}

/// `state`: persistent state (the interrupted-session marker).
public struct StateSection: Sendable, Hashable, Codable {
    public var directory = "/var/lib/tractiond"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case directory }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        directory = try container.setting(.directory, default: directory)
    }
}

/// `simulation`: drive the simulated table instead of the serial one (H15).
public struct SimulationSection: Sendable, Hashable, Codable {
    public var enabled = false
    /// Seed of the simulated patient's disturbances (same seed, same run).
    public var seed = 1
    /// Body mass of the simulated patient.
    public var patientWeightKilograms = 80.0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, seed
        case patientWeightKilograms = "patient_weight_kg"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.setting(.enabled, default: enabled)
        seed = try container.setting(.seed, default: seed)
        patientWeightKilograms = try container.setting(.patientWeightKilograms, default: patientWeightKilograms)
    }
}
