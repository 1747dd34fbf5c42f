#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TractionControlProtocol
import TractionPlatform

/// The marker of a running session in the state directory
/// (docs/control-protocol.md, section 9): written when a session starts,
/// rewritten while it runs (about once a second, and after every operator
/// action) with what its record needs if the daemon dies, and removed once
/// it has ended and the force is released. Found at start, it means the
/// previous daemon died during a session, and it closes that session's
/// record.
///
/// The members after `weightKg` are optional: a marker left by an older
/// daemon has none of them, and is still an interrupted session.
struct SessionMarker: Codable, Sendable, Hashable {
    var program: String
    var patient: String
    var startedAt: String
    var armedBy: String
    var region: String
    var weightKg: Double
    var armedAt: String?
    /// The largest force measured since the start (the larger of the two
    /// force channels, `Telemetry.measuredForce`), in newtons.
    var peakMeasuredN: Double?
    /// The phase (1-based) and activity the planner was in when last known alive.
    var lastPhase: Int?
    var lastActivity: String?
    var alarms: [String]?
    /// The newest `maximumActions` operator actions; `actionsOmitted` counts the older ones.
    var actions: [RecordAction]?
    var actionsOmitted: Int?
    /// The last instant (wall clock, RFC 3339) the daemon was known alive
    /// with this session: the end of the record if it never writes again.
    var lastAliveAt: String?

    enum CodingKeys: String, CodingKey {
        case program, patient, startedAt = "started_at", armedBy = "armed_by", region, weightKg = "weight_kg"
        case armedAt = "armed_at", peakMeasuredN = "peak_measured_n", lastPhase = "last_phase"
        case lastActivity = "last_activity", alarms, actions, actionsOmitted = "actions_omitted"
        case lastAliveAt = "last_alive_at"
    }

    /// Bounds the marker (and so each rewrite) however many requests a
    /// client sends during one session; the in-memory record keeps them all.
    static let maximumActions = 256

    static let fileName = "session.json"

    static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(fileName) }

    /// Writes the marker atomically: a temporary file, written and synced,
    /// renamed over the marker, then the directory synced, so a crash leaves
    /// either no marker or a whole one. Throws a message naming the file and
    /// the system's reason.
    func write(in directory: String) throws(MarkerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { throw MarkerError("cannot encode the session marker") }
        let final = Self.path(in: directory)
        let temporary = final + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw MarkerError.system("cannot create \(temporary)") }
        var written = 0
        let failure: String? = data.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return "cannot write \(temporary)"
                }
                written += result
            }
            return fsync(descriptor) == 0 ? nil : "cannot sync \(temporary)"
        }
        if let failure {
            let error = MarkerError.system(failure)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, final) == 0 else {
            let error = MarkerError.system("cannot rename \(temporary) to \(final)")
            unlink(temporary)
            throw error
        }
        Self.syncDirectory(directory)
    }

    /// The marker in `directory`: nil when there is none; a marker that
    /// cannot be read is still an interrupted session (its details unknown).
    static func read(in directory: String) -> Result<SessionMarker, MarkerError>? {
        let file = path(in: directory)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(MarkerError("\(file) exists but cannot be read"))
        }
        do {
            return .success(try JSONDecoder().decode(SessionMarker.self, from: data))
        } catch {
            return .failure(MarkerError("\(file) is not a valid session marker (\(data.count) bytes)"))
        }
    }

    /// Removes the marker; a marker already gone is fine.
    static func remove(in directory: String) throws(MarkerError) {
        let file = path(in: directory)
        if unlink(file) != 0 && errno != ENOENT { throw MarkerError.system("cannot remove \(file)") }
        syncDirectory(directory)
    }

    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

struct MarkerError: Error, Sendable, Hashable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// `what`, with the system's reason from errno.
    static func system(_ what: String) -> MarkerError {
        MarkerError("\(what): \(Errno(errno).description)")
    }
}
