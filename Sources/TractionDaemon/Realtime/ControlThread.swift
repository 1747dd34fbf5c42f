#if canImport(Glibc)
import Glibc
#endif
import CTractionSystem
import Synchronization
import TractionDevice

/// What the control thread hands to the tick body each period.
public struct ControlTick: Sendable {
    /// Monotonic instant at which the thread woke for this tick.
    public var now: MonotonicInstant
    /// The deadline this tick was scheduled for.
    public var deadline: MonotonicInstant
    /// How late the wake-up was, in nanoseconds.
    public var latenessNanoseconds: Int64
    /// Ticks run before this one.
    public var tickIndex: UInt64
    /// Overruns so far (ticks that ended past the following deadline).
    public var overruns: UInt64
    /// Deadlines skipped so far because of overruns or stalls.
    public var skippedDeadlines: UInt64
    /// The control period.
    public var period: Seconds
}

/// Configuration of the control thread.
public struct ControlLoopConfiguration: Sendable, Hashable {
    /// Allowed loop rates: the engine's, 250-1000 Hz (default 250 Hz).
    public static let allowedRates: ClosedRange<Double> = 250...1000
    public static let defaultRateHertz = 250.0

    public var rateHertz: Double
    public var realtime: RealtimeRequest
    /// Thread name seen in `top -H` and `ps -L` (15 bytes at most).
    public var threadName: String
    /// The thread first sleeps until this long before the deadline, then
    /// sleeps again to the deadline itself. Measured on these machines: a
    /// 4 ms sleep lets the idle core reach a deep idle state and the wake-up
    /// came 300 µs late at p99 (250 Hz, other core loaded), while 1 ms sleeps
    /// woke within 30 µs. The short second sleep keeps the core shallow at the
    /// cost of one extra wake-up per tick, not of spinning. Zero disables it.
    public var wakeupLead: Seconds = 0.001

    public init(rateHertz: Double = ControlLoopConfiguration.defaultRateHertz,
                realtime: RealtimeRequest = RealtimeRequest(), threadName: String = "traction-ctl") {
        self.rateHertz = rateHertz
        self.realtime = realtime
        self.threadName = threadName
    }
}

/// The dedicated control thread: sleeps to absolute deadlines on
/// CLOCK_MONOTONIC, runs the tick body once per period, and publishes its
/// health through atomics that other threads read without locks.
///
/// Per tick the thread itself does no locking, logging or allocation: it
/// reads the clock, pushes one lateness sample into a lock-free ring, calls
/// the body and updates a few atomics. What the body does is the body's
/// contract (the engine's `step` is allocation-free on its steady path).
///
/// `@unchecked Sendable`: the schedule and the body are touched only by the
/// control thread after `start()`; everything read from other threads is an
/// `Atomic` or the `LatenessRing`, which is itself safe for one producer and
/// one consumer.
public final class ControlThread: @unchecked Sendable {
    public typealias TickBody = (ControlTick) -> Void

    public let configuration: ControlLoopConfiguration
    /// Lateness samples for the reporter (see `LoopStatistics`).
    public let latenessSamples: LatenessRing

    private let body: TickBody
    private var thread: pthread_t?
    private let stopRequested = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let tickCount = Atomic<UInt64>(0)
    private let overrunCount = Atomic<UInt64>(0)
    private let skippedCount = Atomic<UInt64>(0)
    private let maxLatenessNanoseconds = Atomic<Int64>(0)
    private let lastTickNanoseconds = Atomic<Int64>(0)
    private let modeLock = Mutex<RealtimeMode?>(nil)

    public init(configuration: ControlLoopConfiguration, body: @escaping TickBody) {
        precondition(ControlLoopConfiguration.allowedRates.contains(configuration.rateHertz),
                     "loop rate must be validated by the configuration before it reaches the thread")
        self.configuration = configuration
        self.body = body
        self.latenessSamples = LatenessRing(capacity: Int(configuration.rateHertz) * 8)
    }

    /// Starts the thread. Returns once it runs; `realtimeMode` is then known.
    public func start() throws(ControlThreadError) {
        precondition(thread == nil, "a control thread starts once")
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let error = pthread_create(&handle, &attributes, { raw in
            let loop = Unmanaged<ControlThread>.fromOpaque(raw!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard error == 0 else {
            Unmanaged<ControlThread>.fromOpaque(context).release()
            throw .threadCreationFailed(errno: error)
        }
        thread = handle
        while modeLock.withLock({ $0 }) == nil { sched_yield() }
    }

    /// Asks the thread to stop after its current tick and waits for it.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        if let handle = thread {
            pthread_join(handle, nil)
            thread = nil
        }
    }

    /// What the thread obtained from the OS (nil before `start()` returns).
    public var realtimeMode: RealtimeMode? { modeLock.withLock { $0 } }

    public var ticks: UInt64 { tickCount.load(ordering: .relaxed) }
    public var overruns: UInt64 { overrunCount.load(ordering: .relaxed) }
    public var skippedDeadlines: UInt64 { skippedCount.load(ordering: .relaxed) }
    public var maximumLatenessNanoseconds: Int64 { maxLatenessNanoseconds.load(ordering: .relaxed) }
    public var hasFinished: Bool { finished.load(ordering: .acquiring) }

    /// The instant of the newest completed tick; the systemd watchdog is fed
    /// only while this keeps advancing (hazard H6).
    public var lastTick: MonotonicInstant {
        MonotonicInstant(nanoseconds: lastTickNanoseconds.load(ordering: .acquiring))
    }

    private func run() {
        _ = configuration.threadName.withCString { traction_set_thread_name($0) }
        let mode = RealtimeSetup.apply(configuration.realtime)
        modeLock.withLock { $0 = mode }

        var schedule = DeadlineSchedule(start: MonotonicClock.now(), rateHertz: configuration.rateHertz)
        let period = schedule.period
        while !stopRequested.load(ordering: .acquiring) {
            let deadline = schedule.nextDeadline
            if configuration.wakeupLead > .zero {
                MonotonicClock.sleep(until: deadline - configuration.wakeupLead)
            }
            MonotonicClock.sleep(until: deadline)
            let woke = MonotonicClock.now()
            let lateness = schedule.lateness(wokeAt: woke)
            latenessSamples.push(UInt64(lateness))
            if lateness > maxLatenessNanoseconds.load(ordering: .relaxed) {
                maxLatenessNanoseconds.store(lateness, ordering: .relaxed)
            }
            body(ControlTick(now: woke, deadline: deadline, latenessNanoseconds: lateness,
                             tickIndex: schedule.ticks, overruns: schedule.overruns,
                             skippedDeadlines: schedule.skippedDeadlines, period: period))
            let done = MonotonicClock.now()
            schedule.tickFinished(at: done)
            tickCount.store(schedule.ticks, ordering: .relaxed)
            overrunCount.store(schedule.overruns, ordering: .relaxed)
            skippedCount.store(schedule.skippedDeadlines, ordering: .relaxed)
            lastTickNanoseconds.store(done.nanoseconds, ordering: .releasing)
        }
        finished.store(true, ordering: .releasing)
    }
}

public enum ControlThreadError: Error, Sendable, Hashable {
    case threadCreationFailed(errno: Int32)
}
