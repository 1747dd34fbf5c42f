#if canImport(Glibc)
import Glibc
#endif
import CTractionSystem

/// What the control thread asks of the operating system.
public struct RealtimeRequest: Sendable, Hashable {
    /// SCHED_FIFO priority for the control thread, or nil not to ask.
    public var fifoPriority: Int32?
    /// Lock all current and future pages (mlockall) so no page fault stalls a tick.
    public var lockMemory: Bool
    /// Timer slack for the control thread; 1 ns removes the kernel's 50 µs default.
    public var timerSlackNanoseconds: UInt?

    public init(fifoPriority: Int32? = 80, lockMemory: Bool = true, timerSlackNanoseconds: UInt? = 1) {
        self.fifoPriority = fifoPriority
        self.lockMemory = lockMemory
        self.timerSlackNanoseconds = timerSlackNanoseconds
    }

    /// Ask for nothing: a test or a replay on a shared machine.
    public static let none = RealtimeRequest(fifoPriority: nil, lockMemory: false, timerSlackNanoseconds: nil)
}

/// What the control thread actually obtained. The daemon reports this in its
/// status and its systemd STATUS line: it never hides a degraded loop.
public struct RealtimeMode: Sendable, Hashable, CustomStringConvertible {
    public var fifoPriority: Int32?
    public var memoryLocked: Bool
    public var timerSlackNanoseconds: UInt?
    /// One line per feature that was asked for and refused, with the reason.
    public var problems: [String]

    /// Real time as configured is not fully in force.
    public var isDegraded: Bool { fifoPriority == nil || !memoryLocked || !problems.isEmpty }

    public var description: String {
        var parts: [String] = []
        parts.append(fifoPriority.map { "SCHED_FIFO \($0)" } ?? "SCHED_OTHER")
        parts.append(memoryLocked ? "memory locked" : "memory not locked")
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
        var mode = RealtimeMode(fifoPriority: nil, memoryLocked: false, timerSlackNanoseconds: nil, problems: [])
        if let slack = request.timerSlackNanoseconds {
            let error = traction_set_timer_slack(slack)
            if error == 0 {
                mode.timerSlackNanoseconds = slack
            } else {
                mode.problems.append("timer slack refused (\(describe(error)))")
            }
        }
        if request.lockMemory {
            let error = traction_lock_all_memory()
            if error == 0 {
                mode.memoryLocked = true
            } else {
                mode.problems.append("mlockall refused (\(describe(error))); raise LimitMEMLOCK")
            }
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

    private static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
