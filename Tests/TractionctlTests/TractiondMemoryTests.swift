import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How the real daemon locks its memory when real time is granted (as root,
/// as in CI): every page locked as it is touched, the hazard reactions run
/// once by the warm-up before the first tick, and pages it never touches
/// (Foundation's ICU data table) not made resident just to be locked. See
/// RealtimeSetup and CodeWarmup.
@Suite("tractiond memory locking", .serialized)
struct TractiondMemoryTests {
    let helper = TractiondSimulateTests()

    /// Sizes in kB of one mapping of /proc/PID/smaps.
    struct Mapping {
        var path: String
        var size = 0
        var rss = 0
        /// VmFlags contains "lo" (VM_LOCKED). smaps' "Locked:" is a
        /// proportional size, smaller when another process shares the pages.
        var lockedFlag = false
    }

    static func mappings(of pid: pid_t) throws -> [Mapping] {
        let text = try String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8)
        var result: [Mapping] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-") && first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                result.append(Mapping(path: fields.count >= 6 ? fields[5...].joined(separator: " ") : ""))
            } else if first == "VmFlags:", !result.isEmpty {
                result[result.count - 1].lockedFlag = fields.dropFirst().contains("lo")
            } else if fields.count >= 2, let value = Int(fields[1]), !result.isEmpty {
                switch first {
                case "Size:": result[result.count - 1].size = value
                case "Rss:": result[result.count - 1].rss = value
                default: break
                }
            }
        }
        return result
    }

    @Test func withRealTimeMemoryIsLockedAsTouchedAfterTheWarmUpAndUntouchedLibraryPagesAreNot() throws {
        let directory = TractiondSocketTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let group = getgrgid(getgid()).map { String(cString: $0.pointee.gr_name) } ?? "root"
        try """
            socket:
              path: \(directory)/control.sock
              group: \(group)
            programs:
              directories: [\(TractionctlRunner.packageRoot.path)/Config/programs]
            state:
              directory: \(directory)/state
            """.write(toFile: directory + "/tractiond.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        // No --no-realtime: the daemon asks for SCHED_FIFO and locked memory.
        let (process, output) = try helper.launch(["--simulate", "--config", directory + "/tractiond.yaml",
                                                   "--status-interval", "60"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(helper.waitFor("self-test passed", in: output), "\(output.value)")

        guard output.value.contains("memory locked as touched") else {
            // Without the privilege the daemon must say so rather than hide it.
            #expect(output.value.contains("degraded real time"), "\(output.value)")
            #expect(output.value.contains("mlockall refused") || geteuid() != 0, "\(output.value)")
            return
        }
        #expect(output.value.contains("warm-up: 12 hazard scenarios replayed on a virtual clock"), "\(output.value)")
        // The warm-up is only worth its time if the reactions really ran.
        let warmupLine = output.value.split(separator: "\n").first { $0.contains("warm-up:") } ?? ""
        for code in ["PATIENT_RELEASE", "PATIENT_SWITCH_FAULT", "EMERGENCY_STOP", "HARNESS_OPEN", "FORCE_OVER_LIMIT",
                     "FORCE_OVER_HARD_CAP", "FORCE_SENSOR_STUCK", "DRIVE_FAULT", "LINK_LOST"] {
            #expect(warmupLine.contains(code), "the warm-up did not raise \(code): \(warmupLine)")
        }
        let executable = try #require(try? FileManager.default.destinationOfSymbolicLink(
            atPath: "/proc/\(process.processIdentifier)/exe"))
        let all = try Self.mappings(of: process.processIdentifier)
        let program = all.filter { $0.path == executable }
        #expect(!program.isEmpty, "no mapping of \(executable)")
        // Locked as touched: every mapping carries the lock, whether or not
        // all of its pages have been touched yet.
        for mapping in program {
            #expect(mapping.lockedFlag, "the program is not locked: \(mapping)")
        }
        let icu = all.filter { $0.path.contains("FoundationICU") }
        let icuSize = icu.reduce(0) { $0 + $1.size }, icuResident = icu.reduce(0) { $0 + $1.rss }
        if icuSize > 0 {
            #expect(icuResident * 2 < icuSize, "the ICU data was made resident: \(icuResident) of \(icuSize) kB")
        }
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        #expect(status.contains("VmLck:") && !status.contains("VmLck:\t       0 kB"), "\(status)")

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
