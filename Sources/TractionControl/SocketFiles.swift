#if canImport(Glibc)
import Glibc
#endif

/// The listening socket and the file it is bound to.
struct ListeningSocket {
    let descriptor: Int32
    let path: String
    /// The bound file's inode: at close, the file is removed only if it is
    /// still ours (a second daemon may have replaced it).
    let inode: UInt64
}

/// The socket's directory and file, made and checked as
/// docs/control-protocol.md, section 1 says.
enum SocketFiles {
    /// `sun_path` holds 108 bytes with the terminating NUL.
    static let maximumPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    static func directory(of socketPath: String) -> String {
        guard let slash = socketPath.lastIndex(of: "/") else { return "." }
        let directory = String(socketPath[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Creates the directory (0750, `groupID`) when it is missing; refuses one
    /// that is not a directory, that anyone but its owner may write in, or
    /// that belongs to neither the daemon nor root. A directory the daemon
    /// owns gets the group and mode it must have.
    static func prepareDirectory(_ path: String, groupID: UInt32, daemonUID: UInt32) throws(ControlServerError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw .systemCall("lstat", path: path, errno: errno) }
            if mkdir(path, 0o750) != 0 {
                switch errno {
                case ENOENT: throw .socketDirectoryParentMissing(directory: path)
                case EEXIST: break  // made by someone else meanwhile; checked below like any other
                default: throw .systemCall("mkdir", path: path, errno: errno)
                }
            }
            guard lstat(path, &info) == 0 else { throw .systemCall("lstat", path: path, errno: errno) }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .socketDirectoryNotADirectory(path: path) }
        let mode = UInt32(info.st_mode & 0o7777)
        guard mode & 0o022 == 0 else { throw .socketDirectoryWritableByOthers(path: path, mode: mode) }
        guard info.st_uid == daemonUID || info.st_uid == 0 else {
            throw .socketDirectoryOwnedByAnotherUser(path: path, owner: info.st_uid, daemonUID: daemonUID)
        }
        guard info.st_uid == geteuid() else { return }
        if info.st_gid != groupID, chown(path, uid_t.max, groupID) != 0 {
            throw .systemCall("chown (group \(groupID))", path: path, errno: errno)
        }
        if mode != 0o750, chmod(path, 0o750) != 0 {
            throw .systemCall("chmod 0750", path: path, errno: errno)
        }
    }

    /// Binds and listens (non-blocking), then gives the file mode 0660 and
    /// the group. A leftover socket file is removed when nobody answers on
    /// it; anything else at the path is refused.
    static func bindListener(path: String, groupID: UInt32) throws(ControlServerError) -> ListeningSocket {
        guard path.utf8.count <= maximumPathBytes else {
            throw .socketPathTooLong(path: path, maximumBytes: maximumPathBytes)
        }
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFSOCK else { throw .socketPathOccupied(path: path) }
            if someoneListens(on: path) { throw .socketInUse(path: path) }
            guard unlink(path) == 0 || errno == ENOENT else { throw .systemCall("unlink", path: path, errno: errno) }
        } else if errno != ENOENT {
            throw .systemCall("lstat", path: path, errno: errno)
        }

        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .systemCall("socket", path: path, errno: errno) }
        do throws(ControlServerError) {
            var address = unixAddress(path)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw .systemCall("bind", path: path, errno: errno) }
            // The directory is 0750, so nobody outside its group can reach the
            // file between bind and these two calls. chown only when the group
            // differs: under the unit the file is born with the daemon's group
            // (Group=traction), and SystemCallFilter=~@privileged refuses chown.
            var made = stat()
            guard lstat(path, &made) == 0 else { throw .systemCall("lstat", path: path, errno: errno) }
            guard made.st_gid == groupID || chown(path, uid_t.max, groupID) == 0 else {
                throw .systemCall("chown (group \(groupID))", path: path, errno: errno)
            }
            guard chmod(path, 0o660) == 0 else { throw .systemCall("chmod 0660", path: path, errno: errno) }
            guard listen(descriptor, SOMAXCONN) == 0 else { throw .systemCall("listen", path: path, errno: errno) }
            var boundFile = stat()
            guard stat(path, &boundFile) == 0 else { throw .systemCall("stat", path: path, errno: errno) }
            return ListeningSocket(descriptor: descriptor, path: path, inode: UInt64(boundFile.st_ino))
        } catch {
            let saved = errno
            close(descriptor)
            errno = saved
            throw error
        }
    }

    /// Removes the socket file if it is still the one bound by `socket`.
    static func removeIfOurs(_ socket: ListeningSocket) {
        var info = stat()
        if lstat(socket.path, &info) == 0, UInt64(info.st_ino) == socket.inode, info.st_mode & S_IFMT == S_IFSOCK {
            unlink(socket.path)
        }
    }

    static func unixAddress(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(maximumPathBytes))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// A non-blocking connect: refused means a stale file; accepted, or a
    /// full backlog (EAGAIN), means a live listener.
    private static func someoneListens(on path: String) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        var address = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0 || errno == EAGAIN || errno == EINPROGRESS
    }
}
