/// Splits a byte stream into lines (docs/control-protocol.md, section 2):
/// one message per line ended by LF; a CR before the LF is dropped; empty
/// lines are skipped; a line longer than `maximumLineBytes` (LF included) is
/// reported once and the framer refuses further input, because the protocol
/// closes such a connection.
public struct LineFramer: Sendable {
    public enum Output: Sendable, Hashable {
        case line([UInt8])
        /// A line exceeded the maximum; the connection must be closed.
        case tooLong
    }

    public let maximumLineBytes: Int
    private var pending: [UInt8] = []
    public private(set) var failed = false

    public init(maximumLineBytes: Int) {
        precondition(maximumLineBytes >= 2, "a line needs room for at least one byte and its LF")
        self.maximumLineBytes = maximumLineBytes
    }

    /// Bytes of an unfinished line held back.
    public var pendingByteCount: Int { pending.count }
    public var hasPartialLine: Bool { !pending.isEmpty }

    /// Feeds bytes and returns the complete lines in order (and `.tooLong`
    /// as the last element when the limit was crossed).
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Output] {
        guard !failed else { return [] }
        var outputs: [Output] = []
        for byte in bytes {
            if byte == 0x0A {
                if pending.last == 0x0D { pending.removeLast() }
                if !pending.isEmpty { outputs.append(.line(pending)) }
                pending.removeAll(keepingCapacity: true)
                continue
            }
            // The LF that would end this line must still fit.
            if pending.count + 2 > maximumLineBytes {
                failed = true
                pending.removeAll()
                outputs.append(.tooLong)
                return outputs
            }
            pending.append(byte)
        }
        return outputs
    }
}
