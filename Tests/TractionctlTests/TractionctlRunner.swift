import Foundation

/// Runs the real `tractionctl` binary built next to the test bundle.
struct TractionctlRunner {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary: beside the test bundle (`.build/<triple>/debug`), else
    /// `.build/debug` under the package root.
    static let executable: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("tractionctl")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return packageRoot.appendingPathComponent(".build/debug/tractionctl")
    }()

    /// Runs `tractionctl ARGUMENTS` in the package root and waits for it.
    /// Help text is wrapped to `COLUMNS`, pinned to 80 so golden files are
    /// stable whatever terminal runs the tests.
    static func run(_ arguments: [String], environment extra: [String: String] = [:],
                    asUser user: (uid: UInt32, gid: UInt32)? = nil) throws -> Result {
        let process = Process()
        if let user {
            // setpriv(1) runs it as another user, with no supplementary groups.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid", "\(user.uid)", "--regid", "\(user.gid)", "--clear-groups", "--",
                                 executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        // A socket named in the tests' own environment must not leak in.
        environment.removeValue(forKey: "TRACTION_SOCKET")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.currentDirectoryURL = packageRoot
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the child.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: String(decoding: errorData, as: UTF8.self))
    }

    static func shippedPrograms() -> [String] {
        let directory = packageRoot.appendingPathComponent("Config/programs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "Config/programs/\($0)" }
    }

    static func brokenFixtures() -> [String] {
        let directory = packageRoot.appendingPathComponent("Tests/TractionTherapyTests/Fixtures/invalid")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
            .map { "Tests/TractionTherapyTests/Fixtures/invalid/\($0)" }
    }

    /// The `# expect: CODE LINE:COLUMN FIELD` lines of a fixture.
    static func expectations(in path: String) -> [(code: String, position: String, field: String)] {
        let text = (try? String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# expect: ") else { return nil }
            let parts = line.dropFirst("# expect: ".count).split(separator: " ", maxSplits: 2).map(String.init)
            return parts.count == 3 ? (parts[0], parts[1], parts[2]) : nil
        }
    }
}
