import Logging
import TractionSafety

/// The service's log calls: `log("...")` is an informational line and
/// `log(.error, "...")` gives the priority, so that each call site names its
/// priority where it differs from info and the text stays as it was (tests
/// and operators grep it). The handler (`JournalLogHandler` in tractiond)
/// turns the level into the journald priority prefix.
///
/// The service thread is the only caller. The control thread never logs:
/// what it has to say reaches the service through lock-free queues.
extension Logger {
    func callAsFunction(_ line: String) {
        info("\(line)")
    }

    func callAsFunction(_ level: Logger.Level, _ line: String) {
        log(level: level, "\(line)")
    }
}

extension AlarmPriority {
    /// The log level of an alarm's line: a high alarm is an error of the
    /// treatment, a medium one a warning, a low one a notice.
    var logLevel: Logger.Level {
        switch self {
        case .high: .error
        case .medium: .warning
        case .low: .notice
        case .information: .info
        }
    }
}
