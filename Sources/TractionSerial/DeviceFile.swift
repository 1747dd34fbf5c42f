#if canImport(Glibc)
import Glibc
#endif
import TractionPlatform

/// Small typed wrappers over the file-system calls the transport needs.
enum DeviceFile {
    /// `realpath(3)`: the canonical path with every symlink resolved, so that
    /// /dev/serial/by-id/usb-... becomes /dev/ttyUSB0, which libserialport
    /// accepts (it refuses symlinks).
    static func resolve(_ path: String) throws(SerialPortError) -> String {
        guard let resolved = realpath(path, nil) else { throw SerialPortError.opening(path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The name of the group owning `path` (e.g. "dialout"), if known.
    static func groupName(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getgrgid_r(info.st_gid, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: group.gr_name)
    }

    /// True for Unix98 pseudo-terminal devices (/dev/pts/N), recognised by
    /// name or by their character-device major numbers 136-143.
    static func isPseudoTerminal(_ resolvedPath: String) -> Bool {
        if resolvedPath.hasPrefix("/dev/pts/") { return true }
        var info = stat()
        guard stat(resolvedPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFCHR else { return false }
        let major = (info.st_rdev >> 8) & 0xFFF
        return (136...143).contains(major)
    }

    /// `strerror(3)` as a String.
    static func errorText(_ code: Int32) -> String {
        Errno(code).description
    }

    /// Takes an exclusive advisory lock (`flock(2)`) on an open port, so that
    /// two processes of ours never share one line.
    static func lockExclusively(_ descriptor: Int32, path: String) throws(SerialPortError) {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            throw errno == EWOULDBLOCK ? .busy(path: path) : SerialPortError.opening(path, errno: errno, operation: "flock")
        }
    }
}
