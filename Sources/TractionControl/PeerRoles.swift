#if canImport(Glibc)
import Glibc
#endif
import TractionControlProtocol
import TractionPlatform

/// The kernel's view of a connected peer: `struct ucred` of `SO_PEERCRED`.
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// getsockopt(SO_PEERCRED) on a connected Unix socket: the credentials
    /// the peer had when it called connect(2). Returns the errno on failure.
    public static func of(socket descriptor: Int32) -> Result<PeerCredentials, SystemError> {
        // Glibc hides `struct ucred` behind _GNU_SOURCE; its layout (pid_t,
        // uid_t, gid_t) is fixed by the Linux ABI, so this mirror is used.
        var credentials = (pid: Int32(0), uid: UInt32(0), gid: UInt32(0))
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        let result = withUnsafeMutablePointer(to: &credentials) {
            getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, $0, &length)
        }
        guard result == 0 else { return .failure(SystemError(call: "getsockopt(SO_PEERCRED)", errno: errno)) }
        guard length == socklen_t(MemoryLayout.size(ofValue: credentials)) else {
            return .failure(SystemError(call: "getsockopt(SO_PEERCRED) returned \(length) bytes", errno: EPROTO))
        }
        return .success(PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid))
    }
}

/// A failed system call and its errno.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    public var description: String { "\(call): \(Errno(errno).description)" }
}

/// A user as the password database has it.
public struct UserRecord: Sendable, Hashable {
    public var name: String
    public var primaryGroupID: UInt32
    public init(name: String, primaryGroupID: UInt32) {
        self.name = name
        self.primaryGroupID = primaryGroupID
    }
}

/// The password and group databases, as role resolution needs them.
/// `SystemGroupDatabase` asks NSS; tests inject their own users and groups.
public protocol GroupDatabase: Sendable {
    func user(uid: UInt32) -> UserRecord?
    /// Every group of the user: `primaryGroupID` and the supplementary groups.
    func groupIDs(ofUser name: String, primaryGroupID: UInt32) -> [UInt32]
    func groupID(named name: String) -> UInt32?
}

/// getpwuid_r, getgrouplist and getgrnam_r (NSS: /etc/passwd and /etc/group,
/// or whatever nsswitch.conf names).
public struct SystemGroupDatabase: GroupDatabase {
    public init() {}

    public func user(uid: UInt32) -> UserRecord? {
        withRetriedBuffer { buffer in
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            let code = getpwuid_r(uid, &entry, buffer.baseAddress!, buffer.count, &found)
            guard code == 0 else { return .retry(code) }
            guard found != nil, let name = entry.pw_name else { return .done(nil) }
            return .done(UserRecord(name: String(cString: name), primaryGroupID: entry.pw_gid))
        }
    }

    public func groupIDs(ofUser name: String, primaryGroupID: UInt32) -> [UInt32] {
        var capacity: Int32 = 32
        while capacity <= 65_536 {
            var groups = [gid_t](repeating: 0, count: Int(capacity))
            var count = capacity
            if getgrouplist(name, primaryGroupID, &groups, &count) >= 0 {
                return Array(groups.prefix(Int(count)))
            }
            // -1: too small; `count` now holds the number needed.
            capacity = max(capacity * 2, count)
        }
        return [primaryGroupID]
    }

    public func groupID(named name: String) -> UInt32? {
        withRetriedBuffer { buffer in
            var entry = group()
            var found: UnsafeMutablePointer<group>?
            let code = getgrnam_r(name, &entry, buffer.baseAddress!, buffer.count, &found)
            guard code == 0 else { return .retry(code) }
            return .done(found == nil ? nil : entry.gr_gid)
        }
    }

    private enum Attempt<T> {
        case done(T?)
        case retry(Int32)
    }

    /// The *_r calls want a scratch buffer; ERANGE means a bigger one.
    private func withRetriedBuffer<T>(_ body: (UnsafeMutableBufferPointer<CChar>) -> Attempt<T>) -> T? {
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let outcome = buffer.withUnsafeMutableBufferPointer { body($0) }
            switch outcome {
            case .done(let value): return value
            case .retry(let code) where code == ERANGE: size *= 2
            case .retry: return nil
            }
        }
        return nil
    }
}

/// Maps a peer's credentials to its role (docs/control-protocol.md, section 6):
/// root and the daemon's own uid are admin; otherwise the highest role one of
/// whose groups is the peer's primary group or a group of its user; otherwise none.
public struct RoleResolver: Sendable {
    public var roleGroups: [Role: [String]]
    public var daemonUID: UInt32
    public var database: any GroupDatabase

    public init(roleGroups: [Role: [String]], daemonUID: UInt32, database: any GroupDatabase) {
        self.roleGroups = roleGroups
        self.daemonUID = daemonUID
        self.database = database
    }

    public func identity(of credentials: PeerCredentials) -> PeerIdentity {
        let user = database.user(uid: credentials.uid)
        var identity = PeerIdentity(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid,
                                    userName: user?.name, role: nil)
        if credentials.uid == 0 || credentials.uid == daemonUID {
            identity.role = .admin
            return identity
        }
        var groups: Set<UInt32> = [credentials.gid]
        if let user {
            groups.formUnion(database.groupIDs(ofUser: user.name, primaryGroupID: user.primaryGroupID))
        }
        for role in Role.allCases.sorted(by: >) {
            let granting = (roleGroups[role] ?? []).compactMap { database.groupID(named: $0) }
            if granting.contains(where: groups.contains) {
                identity.role = role
                break
            }
        }
        return identity
    }

    /// The configured groups that grant `role` or a higher one, lowest role first.
    public func groupsGranting(_ role: Role) -> [String] {
        Role.allCases.sorted().filter { $0 >= role }.flatMap { roleGroups[$0] ?? [] }
    }
}
