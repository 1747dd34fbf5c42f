#if canImport(Glibc)
import Glibc
#endif
import TractionPlatform

/// Why the control socket could not be set up.
struct ControlChannelError: Error, CustomStringConvertible {
    var description: String
}

/// The emulator's control socket: a Unix stream socket at a path; each client
/// sends one command per line and gets one reply line per command.
///
/// Non-blocking throughout and serviced from the emulator's one loop, so a
/// command takes effect between two plant steps and needs no lock.
final class ControlChannel {
    let path: String
    private let listener: Int32
    private var clients: [(descriptor: Int32, pending: [UInt8])] = []
    /// Longest line accepted; a client sending more is disconnected.
    private static let longestLine = 256

    init(path: String) throws(ControlChannelError) {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw ControlChannelError(description: "control socket path \(path) is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw ControlChannelError(description: "cannot create the control socket: \(Errno(errno).description)")
        }
        // A socket file left by an emulator that was killed would block bind.
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(descriptor, 4) == 0 else {
            let text = Errno(errno).description
            Glibc.close(descriptor)
            throw ControlChannelError(description: "cannot listen on control socket \(path): \(text)")
        }
        listener = descriptor
    }

    deinit {
        for client in clients { Glibc.close(client.descriptor) }
        Glibc.close(listener)
        unlink(path)
    }

    /// Accepts new clients, reads what they sent and answers every complete
    /// line with `execute`'s reply. Never blocks.
    func service(_ execute: (String) -> String) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { break }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            clients.append((client, []))
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        var index = 0
        while index < clients.count {
            let descriptor = clients[index].descriptor
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                Glibc.close(descriptor)
                clients.remove(at: index)
                continue
            }
            if count > 0 { clients[index].pending.append(contentsOf: buffer[0..<count]) }
            while let newline = clients[index].pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: clients[index].pending[..<newline], as: UTF8.self)
                clients[index].pending.removeSubrange(...newline)
                let reply = execute(line.trimmingSuffix()) + "\n"
                _ = reply.utf8CString.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count - 1) }
            }
            if clients[index].pending.count > Self.longestLine {
                Glibc.close(descriptor)
                clients.remove(at: index)
                continue
            }
            index += 1
        }
    }
}

extension String {
    /// Without a trailing carriage return (clients such as `nc -C`).
    fileprivate func trimmingSuffix() -> String {
        hasSuffix("\r") ? String(dropLast()) : self
    }
}
