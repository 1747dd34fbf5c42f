#if canImport(Glibc)
import Glibc
#endif
import TractionControlProtocol

/// A first-in first-out queue over an array with a moving head: popping is
/// O(1) and the storage is compacted once the consumed part dominates.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    mutating func append(_ element: Element) { items.append(element) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.capacity <= 4096)
            head = 0
        } else if head >= 1024, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        items.removeAll()
        head = 0
    }
}

/// What the framer made of a client's bytes, waiting to be processed.
enum InboxItem {
    case line([UInt8])
    /// The line exceeded `max_message_bytes`: MESSAGE_TOO_LARGE, then close.
    case tooLong
    /// The client ended its side of the connection in the middle of a line.
    case incompleteAtEnd
}

/// A request that passed the checks and waits for its turn.
struct AcceptedRequest {
    var id: RPCID?
    var method: ControlMethod
    var params: JSONValue?
}

/// One accepted connection: its peer, its unprocessed input, its requests
/// in flight, its bounded output queue and its subscriptions. Touched only
/// on the service thread.
final class ClientConnection {
    let id: UInt64
    let descriptor: Int32
    /// Its role is resolved again when the role groups are reconfigured.
    var peer: PeerIdentity
    /// `client_queue_bytes` when it connected (a reload applies to later connections).
    let queueLimit: Int
    /// The loop rate the `hello` announced: the ceiling of `telemetry_hz`.
    let loopRateHz: Double

    var framer: LineFramer
    var inbox = FIFO<InboxItem>()
    /// The client shut down its sending side (or the connection broke).
    var inputEnded = false
    /// When the unfinished line at the end of the input began (monotonic seconds).
    var partialLineSince: Double?

    /// Requests that wait for the control loop behind the one in flight.
    var waitingForControlLoop = FIFO<AcceptedRequest>()
    var controlRequestInFlight = false
    /// Handler requests not yet answered, of every kind.
    var requestsInFlight = 0

    private var output: [UInt8] = []
    private var outputStart = 0
    /// Bytes the peer has taken so far: progress, for the unread-output check.
    private(set) var bytesWritten: UInt64 = 0
    /// Since when the queue has been over half full with `bytesWritten` unchanged.
    var unreadSince: (at: Double, bytesWritten: UInt64)?

    /// Set once the connection is being closed: nothing more is read or
    /// queued; it closes when its queue is written or at this deadline.
    var closeDeadline: Double?

    var topics: Set<Topic> = []
    var telemetryHz = SubscribeParams.defaultTelemetryHz
    var lastTelemetryTick: UInt64?

    init(id: UInt64, descriptor: Int32, peer: PeerIdentity, loopRateHz: Double, maxMessageBytes: Int, queueLimit: Int) {
        self.id = id
        self.queueLimit = queueLimit
        self.descriptor = descriptor
        self.peer = peer
        self.loopRateHz = loopRateHz
        framer = LineFramer(maximumLineBytes: maxMessageBytes)
    }

    var isClosing: Bool { closeDeadline != nil }
    var queuedBytes: Int { output.count - outputStart }

    func enqueue(_ bytes: [UInt8]) {
        output.append(contentsOf: bytes)
    }

    enum FlushOutcome {
        case written
        /// The socket's buffer is full; the rest waits for POLLOUT.
        case blocked
        /// The peer is gone (EPIPE, ECONNRESET...): close the connection.
        case failed(Int32)
    }

    /// Writes as much of the queue as the socket takes now, never waiting.
    func flush() -> FlushOutcome {
        defer { compactOutput() }
        while outputStart < output.count {
            let written = output.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + outputStart, raw.count - outputStart,
                     Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if written > 0 {
                outputStart += written
                bytesWritten &+= UInt64(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .blocked
            } else {
                return .failed(written < 0 ? errno : EPIPE)
            }
        }
        return .written
    }

    private func compactOutput() {
        if outputStart == output.count {
            // A drained queue keeps a modest buffer; 128 clients' worth of
            // full-size buffers would dominate the daemon's memory.
            output.removeAll(keepingCapacity: output.capacity <= 65_536)
            outputStart = 0
        } else if outputStart >= 65_536 {
            output.removeFirst(outputStart)
            outputStart = 0
        }
    }

    /// Reads once (at most `buffer.count` bytes) and frames what came.
    /// Returns false when the read failed and the connection must close.
    func readAvailable(into buffer: inout [UInt8], now: Double) -> Bool {
        let count = buffer.withUnsafeMutableBytes { raw in
            recv(descriptor, raw.baseAddress!, raw.count, Int32(MSG_DONTWAIT))
        }
        if count > 0 {
            let outputs = framer.feed(buffer[0..<count])
            for item in outputs {
                switch item {
                case .line(let line): inbox.append(.line(line))
                case .tooLong: inbox.append(.tooLong)
                }
            }
            if !framer.hasPartialLine {
                partialLineSince = nil
            } else if !outputs.isEmpty || partialLineSince == nil {
                // The unfinished line began in this chunk.
                partialLineSince = now
            }
            return true
        }
        if count == 0 {
            inputEnded = true
            if framer.hasPartialLine && !framer.failed { inbox.append(.incompleteAtEnd) }
            partialLineSince = nil
            return true
        }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return true
        default:
            inputEnded = true
            return false
        }
    }
}
