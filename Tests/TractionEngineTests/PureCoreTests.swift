import Foundation
import Testing

/// The architecture's rule, checked on the sources: the pure core does no
/// I/O, starts no threads and reads no clock (time comes in as a value), so
/// it can run on a virtual clock and be tested exhaustively; and the daemon
/// reads only the monotonic clock for control (hazard H18).
@Suite struct PureCoreTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pureTargets = ["TractionDevice", "TractionWire", "TractionSafety", "TractionTherapy",
                              "TractionPlant", "TractionEngine", "TractionReplay"]
    /// Spellings that would mean I/O, threads or a clock in a pure target.
    static let forbidden = ["import Foundation", "import Dispatch", "import Glibc", "Date(", "DispatchQueue",
                            "Thread(", "pthread_", "clock_gettime", "gettimeofday", "CLOCK_REALTIME",
                            "FileManager", "fopen(", "usleep("]

    static func sources(of target: String) -> [(path: String, text: String)] {
        let directory = root.appendingPathComponent("Sources/\(target)")
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        var files: [(String, String)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift", let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            files.append((url.path, text))
        }
        return files
    }

    @Test(arguments: pureTargets)
    func thePureCoreReadsNoClockAndDoesNoIO(_ target: String) {
        let files = Self.sources(of: target)
        #expect(!files.isEmpty, "no sources found for \(target)")
        for (path, text) in files {
            let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                .joined(separator: "\n")
            for spelling in Self.forbidden {
                #expect(!code.contains(spelling), "\(path) uses \(spelling)")
            }
        }
    }

    @Test func theDaemonReadsOnlyTheMonotonicClockForControl() {
        let files = Self.sources(of: "TractionDaemon") + Self.sources(of: "TractionPlatform")
        #expect(!files.isEmpty)
        for (path, text) in files {
            #expect(!text.contains("CLOCK_REALTIME"), "\(path)")
            #expect(!text.contains("Date()"), "\(path)")
            #expect(!text.contains("gettimeofday"), "\(path)")
        }
        let clock = files.first { $0.path.hasSuffix("TractionPlatform/MonotonicClock.swift") }
        #expect(clock?.text.contains("clock_gettime(CLOCK_MONOTONIC") == true)
        #expect(clock?.text.contains("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME") == true)
    }

    /// The control thread never logs: it reports through lock-free queues
    /// and the service thread logs what it drains. Nothing in the runtime
    /// (the control thread's target) may reach a logger or standard error.
    @Test func theControlThreadsTargetCannotLog() {
        let files = Self.sources(of: "TractionDaemon") + Self.sources(of: "TractionQueues")
        #expect(files.count > 5)
        for (path, text) in files {
            for spelling in ["import Logging", "Logger(", "StandardError.", "print(", "FileHandle.standardError",
                             "JournalLogHandler"] {
                #expect(!text.contains(spelling), "\(path) uses \(spelling)")
            }
        }
    }

    /// One clock, one time type: outside `MonotonicClock` no source reads
    /// CLOCK_MONOTONIC, sleeps on it, or takes Dispatch's uptime instead.
    @Test func onlyThePlatformsMonotonicClockReadsTheMonotonicClock() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        var scanned = 0
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift", !url.path.hasSuffix("TractionPlatform/MonotonicClock.swift") else { continue }
            let code = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            for spelling in ["clock_gettime(CLOCK_MONOTONIC", "clock_nanosleep(", "DispatchTime.now()", "systemUptime"] {
                #expect(!code.contains(spelling), "\(url.path) uses \(spelling); use MonotonicClock")
            }
            scanned += 1
        }
        #expect(scanned > 100)
    }
}
