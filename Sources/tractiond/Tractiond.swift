import ArgumentParser
import Foundation
import Logging
import Synchronization
import TractionDaemon
import TractionDevice
import TractionPlatform
import TractionEngine
import TractionPlant
import TractionConfiguration
import TractionControlProtocol
import TractionSafety
import TractionSerial
import TractionService
import TractionTherapy

/// Set by SIGTERM and SIGINT; the main loop polls it. (A C signal handler
/// cannot capture context, so the flag is a global atomic.)
let terminationRequested = Atomic<Bool>(false)
/// Set by SIGHUP: read the configuration again (between sessions).
let reloadRequested = Atomic<Bool>(false)

/// The tractiond daemon: the control loop on its real-time thread, and on
/// the main thread the service side (control socket, sessions, records,
/// systemd). It drives a table on a serial port (`--device` or device.path,
/// see TableConnection) or the simulated table (`--simulate`), and can also
/// start one session from its command line.
@main
struct Tractiond: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tractiond",
        abstract: "The traction table daemon: control loop, safety interlock and sessions.",
        discussion: """
            With --simulate the daemon drives the in-process table-and-patient model in real \
            time; every status line says SIMULATED. Clients talk to the daemon on its control \
            socket (docs/control-protocol.md). --program starts one session as soon as the \
            table is ready. SIGTERM or SIGINT stops any session, waits for the release to \
            finish (under systemd extending its stop timeout while the force comes down), and exits; SIGHUP reads the configuration again (applied between sessions). \
            With --simulate, SIGUSR1 opens or closes the simulated harness.
            """,
        version: "0.2.0"
    )

    @Flag(help: "Drive the simulated table instead of a serial one.")
    var simulate = false

    @Option(help: "The table's serial device (overrides device.path; a USB adapter, /dev/traction-table, or a pty from tractionemu).")
    var device: String?

    @Option(help: "Line rate of the serial device in bit/s (overrides device.baud).")
    var baud: Int?

    @Flag(help: "List the serial ports (with USB vendor, product and serial number where known) and exit.")
    var listPorts = false

    @Option(help: "Control loop rate in Hz (250-1000; overrides loop.rate_hz, default 250).")
    var rate: Double?

    @Flag(help: "Do not ask for SCHED_FIFO and mlockall (the loop then runs degraded, and says so).")
    var noRealtime = false

    @Option(help: "Start a session with this program once the table is ready.")
    var program: String?

    @Option(help: "Patient body weight in kilograms (with --program).")
    var weight: Double?

    @Option(help: "Pseudonymous patient reference (never a name).")
    var patient: String = "SIM-PATIENT"

    @Flag(help: "The patient's first session: the first-session cap applies.")
    var firstSession = false

    @Flag(help: "Confirm a force above the confirmation threshold.")
    var yes = false

    @Option(help: "Seed of the simulated patient (with --simulate).")
    var seed: UInt64 = 1

    @Option(help: "Stop after this many seconds (for scripts and demos).")
    var seconds: Double?

    @Option(help: "Seconds between status lines on standard error.")
    var statusInterval: Double = 1

    @Option(help: "The configuration file (YAML or TOML; docs/configuration.md). Default: \(DaemonConfiguration.defaultPath) when it exists.")
    var config: String?

    @Flag(help: "Read and check the configuration file, print what is wrong (or that it is valid) and exit.")
    var checkConfig = false

    @Option(help: "The control socket (overrides socket.path).")
    var socket: String?

    @Option(help: "Directory of the interrupted-session marker (overrides state.directory).")
    var stateDirectory: String?

    @Option(help: "A program directory (overrides programs.directories; repeat for several, the first wins).")
    var programDirectory: [String] = []

    func validate() throws {
        if listPorts || checkConfig { return }
        if simulate && device != nil {
            throw ValidationError("give either --simulate or --device PATH (the table's serial port), not both")
        }
        if let baud, baud <= 0 { throw ValidationError("--baud must be a positive number of bit/s") }
        if let rate, !EngineConfiguration.allowedRates.contains(rate) {
            throw ValidationError("--rate \(EngineConfiguration.rateText(rate)) refused: "
                                  + EngineConfiguration.allowedRatesRule)
        }
        if program != nil && (weight.map { !($0 > 0) } ?? true) {
            throw ValidationError("--program needs --weight KG (a positive number)")
        }
    }

    func run() throws {
        if listPorts {
            try PortListing.print()
            return
        }
        var (daemonConfiguration, configurationFile) = try loadConfiguration()
        if checkConfig {
            Swift.print("\(configurationFile ?? "(no file: the defaults)"): the configuration is valid")
            return
        }
        applyCommandLine(to: &daemonConfiguration)
        let rate = daemonConfiguration.loop.rateHertz
        installSignalHandlers()
        let notifier = SystemdNotifier.fromProcessEnvironment()
        var plantConfiguration = PlantConfiguration(seed: seed)
        if let weight { plantConfiguration.patient = SimulatedPatient(bodyMass: Kilograms(weight)) }
        let simulating = simulate || (device == nil && daemonConfiguration.simulation.enabled)
        // A simulated daemon on a developer's machine: socket and roles in
        // the user's own primary group unless the file names groups.
        let simulationGroup = simulating ? Self.primaryGroupName() : nil
        if let simulationGroup {
            let configured = daemonConfiguration.socket
            daemonConfiguration.socket.defaultGroupsForSimulation(primaryGroup: simulationGroup)
            if !configured.groupIsSet || !configured.rolesAreSet {
                log("SIMULATED: socket.group/socket.roles not set; the control socket's group and the clinician "
                    + "and technician roles are \(simulationGroup), your primary group")
            }
        }
        let devicePath = daemonConfiguration.device.path
        let baudRate = daemonConfiguration.device.baud
        let serial: TableConnection? = simulating ? nil : try TableConnection.open(device: devicePath, baudRate: baudRate)
        // The simulated table's identity does not depend on its patient: read
        // it first, plan the command line's session with the table's limits,
        // then put that patient on the table.
        let identity = try serial?.identity ?? SimulatedTableLink(configuration: plantConfiguration).identify()
        let engineConfiguration = daemonConfiguration.engineConfiguration().adapted(to: identity)
        do {
            try engineConfiguration.validate()
        } catch {
            log(.error, "the safety configuration is invalid for this table: \(error)")
            throw ExitCode(78)
        }
        let plan = try program.map { try loadPlan($0, limits: engineConfiguration.therapyLimits) }
        if let plan { plantConfiguration.patient = SimulatedPatient(bodyMass: plan.patient.weight, region: plan.patient.region) }
        let simulatedLink = SimulatedTableLink(configuration: plantConfiguration, start: MonotonicClock.now())
        let link: any TareRequesting = serial?.link ?? SimulatedTableWithInputs(simulatedLink)
        if let serial {
            log("table \(serial.identity.serialNumber) on \(devicePath)\(identity.simulated ? " (SIMULATED by the table itself)" : "")")
        }

        // The simulated table's plant runs in the link, stepped by the loop's clock.
        if serial == nil { _ = try? simulatedLink.tare(at: MonotonicClock.now()) }
        let runtime = ControlLoopRuntime(engine: Engine(configuration: engineConfiguration, identity: identity),
                                         link: link)
        let realtime = daemonConfiguration.realtimeFIFOPriority.map { RealtimeRequest(fifoPriority: $0) } ?? .none
        if realtime.lockMemory {
            // Memory is locked as touched: run the hazard reactions once now,
            // so their code is resident before the first tick (CodeWarmup).
            if let warmup = CodeWarmup.run(configuration: engineConfiguration) {
                log("\(serial == nil ? "SIMULATED " : "")warm-up: \(warmup.scenarios) hazard scenarios replayed on a "
                    + "virtual clock (\(warmup.ticks) ticks in \(Int(saturatingRounded: warmup.seconds * 1000)) ms), "
                    + "their code resident before the first tick; alarms raised: "
                    + warmup.alarms.joined(separator: ", "))
            } else {
                log(.warning, "warm-up skipped: its program does not fit the configured limits; a first alarm may page-fault")
            }
        }
        let loop = ControlLoopConfiguration(rateHertz: rate, realtime: realtime)
        try runtime.start(configuration: loop)
        // The control thread must end before the runtime goes, whichever way run() leaves.
        defer { runtime.stop() }
        let mode = runtime.controlThread?.realtimeMode.map(String.init(describing:)) ?? "unknown"
        log("\(serial == nil ? "SIMULATED " : "")table \(identity.serialNumber), firmware \(identity.firmwareVersion); loop \(Int(saturatingRounded: rate)) Hz, \(mode)")

        let simulated = identity.simulated
        let prefix = simulated ? "SIMULATED " : ""
        let running = daemonConfiguration
        let service = DaemonService(
            runtime: runtime, engineConfiguration: engineConfiguration,
            configuration: DaemonServiceConfiguration(
                programDirectories: running.programs.directories,
                stateDirectory: running.state.directory, daemonVersion: Self.configuration.version,
                link: serial == nil ? LinkInfo(kind: "simulated", seed: seed)
                    : LinkInfo(kind: "serial", path: devicePath, baud: baudRate), loopRateHz: rate,
                maxMessageBytes: running.socket.maxMessageBytes, realtime: mode,
                realtimeDegraded: runtime.controlThread?.realtimeMode?.isDegraded ?? true,
                linkHealth: serial?.link),
            log: Logger(label: "tractiond.service") { _ in JournalLogHandler(prefix: prefix) },
            reload: configurationFile.map { file in
                { [self] in reload(file: file, running: running, simulationGroup: simulationGroup) }
            })
        let commandLineSession = try plan.map { plan in
            (text: try String(contentsOfFile: program!, encoding: .utf8), file: program!,
             patient: PatientParams(reference: patient, weightKg: plan.patient.weight.value,
                                    firstSession: firstSession),
             confirm: yes)
        }
        let supervisor = DaemonSupervisor(service: service, notifier: notifier, statusInterval: statusInterval,
                                          simulated: simulated, commandLineSession: commandLineSession,
                                          stopAfter: seconds,
                                          shutdown: ShutdownRelease(
                                              releaseRate: engineConfiguration.therapyLimits.defaultReleaseRate,
                                              deviceForceCap: engineConfiguration.therapyLimits.deviceForceCap),
                                          slackForce: engineConfiguration.safety.slackForce)
        try ServiceLoop.run(service: service, supervisor: supervisor,
                            socketPath: running.socket.path, socketOptional: serial == nil,
                            configuration: running, log: { log($0, prefix + $1) })
        log(prefix + "stopped")
        // EX_TEMPFAIL: the daemon gave up waiting; the table's lease finishes the release.
        if supervisor.releaseUnfinished { throw ExitCode(75) }
    }

    /// The file named by --config, else the default file when it exists,
    /// else the defaults. An invalid file stops the daemon with every
    /// problem listed (EX_CONFIG).
    private func loadConfiguration() throws -> (DaemonConfiguration, String?) {
        let file = config ?? (FileManager.default.fileExists(atPath: DaemonConfiguration.defaultPath)
            ? DaemonConfiguration.defaultPath : nil)
        guard let file else { return (DaemonConfiguration.defaults, nil) }
        do {
            return (try DaemonConfiguration.load(path: file), file)
        } catch {
            log(.error, error.description)
            throw ExitCode(78)
        }
    }

    /// What the command line overrides in the file. The file read at start
    /// and every file read by a reload go through this, so that a reload
    /// compares like with like: with `--no-realtime`, an unchanged file is
    /// not "loop.realtime changed, restart needed".
    private func applyCommandLine(to configuration: inout DaemonConfiguration) {
        if let rate { configuration.loop.rateHertz = rate }
        if noRealtime { configuration.loop.realtime = false }
        if let device { configuration.device.path = device }
        if let baud { configuration.device.baud = baud }
        if let socket { configuration.socket.path = socket }
        if let stateDirectory { configuration.state.directory = stateDirectory }
        if !programDirectory.isEmpty { configuration.programs.directories = programDirectory }
    }

    /// `config.reload` and SIGHUP: the new file, validated, with the same
    /// command-line overrides as the running one, and what it changes.
    private func reload(file: String, running: DaemonConfiguration,
                        simulationGroup: String?) -> Result<ServiceReload, ControlError> {
        var fresh: DaemonConfiguration
        do {
            fresh = try DaemonConfiguration.load(path: file)
            applyCommandLine(to: &fresh)
            if let simulationGroup { fresh.socket.defaultGroupsForSimulation(primaryGroup: simulationGroup) }
        } catch {
            return .failure(ControlError(.configurationInvalid, "\(file) is invalid; the running configuration is kept",
                                         data: ["errors": .array(error.problems.map { .string("\(file): \($0)") })]))
        }
        let plan = DaemonConfiguration.reloadPlan(from: running, to: fresh)
        let engineChanged = plan.betweenSessions.contains { $0.hasPrefix("limits.") }
        return .success(ServiceReload(
            engineConfiguration: engineChanged ? fresh.engineConfiguration() : nil,
            programDirectories: fresh.programs.directories, socket: ServiceLoop.socketSettings(fresh.socket),
            restartNeeded: plan.needsRestart, applicable: plan.canApplyBetweenSessions))
    }

    /// The name of the invoking user's primary group (getgrgid(getgid())).
    private static func primaryGroupName() -> String? {
        guard let entry = getgrgid(getgid()), let name = entry.pointee.gr_name else { return nil }
        return String(cString: name)
    }

    private func loadPlan(_ path: String, limits: TherapyLimits) throws -> SessionPlan {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("\(path): cannot be read")
        }
        switch ProgramValidator.validate(text: text, file: path, limits: limits) {
        case .failure(let diagnostics):
            throw ValidationError(diagnostics.diagnostics.map(\.description).joined(separator: "\n"))
        case .success(let program):
            let patient = PatientParameters(weight: Kilograms(weight ?? 0), region: program.program.region,
                                            firstSession: firstSession)
            do { return try SessionPlan(program: program, patient: patient) } catch {
                throw ValidationError("\(path): \(error)")
            }
        }
    }

    private func installSignalHandlers() {
        let handler: @convention(c) (Int32) -> Void = { _ in terminationRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
        let hangUp: @convention(c) (Int32) -> Void = { _ in reloadRequested.store(true, ordering: .relaxed) }
        signal(SIGHUP, hangUp)
        if simulate {
            let toggleHarness: @convention(c) (Int32) -> Void = { _ in
                _ = simulatedHarnessOpen.logicalXor(true, ordering: .relaxed)
            }
            signal(SIGUSR1, toggleHarness)
        }
        // A parent may have started us with these signals blocked (a blocked
        // mask survives exec); a daemon that cannot hear SIGTERM cannot
        // release the tension before it is killed.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGHUP)
        sigaddset(&unblock, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}

/// The daemon's own log (swift-log): one line per message on standard
/// error with its journald priority prefix (`JournalLogHandler`). Only the
/// main and service threads log; the control thread never does.
let daemonLog = Logger(label: "tractiond") { _ in JournalLogHandler() }

/// Logs one informational line.
func log(_ line: String) {
    daemonLog.info("\(line)")
}

/// Logs one line at `level`.
func log(_ level: Logger.Level, _ line: String) {
    daemonLog.log(level: level, "\(line)")
}
