#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import TractionDevice
import TractionPlant
import TractionSerial
import TractionWire
import TractionPlatform

/// tractionemu: a simulated traction table behind the real wire protocol on a
/// pseudo-terminal (docs/emulator.md).
@main
struct TractionEmu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tractionemu",
        abstract: "Emulate a traction table (SIMULATED) behind the wire protocol on a pseudo-terminal.",
        discussion: """
            Prints the pty's device path on standard output, then runs until SIGINT or SIGTERM.
            Control commands (one per line on --control, or scheduled with --fault SECONDS:COMMAND):
            \(EmulatorCommand.usage)
            """)

    @Option(help: "Also make a symbolic link to the pty at this path (replaced if it is a link).")
    var link: String?

    @Option(help: "Listen for control commands on a Unix socket at this path.")
    var control: String?

    @Option(name: .customLong("fault"), help: "Apply a control command at a time since start, e.g. 5:stall or '2.5:drop 10'. Repeatable.")
    var faults: [String] = []

    @Option(help: "Telemetry frames per second. 460800 bit/s carries at most about 800.")
    var telemetryRate: Double = 500

    @Option(help: "The simulated patient's body mass in kg.")
    var weight: Double = 75

    @Option(help: "The treated region: lumbar or cervical.")
    var region: String = "lumbar"

    @Option(help: "Seed of the plant's noise and of byte corruption.")
    var seed: UInt64 = 1

    @Option(help: "Protocol version to answer in (another value tests the host's refusal).")
    var protocolVersion: UInt8 = WireFormat.protocolVersion

    @Option(help: "SCHED_FIFO priority of the emulator's thread (0: normal scheduling). A table's controller runs on its own hardware; this keeps the emulator's timing when the host is loaded.")
    var fifoPriority: Int32 = 60

    @Flag(help: "Log every rejected frame and failed write on standard error.")
    var verbose = false

    @Flag(help: "Play a table without a force limiter: above its ceiling it only stops pulling (wire protocol 10.2).")
    var noForceLimiter = false

    @Flag(help: "Play a table that leaves a patient-switch press to the host (revision 1.0), no release of its own.")
    var noSwitchRelease = false

    @Flag(help: "On drive off, let the tension back-drive the winch (dynamic braking) instead of applying the brake.")
    var driveOffCoasts = false

    @Flag(help: "Declare no second force channel (IDENTIFY flags bit 1 clear): a revision 1.0 table the host refuses.")
    var noRedundantChannel = false

    /// 460800 bit/s at 10 bits per byte carries about 830 TELEMETRY frames of
    /// 55 bytes a second; 1000 leaves the line no room for anything else.
    /// A TELEMETRY frame takes about 1.2 ms at 460800 bit/s; a write that
    /// makes no progress for 2 ms means nobody is reading.
    static let writeTimeout: Seconds = 0.002

    /// From 1 Hz, the protocol's least, so a table too slow for the safety
    /// bounds can be played (the host refuses it at the handshake).
    static let telemetryRates: ClosedRange<Double> = 1...800

    func validate() throws {
        guard Self.telemetryRates.contains(telemetryRate) else {
            throw ValidationError("--telemetry-rate must lie in \(Self.telemetryRates) Hz, not \(telemetryRate)")
        }
        guard (20...250).contains(weight) else { throw ValidationError("--weight must lie in 20...250 kg, not \(weight)") }
        guard TreatmentRegion(rawValue: region) != nil else {
            throw ValidationError("--region must be one of \(TreatmentRegion.allCases.map(\.rawValue)), not '\(region)'")
        }
        for fault in faults {
            do throws(EmulatorCommand.ParseError) {
                _ = try ScheduledEmulatorCommand(parsing: fault)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    func run() throws {
        var schedule: [ScheduledEmulatorCommand] = []
        for text in faults {
            do throws(EmulatorCommand.ParseError) {
                schedule.append(try ScheduledEmulatorCommand(parsing: text))
            } catch {
                throw ValidationError(error.description)
            }
        }
        let variant = TableVariant(limitsForceAtCeiling: !noForceLimiter, releasesOnPatientSwitch: !noSwitchRelease,
                                   driveOff: driveOffCoasts ? .unpowered : .brake)
        var plant = PlantConfiguration(
            seed: seed,
            patient: SimulatedPatient(bodyMass: Kilograms(weight), region: TreatmentRegion(rawValue: region) ?? .lumbar),
            variant: variant)
        plant.declaresRedundantForceChannel = !noRedundantChannel
        let port = try PseudoTerminal()
        // A host that does not read fills the pty; a real UART would simply
        // lose the bytes, so the emulator gives up on a frame quickly rather
        // than falling behind its telemetry schedule.
        port.writeTimeout = Self.writeTimeout
        if let link {
            var status = stat()
            if lstat(link, &status) == 0 {
                guard status.st_mode & S_IFMT == S_IFLNK else {
                    throw ValidationError("--link \(link) exists and is not a symbolic link; not replacing it")
                }
                unlink(link)
            }
            guard symlink(port.devicePath, link) == 0 else {
                throw ValidationError("cannot link \(link) to \(port.devicePath): \(Errno(errno).description)")
            }
        }
        defer { if let link { unlink(link) } }
        let channel: ControlChannel?
        do {
            channel = try control.map { path throws(ControlChannelError) in try ControlChannel(path: path) }
        } catch {
            throw ValidationError(error.description)
        }
        let emulator = try TableEmulator(
            settings: .init(plant: plant, telemetryRateHertz: telemetryRate, protocolVersion: protocolVersion,
                            faultSeed: seed, schedule: schedule, verbose: verbose),
            port: port, control: channel)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in emulatorStopRequested.store(true, ordering: .relaxed) }
        }
        // A parent that spawned us from a thread with these signals blocked
        // (Foundation's Process does) would otherwise leave us unstoppable.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        signal(SIGPIPE, SIG_IGN)
        if fifoPriority > 0 {
            var parameters = sched_param(sched_priority: fifoPriority)
            let error = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
            if error != 0 {
                let text = "tractionemu: SCHED_FIFO \(fifoPriority) refused (\(Errno(error).description)); running at normal priority\n"
                _ = text.utf8CString.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
            }
        }
        // Written unbuffered: a parent reading the first line of a pipe must
        // see it at once.
        let line = port.devicePath + "\n"
        _ = line.utf8CString.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
        emulator.run()
    }
}
