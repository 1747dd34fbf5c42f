import ArgumentParser
import Foundation
import Synchronization
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionPlant
import TractionSafety
import TractionSerial
import TractionTherapy

/// Set by SIGTERM and SIGINT; the main loop polls it. (A C signal handler
/// cannot capture context, so the flag is a global atomic.)
let terminationRequested = Atomic<Bool>(false)

/// The tractiond daemon. This version runs the simulated table (`--simulate`)
/// or a table on a serial port (`--device`, see TableConnection), and can
/// start one session from its command line; the control socket and the
/// configuration file come with their issues.
@main
struct Tractiond: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tractiond",
        abstract: "The traction table daemon: control loop, safety interlock and sessions.",
        discussion: """
            With --simulate the daemon drives the in-process table-and-patient model in real \
            time; every status line says SIMULATED. --program starts one session as soon as \
            the table is ready (a stand-in for the control socket). SIGTERM or SIGINT stops \
            any session, waits for the release to finish, and exits.
            """,
        version: "0.1.0"
    )

    @Flag(help: "Drive the simulated table instead of a serial one.")
    var simulate = false

    @Option(help: "The table's serial device (a USB adapter, /dev/traction-table, or a pty from tractionemu).")
    var device: String?

    @Option(help: "Line rate of --device in bit/s.")
    var baud: Int = SerialPortConfiguration.defaultBaudRate

    @Flag(help: "List the serial ports (with USB vendor, product and serial number where known) and exit.")
    var listPorts = false

    @Option(help: "Control loop rate in Hz (100-1000).")
    var rate: Double = 250

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

    func validate() throws {
        if listPorts { return }
        guard simulate != (device != nil) else {
            throw ValidationError("give either --simulate or --device PATH (the table's serial port), not both or neither")
        }
        guard baud > 0 else { throw ValidationError("--baud must be a positive number of bit/s") }
        guard EngineConfiguration.allowedRates.contains(rate) else {
            throw ValidationError("--rate must be from 100 to 1000 Hz")
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
        installSignalHandlers()
        let notifier = SystemdNotifier.fromProcessEnvironment()
        var plantConfiguration = PlantConfiguration(seed: seed)
        if let weight { plantConfiguration.patient = SimulatedPatient(bodyMass: Kilograms(weight)) }
        let link: any TableLink
        let identity: TableIdentity
        if let device {
            let connection = try TableConnection.open(device: device, baudRate: baud)
            (link, identity) = (connection.link, connection.identity)
            log("table \(identity.serialNumber) on \(device)\(identity.simulated ? " (SIMULATED by the table itself)" : "")")
        } else {
            let simulated = SimulatedTableLink(configuration: plantConfiguration, start: MonotonicClock.now())
            (link, identity) = (simulated, try simulated.identify())
        }
        let engineConfiguration = EngineConfiguration(rateHertz: rate).adapted(to: identity)
        let plan = try program.map { try loadPlan($0, limits: engineConfiguration.therapyLimits) }
        if let plan { plantConfiguration.patient = SimulatedPatient(bodyMass: plan.patient.weight, region: plan.patient.region) }

        // The simulated table's plant runs in the link, stepped by the loop's clock.
        _ = try? link.tare(at: MonotonicClock.now())
        let runtime = ControlLoopRuntime(engine: Engine(configuration: engineConfiguration, identity: identity), link: link)
        let loop = ControlLoopConfiguration(rateHertz: rate, realtime: noRealtime ? .none : RealtimeRequest())
        try runtime.start(configuration: loop)
        let mode = runtime.controlThread?.realtimeMode.map(String.init(describing:)) ?? "unknown"
        log("SIMULATED table \(identity.serialNumber), firmware \(identity.firmwareVersion); loop \(Int(rate)) Hz, \(mode)")

        var daemon = DaemonMainLoop(runtime: runtime, notifier: notifier, statusInterval: statusInterval, realtime: mode)
        daemon.run(plan: plan, patient: patient, confirmed: yes, stopAfter: seconds)
        runtime.stop()
        log("SIMULATED: stopped")
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
        // A parent may have started us with these signals blocked (a blocked
        // mask survives exec); a daemon that cannot hear SIGTERM cannot
        // release the tension before it is killed.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}

/// Writes one log line to standard error (journald under systemd).
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
