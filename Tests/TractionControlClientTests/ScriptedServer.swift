import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Unix-socket server in a thread that plays one scripted conversation
/// with the first client: a real socket, so the client's connect, poll and
/// framing run as they do against tractiond.
final class ScriptedServer: @unchecked Sendable {
    /// The accepted connection, as the script sees it.
    final class Peer {
        let descriptor: Int32
        private var pending: [UInt8] = []
        init(descriptor: Int32) { self.descriptor = descriptor }

        func send(_ line: String) {
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        }

        /// The next request line as a JSON object (nil at end of stream).
        func receive() -> [String: Any]? {
            while true {
                if let newline = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    return (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any]
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = read(descriptor, &chunk, chunk.count)
                if count <= 0 { return nil }
                pending += chunk[..<count]
            }
        }

        /// The id of a request, as JSON text for a reply.
        static func idText(_ request: [String: Any]?) -> String {
            guard let id = request?["id"] else { return "null" }
            if let number = id as? Int { return String(number) }
            return "\"\(id)\""
        }
    }

    static let hello = #"{"jsonrpc":"2.0","method":"hello","params":{"protocol_version":1,"daemon":"tractiond","daemon_version":"0.2.0","table":{"serial":"SIM-0001","simulated":true},"role":"clinician","uid":1000,"pid":4242,"max_message_bytes":65536,"loop_rate_hz":250}}"#

    let directory: String
    let path: String
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)

    init(script: @escaping @Sendable (Peer) -> Void) throws {
        directory = "/tmp/ctl-client-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/s.sock"
        listener = try Self.listen(at: path)
        let listener = self.listener
        let finished = self.finished
        Thread.detachNewThread {
            let connection = accept(listener, nil, nil)
            if connection >= 0 {
                script(Peer(descriptor: connection))
                close(connection)
            }
            finished.signal()
        }
    }

    /// Waits (bounded) for the script to end, then removes the socket.
    func finish() {
        _ = finished.wait(timeout: .now() + 10)
        close(listener)
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func listen(at path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, 4) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return descriptor
    }
}
