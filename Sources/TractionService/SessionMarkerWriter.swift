#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import TractionDaemon
import TractionDevice

/// Writes and removes the session marker on a thread of its own, so that
/// neither the control thread nor the service thread (which serves
/// `session.stop`) ever waits for the disk: an fsync can take seconds on a
/// busy or failing disk.
///
/// Only the newest wish counts: a marker submitted while an older one waits
/// replaces it, and a removal replaces a waiting write (and the other way
/// round), so a slow disk costs rewrites, never a growing queue. Operations
/// run in the order they were submitted, so the file always ends as the last
/// submission says.
final class SessionMarkerWriter: Sendable {
    enum Operation: Sendable, Hashable {
        case write(SessionMarker)
        case remove
    }

    /// What became of one operation, for `status.records_problem` and the log.
    enum Outcome: Sendable, Hashable {
        case written
        case removed
        case writeFailed(MarkerError)
        case removeFailed(MarkerError)
    }

    private struct State {
        var waiting: Operation?
        var running = false
        var outcomes: [Outcome] = []
    }

    let directory: String
    /// Runs each operation in `submit`, on the caller's thread (the
    /// simulation's single thread); the daemon's writer never does.
    let synchronous: Bool
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "tractiond.session-marker", qos: .utility)

    init(directory: String, synchronous: Bool = false) {
        self.directory = directory
        self.synchronous = synchronous
    }

    /// Hands `operation` to the writer's thread and returns at once.
    func submit(_ operation: Operation) {
        if synchronous {
            state.withLock { $0.waiting = operation }
            drain()
            return
        }
        let startDraining = state.withLock { state in
            state.waiting = operation
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if startDraining { queue.async { self.drain() } }
    }

    /// The outcomes since the last call, oldest first (at most a few: each
    /// drain adds one per operation it ran).
    func takeOutcomes() -> [Outcome] {
        state.withLock { state in
            defer { state.outcomes.removeAll() }
            return state.outcomes
        }
    }

    /// Nothing waits and nothing runs.
    var isIdle: Bool { state.withLock { !$0.running && $0.waiting == nil } }

    /// Waits until the writer is idle, at most `limit`; true when it is.
    /// Only for the daemon's exit, which must not leave a marker behind
    /// for a session that ended and released.
    func waitUntilIdle(atMost limit: Seconds) -> Bool {
        let deadline = MonotonicClock.now() + limit
        while !isIdle {
            guard MonotonicClock.now() < deadline else { return false }
            usleep(2_000)
        }
        return true
    }

    private func drain() {
        while true {
            let next = state.withLock { state -> Operation? in
                guard let operation = state.waiting else {
                    state.running = false
                    return nil
                }
                state.waiting = nil
                return operation
            }
            guard let next else { return }
            let outcome: Outcome
            switch next {
            case .write(let marker):
                do {
                    try marker.write(in: directory)
                    outcome = .written
                } catch {
                    outcome = .writeFailed(error)
                }
            case .remove:
                do {
                    try SessionMarker.remove(in: directory)
                    outcome = .removed
                } catch {
                    outcome = .removeFailed(error)
                }
            }
            state.withLock { state in
                // A disk that keeps failing must not grow this list while
                // nobody collects it (a daemon without ticks).
                if state.outcomes.count >= 16 { state.outcomes.removeFirst() }
                state.outcomes.append(outcome)
            }
        }
    }
}
