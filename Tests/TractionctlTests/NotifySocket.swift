#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A test-owned AF_UNIX datagram socket in place of systemd's notification
/// socket: a daemon started with NOTIFY_SOCKET=`path` sends its sd_notify
/// datagrams here. A background thread collects them, each with the time
/// it arrived, until the socket is closed.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var received: [(at: Date, text: String)] = []
    private var closed = false
    private var reader: Thread?

    init() throws {
        path = "/tmp/tractiond-notify-\(getpid())-\(UUID().uuidString.prefix(6)).sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NotifySocketError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { Glibc.close(descriptor); throw NotifySocketError("bind \(path): errno \(errno)") }
        // A short receive timeout lets the reader notice `close()`.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in readUntilClosed() }
        reader = thread
        thread.start()
    }

    private func readUntilClosed() {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            lock.lock(); let done = closed; lock.unlock()
            if done { return }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let text = String(decoding: buffer.prefix(count), as: UTF8.self)
            lock.lock(); received.append((Date(), text)); lock.unlock()
        }
    }

    /// Every datagram so far, in order of arrival.
    var messages: [(at: Date, text: String)] { lock.lock(); defer { lock.unlock() }; return received }

    func close() {
        lock.lock(); closed = true; lock.unlock()
        while reader?.isFinished == false { usleep(20_000) }
    }

    deinit {
        close()
        Glibc.close(descriptor)
        unlink(path)
    }
}

struct NotifySocketError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
