#if canImport(Glibc)
import Glibc
#endif
import CTractionSystem
import TractionPlatform

/// What the control thread asks of the operating system.
public struct RealtimeRequest: Sendable, Hashable {
    /// SCHED_FIFO priority for the control thread, or nil not to ask.
    public var fifoPriority: Int32?
    /// Lock memory so that no page the loop uses can be paged out and no
    /// code a tick can run has to be read in during a tick. See
    /// `RealtimeSetup.lockMemory` for how.
    public var lockMemory: Bool
    /// Timer slack for the control thread; 1 ns removes the kernel's 50 µs default.
    public var timerSlackNanoseconds: UInt?
    /// Bytes of the control thread's stack touched before the first tick.
    /// 256 KiB is meant to be far deeper than a tick's calls go; the control
    /// benchmark's page-fault count (0 through a session and an alarm)
    /// checks that assumption rather than this comment.
    public var stackPrefaultBytes: UInt

    public init(fifoPriority: Int32? = 80, lockMemory: Bool = true, timerSlackNanoseconds: UInt? = 1,
                stackPrefaultBytes: UInt = 256 * 1024) {
        self.fifoPriority = fifoPriority
        self.lockMemory = lockMemory
        self.timerSlackNanoseconds = timerSlackNanoseconds
        self.stackPrefaultBytes = stackPrefaultBytes
    }

    /// Ask for nothing: a test or a replay on a shared machine.
    public static let none = RealtimeRequest(fifoPriority: nil, lockMemory: false, timerSlackNanoseconds: nil)
}

/// What the control thread actually obtained. The daemon reports this in its
/// status and its systemd STATUS line: it never hides a degraded loop.
public struct RealtimeMode: Sendable, Hashable, CustomStringConvertible {
    public enum MemoryLocking: Sendable, Hashable {
        /// mlockall(MCL_CURRENT | MCL_FUTURE): every mapped page resident.
        case everything
        /// mlockall with MCL_ONFAULT and the control thread's stack touched
        /// (see `RealtimeSetup.lockMemory`).
        case asTouched(stackBytes: UInt)
    }

    public var fifoPriority: Int32?
    public var memoryLocked: Bool
    /// How memory is locked, when it is.
    public var memoryLocking: MemoryLocking?
    public var timerSlackNanoseconds: UInt?
    /// One line per feature that was asked for and refused, with the reason.
    public var problems: [String]

    /// Real time as configured is not fully in force.
    public var isDegraded: Bool { fifoPriority == nil || !memoryLocked || !problems.isEmpty }

    public var description: String {
        var parts: [String] = []
        parts.append(fifoPriority.map { "SCHED_FIFO \($0)" } ?? "SCHED_OTHER")
        switch (memoryLocked, memoryLocking) {
        case (true, .asTouched(let stackBytes)?):
            parts.append("memory locked as touched, \(stackBytes / 1024) KiB of stack prefaulted")
        case (true, _):
            parts.append("memory locked")
        case (false, _):
            parts.append("memory not locked")
        }
        if let slack = timerSlackNanoseconds { parts.append("timer slack \(slack) ns") }
        let summary = parts.joined(separator: ", ")
        if isDegraded {
            let why = problems.isEmpty ? "" : ": " + problems.joined(separator: "; ")
            return "degraded real time (\(summary))\(why)"
        }
        return "real time (\(summary))"
    }
}

enum RealtimeSetup {
    /// Applies `request` to the calling thread. Must run on the control thread
    /// itself, before its first tick.
    static func apply(_ request: RealtimeRequest) -> RealtimeMode {
        var mode = RealtimeMode(fifoPriority: nil, memoryLocked: false, memoryLocking: nil,
                                timerSlackNanoseconds: nil, problems: [])
        if let slack = request.timerSlackNanoseconds {
            let error = traction_set_timer_slack(slack)
            if error == 0 {
                mode.timerSlackNanoseconds = slack
            } else {
                mode.problems.append("timer slack refused (\(describe(error)))")
            }
        }
        if request.lockMemory {
            lockMemory(request, into: &mode)
        } else {
            mode.problems.append("memory locking not requested")
        }
        if let priority = request.fifoPriority {
            let error = traction_set_fifo_priority(priority)
            if error == 0 {
                mode.fifoPriority = priority
            } else {
                mode.problems.append("SCHED_FIFO \(priority) refused (\(describe(error))); raise LimitRTPRIO or grant CAP_SYS_NICE")
            }
        } else {
            mode.problems.append("SCHED_FIFO not requested")
        }
        return mode
    }

    /// Why not plain mlockall(MCL_CURRENT | MCL_FUTURE): it makes every mapped
    /// page resident, and Foundation maps a 38 MB ICU data table the daemon
    /// never reads (inside the executable itself when the Swift runtime is
    /// linked statically, as `make install` does), plus an 8 MB stack per
    /// thread; the daemon then needs 70 to 85 MB (measured; issue 6 asks for
    /// at most 30). Instead:
    /// 1. mlockall with MCL_ONFAULT: every page already touched (the heap, the
    ///    engine's preallocated buffers, the code run so far) stays resident,
    ///    and any page touched later is locked when it is first touched;
    /// 2. touch the control thread's stack now, so its first deep tick does
    ///    not fault.
    /// Before the control thread starts, tractiond replays its hazard
    /// reactions on a virtual clock (`CodeWarmup`), so that the code of a
    /// first alarm is already resident. What is left: a code path that
    /// neither the warm-up nor a tick has run yet may cost a page fault the
    /// first time (a minor one while the file is in the page cache); the
    /// control benchmark counts the control thread's faults, and the loop's
    /// overrun budget (H11) bounds the consequence. A kernel without
    /// MCL_ONFAULT gets the plain form.
    private static func lockMemory(_ request: RealtimeRequest, into mode: inout RealtimeMode) {
        var error = traction_lock_memory_on_fault()
        let everything = error == EINVAL
        if everything { error = traction_lock_all_memory() }
        guard error == 0 else {
            mode.problems.append("mlockall refused (\(describe(error))); raise LimitMEMLOCK")
            return
        }
        traction_prefault_stack(request.stackPrefaultBytes)
        mode.memoryLocked = true
        mode.memoryLocking = everything ? .everything : .asTouched(stackBytes: request.stackPrefaultBytes)
    }

    private static func describe(_ error: Int32) -> String {
        Errno(error).description
    }
}
