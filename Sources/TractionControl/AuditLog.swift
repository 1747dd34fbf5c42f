#if canImport(Glibc)
import Glibc
#endif
import Logging
import TractionControlProtocol
import TractionPlatform

/// Every state-changing request since the daemon started, newest kept
/// (docs/control-protocol.md, section 6 and `audit.list`). A ring: when it is
/// full the oldest entry is forgotten, so memory stays bounded.
struct AuditLog {
    let capacity: Int
    private var ring: [AuditEntry] = []
    /// Where the next entry goes once the ring is full.
    private var oldest = 0

    init(capacity: Int) {
        precondition(capacity > 0, "the audit list needs room for at least one entry")
        self.capacity = capacity
        ring.reserveCapacity(min(capacity, 1024))
    }

    var count: Int { ring.count }

    mutating func append(_ entry: AuditEntry) {
        if ring.count < capacity {
            ring.append(entry)
        } else {
            ring[oldest] = entry
            oldest = (oldest + 1) % capacity
        }
    }

    /// Up to `limit` entries, newest first; none from an empty list.
    func newest(_ limit: Int) -> [AuditEntry] {
        // An empty ring has no newest index (the modulus below would be 0),
        // and every daemon starts with one.
        let taken = max(0, min(limit, ring.count))
        guard taken > 0 else { return [] }
        var result: [AuditEntry] = []
        result.reserveCapacity(taken)
        // The newest entry sits just before `oldest` (or last, before the ring wrapped).
        let newestIndex = (oldest + ring.count - 1) % ring.count
        for step in 0..<taken {
            result.append(ring[(newestIndex - step + ring.count) % ring.count])
        }
        return result
    }

    /// The entry for one request and its outcome.
    static func entry(peer: PeerIdentity, method: ControlMethod, outcome: Result<JSONValue, ControlError>,
                      at timestamp: String) -> AuditEntry {
        let code: String? = switch outcome {
        case .success: nil
        case .failure(let error): error.code.rawValue
        }
        return AuditEntry(at: timestamp, uid: peer.uid, pid: peer.pid, user: peer.userName, role: peer.role,
                          method: method.rawValue, outcome: code == nil ? "ok" : "error", code: code)
    }

    /// `control: uid=1000 pid=4242 user=alice role=clinician session.start -> error CONDITION_PRESENT`
    static func line(_ entry: AuditEntry) -> String {
        let user = entry.user.map(sanitised) ?? "?"
        let role = entry.role?.rawValue ?? "none"
        let outcome = entry.code.map { "error \($0)" } ?? "ok"
        return "control: uid=\(entry.uid) pid=\(entry.pid) user=\(user) role=\(role) \(entry.method) -> \(outcome)"
    }

    /// User names come from the password database, but a log line must stay
    /// one line of printable text whatever it holds.
    private static func sanitised(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { scalar in
            scalar.value < 0x21 || scalar.value == 0x7F ? "?" : scalar
        }))
    }
}

/// The wall-clock time as RFC 3339 in UTC with milliseconds,
/// "2026-11-25T22:10:03.125Z" (docs/control-protocol.md, section 3).
func wallClockTimestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var seconds = now.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func padded(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    let milliseconds = Int32(now.tv_nsec / 1_000_000)
    return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))T"
        + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2)).\(padded(milliseconds, 3))Z"
}

/// Seconds on the monotonic clock, for the server's timeouts.
func monotonicSeconds() -> Double {
    MonotonicClock.now().secondsSinceOrigin
}

/// Writes one line to standard error with its journald priority prefix
/// (the journal takes it from there).
func writeStandardError(_ level: Logger.Level, _ line: String) {
    StandardError.writeLine(JournalLogHandler.line(level: level, message: line, metadata: [:]))
}
