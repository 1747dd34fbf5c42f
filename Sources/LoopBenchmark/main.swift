// traction-loopbench: measures the control thread's wake-up lateness and
// overruns at a given rate, optionally with the other cores kept busy, and
// compares the figures with the goals of the engine issue:
//   at 250 Hz with the other core loaded: 0 overruns over the run and
//   p99 lateness <= 100 µs.
//
// Usage: traction-loopbench [--rate HZ] [--seconds S] [--load] [--no-realtime]
// Exit status: 0 when every goal for the given rate is met, 1 otherwise.

#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TractionDaemon
import TractionDevice

/// Writes a line to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func printError(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

struct Options {
    var rateHertz = 250.0
    var seconds = 10.0
    var loadOtherCores = false
    var realtime = true
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = arguments.next() {
        switch argument {
        case "--rate": options.rateHertz = Double(arguments.next() ?? "") ?? options.rateHertz
        case "--seconds": options.seconds = Double(arguments.next() ?? "") ?? options.seconds
        case "--load": options.loadOtherCores = true
        case "--no-realtime": options.realtime = false
        default:
            printError("usage: traction-loopbench [--rate HZ] [--seconds S] [--load] [--no-realtime]")
            exit(64)
        }
    }
    return options
}

/// Busy threads that keep the other cores loaded, at normal priority.
final class CoreLoad: @unchecked Sendable {
    let running = Atomic<Bool>(true)
    var threads: [pthread_t] = []

    func start(count: Int) {
        for _ in 0..<count {
            var handle = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&handle, nil, { raw in
                let load = Unmanaged<CoreLoad>.fromOpaque(raw!).takeRetainedValue()
                var sink = 0.0
                while load.running.load(ordering: .relaxed) {
                    for step in 0..<10_000 { sink += Double(step).squareRoot() }
                }
                if sink < 0 { print(sink) }
                return nil
            }, context)
            threads.append(handle)
        }
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        for handle in threads { pthread_join(handle, nil) }
    }
}

let options = parseOptions()
let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
let load = CoreLoad()
if options.loadOtherCores { load.start(count: max(1, cores - 1)) }

// A stand-in workload of the size of one engine step (a few microseconds of
// floating point), so the measurement includes a realistic tick body.
nonisolated(unsafe) var work = 0.0
let configuration = ControlLoopConfiguration(
    rateHertz: options.rateHertz,
    realtime: options.realtime ? RealtimeRequest() : .none)
let thread = ControlThread(configuration: configuration) { context in
    var x = Double(context.tickIndex)
    for _ in 0..<200 { x = (x * 1.000_001).squareRoot() + 1 }
    work += x
}
do { try thread.start() } catch {
    printError("traction-loopbench: cannot start the control thread: \(error)")
    exit(1)
}

var statistics = LoopStatistics()
let end = MonotonicClock.now() + Seconds(options.seconds)
while MonotonicClock.now() < end {
    usleep(100_000)
    statistics.collect(from: thread.latenessSamples)
}
thread.stop()
statistics.collect(from: thread.latenessSamples)
if options.loadOtherCores { load.stop() }

let mode = thread.realtimeMode.map(String.init(describing:)) ?? "unknown"
let p50 = statistics.latenessMicroseconds(atPercentile: 50)
let p99 = statistics.latenessMicroseconds(atPercentile: 99)
let p999 = statistics.latenessMicroseconds(atPercentile: 99.9)
let maximum = statistics.maximumLatenessMicroseconds
print("loop \(Int(options.rateHertz)) Hz for \(options.seconds) s, other cores \(options.loadOtherCores ? "loaded" : "idle"), \(mode)")
print("  ticks \(thread.ticks), overruns \(thread.overruns), skipped deadlines \(thread.skippedDeadlines), samples dropped \(thread.latenessSamples.dropped)")
print("  lateness µs: p50 \(p50)  p99 \(p99)  p99.9 \(p999)  max \(maximum)")

var goalsMet = true
// The goal is stated for 250 Hz with the other core loaded; other runs are reported for comparison.
if options.rateHertz == 250 && options.loadOtherCores {
    let overrunsOK = thread.overruns == 0
    let p99OK = p99 <= 100
    print("  goal: 0 overruns -> \(thread.overruns) \(overrunsOK ? "MET" : "NOT MET")")
    print("  goal: p99 <= 100 µs -> \(p99) µs \(p99OK ? "MET" : "NOT MET")")
    goalsMet = overrunsOK && p99OK
} else {
    print("  (the goal is stated for 250 Hz under load; these figures are for comparison)")
}
exit(goalsMet ? 0 : 1)
