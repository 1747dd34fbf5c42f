#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TractionDevice
import TractionTestSupport

/// The real tractionemu binary as a subprocess, with its pty linked into a
/// private directory and its control socket there too.
final class EmulatorProcess {
    let directory: URL
    let linkPath: String
    let controlPath: String
    private(set) var processID: pid_t = 0
    let stderrFile: URL
    private var controlSocket: Int32 = -1

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The binary next to the test bundle in the build's bin directory.
    static func binary() throws -> URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var candidates = [executable.deletingLastPathComponent().appendingPathComponent("tractionemu")]
        // The test binary sits in tractiondPackageTests.xctest/ on some layouts.
        candidates.append(executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tractionemu"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw Failure(description: "tractionemu not found beside \(executable.path); build it with `swift build --build-tests`")
    }

    init(arguments: [String] = []) throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("tractionemu-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        linkPath = directory.appendingPathComponent("table").path
        controlPath = directory.appendingPathComponent("control.sock").path
        stderrFile = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        processID = try Self.spawn(try Self.binary().path, ["--link", linkPath, "--control", controlPath] + arguments,
                                   stderrPath: stderrFile.path)
        let up = waitUntil(timeout: 10, poll: 0.005) {
            !isRunning || (FileManager.default.fileExists(atPath: linkPath) && FileManager.default.fileExists(atPath: controlPath))
        }
        guard up, isRunning else { throw Failure(description: "tractionemu did not come up: \(stderrText)") }
    }

    /// posix_spawn rather than Foundation's Process: the child gets an empty
    /// signal mask (the test runner's threads block SIGTERM) and is reaped
    /// with a plain waitpid.
    private static func spawn(_ path: String, _ arguments: [String], stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath, O_WRONLY | O_APPEND, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let error = posix_spawn(&child, path, &actions, &attributes, argv, environ)
        guard error == 0 else { throw Failure(description: "cannot start \(path): \(String(cString: strerror(error)))") }
        return child
    }

    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(processID, &status, WNOHANG) == 0
    }

    deinit {
        kill(processID, SIGTERM)
        var status: Int32 = 0
        _ = waitpid(processID, &status, 0)
        if controlSocket >= 0 { close(controlSocket) }
        try? FileManager.default.removeItem(at: directory)
    }

    var stderrText: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Sends one control command and returns the reply line.
    @discardableResult
    func control(_ command: String) throws -> String {
        if controlSocket < 0 { controlSocket = try connectControl() }
        let line = command + "\n"
        _ = line.utf8CString.withUnsafeBytes { write(controlSocket, $0.baseAddress, $0.count - 1) }
        var reply: [UInt8] = []
        var byte: UInt8 = 0
        while read(controlSocket, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { return String(decoding: reply, as: UTF8.self) }
            reply.append(byte)
        }
        throw Failure(description: "control socket closed while waiting for the reply to '\(command)'")
    }

    /// The `status` reply as key/value pairs.
    func status() throws -> [String: String] {
        let reply = try control("status")
        guard reply.hasPrefix("ok ") else { throw Failure(description: "status failed: \(reply)") }
        var fields: [String: String] = [:]
        for pair in reply.dropFirst(3).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }

    private func connectControl() throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in controlPath.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "cannot connect to \(controlPath): \(String(cString: strerror(errno)))")
        }
        return descriptor
    }
}
