import Foundation
#if canImport(Glibc)
import Glibc
import TractionTestSupport
#endif

/// A real `tractiond --simulate` with its control socket in a fresh
/// directory, for running tractionctl against it as a person would.
///
/// The binary is the one built beside tractionctl, or TRACTIOND_BINARY when
/// set (to try these tests against another build of the daemon).
final class SimulatedDaemon: @unchecked Sendable {
    static let executable: URL = {
        if let override = ProcessInfo.processInfo.environment["TRACTIOND_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return TractionctlRunner.executable.deletingLastPathComponent().appendingPathComponent("tractiond")
    }()

    let directory: String
    let socketPath: String
    /// The daemon's configuration file (a test may rewrite it and reload).
    let configurationFile: String
    let process: Process
    private let log = Log()

    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    /// Starts the daemon and waits until its table is ready.
    /// - Parameters:
    ///   - socketGroup: the group of the socket and its directory; nil
    ///     leaves `socket.group` out of the file (the simulated daemon then
    ///     takes its user's primary group).
    ///   - viewerGroups: groups granted the viewer role (for role tests).
    ///   - socketLines: more `socket:` keys, one `key: value` each.
    init(socketGroup: String? = "root", viewerGroups: [String] = [], socketLines: [String] = []) throws {
        directory = "/tmp/ctl-e2e-\(getpid())-\(UUID().uuidString.prefix(6))"
        // 0755: a test may run tractionctl as another user, who must reach the socket's directory.
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        chmod(directory, 0o755)
        socketPath = directory + "/run/s.sock"
        var configuration = "socket:\n  path: \(socketPath)\n"
        if let socketGroup { configuration += "  group: \(socketGroup)\n" }
        if !viewerGroups.isEmpty {
            configuration += "  roles:\n    viewer: [\(viewerGroups.joined(separator: ", "))]\n"
        }
        for line in socketLines { configuration += "  \(line)\n" }
        configuration += """
            programs:
              directories: [\(TractionctlRunner.packageRoot.path)/Config/programs]
            state:
              directory: \(directory)/state

            """
        configurationFile = directory + "/tractiond.yaml"
        try configuration.write(toFile: configurationFile, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = Self.executable
        process.arguments = ["--simulate", "--no-realtime", "--config", directory + "/tractiond.yaml",
                             "--socket", socketPath, "--status-interval", "60"]
        process.currentDirectoryURL = TractionctlRunner.packageRoot
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let log = self.log
        pipe.fileHandleForReading.readabilityHandler = { handle in log.append(handle.availableData) }
        try process.run()
        guard waitUntil({ try self.state() == "ready" }) else {
            stop()
            throw DaemonError("the simulated daemon did not become ready:\n\(log.value)")
        }
    }

    struct DaemonError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    var output: String { log.value }
    var pid: Int32 { process.processIdentifier }

    /// Ends the daemon (SIGTERM: it releases any tension first) and removes its directory.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            TractionTestSupport.waitUntil(timeout: 20, poll: 0.05) { !process.isRunning }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    /// `tractionctl ARGUMENTS --socket SOCKET`.
    func ctl(_ arguments: [String], environment: [String: String] = [:]) throws -> TractionctlRunner.Result {
        try TractionctlRunner.run(arguments + ["--socket", socketPath], environment: environment)
    }

    /// The interlock state from `tractionctl status --json`.
    func state() throws -> String? {
        let result = try ctl(["status", "--json"])
        guard result.status == 0 else { return nil }
        return (try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])?["state"] as? String
    }

    /// The codes of the active alarms.
    func alarmCodes() throws -> [String] {
        let result = try ctl(["alarms", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return (object?["alarms"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    /// The simulated harness: SIGUSR1 toggles it open and closed.
    func toggleHarness() { kill(process.processIdentifier, SIGUSR1) }

    /// Polls `condition` (a generous cap keeps a broken daemon from hanging the suite).
    func waitUntil(upTo seconds: Double = 30, _ condition: () throws -> Bool) -> Bool {
        TractionTestSupport.waitUntil(timeout: seconds, poll: 0.1) { (try? condition()) == true }
    }
}
