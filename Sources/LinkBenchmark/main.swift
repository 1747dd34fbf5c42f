#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TractionDevice
import TractionLink
import TractionPlatform
import TractionSerial
import TractionWire

// traction-linkbench: the link's figures for `make bench`, each printed beside
// its goal; exits 1 when a goal is missed.
//   decoder throughput   goal >= 1e6 TELEMETRY frames/s on one core
//   command-to-telemetry latency over the pty to tractionemu, p99 goal <= 10 ms
// Usage: traction-linkbench [--seconds S]

/// Issue 5: the decoder must keep up with a million frames a second on one core.
let decoderGoalFramesPerSecond = 1e6
/// Two and a half 4 ms control ticks: a command's effect is seen at the
/// host well inside one safety reaction budget (SAFETY.md H5, 50 ms).
let latencyGoalP99: Seconds = 0.010

var seconds = 5.0
if let index = CommandLine.arguments.firstIndex(of: "--seconds"), index + 1 < CommandLine.arguments.count,
   let value = Double(CommandLine.arguments[index + 1]), value > 0 {
    seconds = value
}
var goalsMet = true

// MARK: Decoder throughput

func decoderThroughput(duration: Double) -> Double {
    var stream: [UInt8] = []
    var encoder = FrameEncoder()
    let framesPerBuffer = 20_000
    for index in 0..<framesPerBuffer {
        let message = TelemetryMessage(
            deviceTimeMicroseconds: UInt64(index) * 2_000, loadCellForceCentinewtons: Int32(index % 90_000),
            redundantForceCentinewtons: Int32(index % 90_000) + 37, tractionPositionMicrometres: Int32(index * 3),
            tractionVelocityMicrometresPerSecond: Int32(index % 5_000) - 2_500, inputs: [.harnessClosed, .driveEnabled],
            lastCommandSequence: UInt16(truncatingIfNeeded: index))
        _ = try? encoder.encode(.telemetry(message), appendingTo: &stream)
    }
    var decoder = FrameDecoder()
    var decoded = 0
    let start = MonotonicClock.now()
    var elapsed = 0.0
    repeat {
        stream.withUnsafeBytes { bytes in
            decoder.decode(bytes) { outcome in
                if case .success = outcome { decoded += 1 }
            }
        }
        elapsed = (MonotonicClock.now() - start).value
    } while elapsed < duration
    return Double(decoded) / elapsed
}

let throughput = decoderThroughput(duration: min(seconds, 3))
let throughputMet = throughput >= decoderGoalFramesPerSecond
goalsMet = goalsMet && throughputMet
print(String(format: "decoder throughput: %.2f Mframes/s (goal >= %.2f Mframes/s) %@",
             throughput / 1e6, decoderGoalFramesPerSecond / 1e6, throughputMet ? "met" : "NOT MET"))

// MARK: Command-to-telemetry latency over the pty

func spawnEmulator(linkPath: String) -> pid_t? {
    let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("tractionemu").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
    let arguments: [String] = [binary, "--link", linkPath]
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var child: pid_t = 0
    guard posix_spawn(&child, binary, &actions, nil, argv, environ) == 0 else { return nil }
    return child
}

func measureLatency(duration: Double) -> LatencyHistogram? {
    let linkPath = NSTemporaryDirectory() + "traction-linkbench-\(getpid())"
    guard let emulator = spawnEmulator(linkPath: linkPath) else {
        print("command-to-telemetry latency: cannot start tractionemu (build it: swift build -c release)")
        return nil
    }
    defer {
        kill(emulator, SIGTERM)
        var status: Int32 = 0
        waitpid(emulator, &status, 0)
    }
    for _ in 0..<500 where access(linkPath, F_OK) != 0 { usleep(10_000) }
    guard let link = try? SerialTableLink(port: SerialPortConfiguration(path: linkPath), clock: { MonotonicClock.now() }),
          (try? link.identify()) != nil else {
        print("command-to-telemetry latency: no handshake with tractionemu at \(linkPath)")
        return nil
    }
    defer { link.close() }
    // The host's heartbeat at 250 Hz with the drive off: the table accepts
    // and echoes each command without moving anything.
    let period = Seconds(1.0 / 250)
    var deadline = MonotonicClock.now()
    let end = deadline + Seconds(duration)
    while deadline < end {
        try? link.send(DriveCommand.disabled, at: deadline)
        deadline = deadline + period
        MonotonicClock.sleep(until: deadline)
    }
    return link.statistics.commandToTelemetryLatency
}

if let latency = measureLatency(duration: seconds), let p50 = latency.quantile(0.5), let p99 = latency.quantile(0.99) {
    let met = p99 <= latencyGoalP99
    goalsMet = goalsMet && met
    print(String(format: "command-to-telemetry latency over the pty (%d commands echoed): p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                 + "(goal p99 <= %.1f ms) %@",
                 Int(latency.count), p50.milliseconds, p99.milliseconds, (latency.maximum ?? .zero).milliseconds,
                 latencyGoalP99.milliseconds, met ? "met" : "NOT MET"))
} else {
    goalsMet = false
    print("command-to-telemetry latency: NOT MEASURED")
}
exit(goalsMet ? 0 : 1)
