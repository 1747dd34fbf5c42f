import Foundation

/// What a reload (SIGHUP) may change, as a pure function of the running and
/// the new configuration (H16: configuration applies only between sessions).
///
/// The daemon validates the new file first (`load(path:)`), then asks for the
/// plan. If `needsRestart` is empty, it applies the whole new configuration
/// at the next moment no session is armed or running: a new engine and
/// kernel are built from it, so a running session never sees a change. If
/// `needsRestart` is not empty, it keeps running on the old configuration,
/// says which keys need a restart, and applies nothing: a half-applied file
/// would run a combination nobody validated.
public struct ReloadPlan: Sendable, Hashable {
    /// Changed keys that take effect between sessions (sorted key paths).
    public var betweenSessions: [String]
    /// Changed keys that take effect only when the daemon restarts.
    public var needsRestart: [String]

    public var isUnchanged: Bool { betweenSessions.isEmpty && needsRestart.isEmpty }
    /// True when the new configuration may replace the running one between sessions.
    public var canApplyBetweenSessions: Bool { needsRestart.isEmpty }
}

extension DaemonConfiguration {
    /// Key-path prefixes whose changes may apply between sessions: they are
    /// read afresh whenever a session is prepared or a client connects. All
    /// other keys (device, loop, socket path and group, state directory,
    /// simulation) are bound to resources opened at start.
    public static let reloadableKeyPrefixes = [
        "limits.", "programs.", "socket.roles.", "socket.max_clients", "socket.reserved_clients", "socket.max_message_bytes",
        "socket.client_queue_bytes",
    ]

    public static func isReloadable(_ keyPath: String) -> Bool {
        reloadableKeyPrefixes.contains { keyPath == $0 || keyPath.hasPrefix($0) }
    }

    /// Which keys differ between `old` and `new`, and when each may apply.
    public static func reloadPlan(from old: DaemonConfiguration, to new: DaemonConfiguration) -> ReloadPlan {
        let before = old.flattened(), after = new.flattened()
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        return ReloadPlan(betweenSessions: changed.filter(isReloadable),
                          needsRestart: changed.filter { !isReloadable($0) })
    }

    /// Every key path of the schema (lists as one key), in sorted order.
    public static var keyPaths: [String] { DaemonConfiguration().flattened().keys.sorted() }

    /// Key path -> the value in canonical JSON text. Lists count as one value,
    /// so a changed list of groups is one changed key.
    func flattened() -> [String: String] {
        // JSON through Foundation is the simplest walk over the Codable tree.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self),
              let object = try? JSONSerialization.jsonObject(with: data) else { return [:] }
        var result: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            if let table = value as? [String: Any] {
                for (key, child) in table { walk(child, path.isEmpty ? key : "\(path).\(key)") }
            } else {
                let text = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                    .flatMap { String(data: $0, encoding: .utf8) } ?? "\(value)"
                result[path] = text
            }
        }
        walk(object, "")
        return result
    }
}
