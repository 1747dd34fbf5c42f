/// Counts frames lost on one direction of a link from the sequence numbers of
/// the frames that arrived (docs/wire-protocol.md, section 5):
/// `gap = (sequence - previous - 1) mod 65536`.
///
/// A serial line cannot reorder frames, so every gap is a loss (a frame
/// dropped as corrupt, or never sent). A gap larger than the frames a link
/// can carry between two arrivals means the peer restarted its counter; the
/// link resets the tracker at each handshake for that reason.
public struct SequenceTracker: Sendable, Hashable {
    /// The last sequence seen, nil before the first frame or after `reset`.
    public private(set) var lastSequence: UInt16?
    /// Frames lost since creation (not cleared by `reset`).
    public private(set) var lostFrames: UInt64 = 0
    /// Arrivals that followed at least one lost frame.
    public private(set) var gaps: UInt64 = 0

    public init() {}

    /// Records an arriving frame; returns how many frames were lost just
    /// before it (0 for the first frame after a reset).
    @discardableResult
    public mutating func observe(_ sequence: UInt16) -> UInt16 {
        defer { lastSequence = sequence }
        guard let lastSequence else { return 0 }
        let lost = sequence &- lastSequence &- 1
        if lost != 0 {
            lostFrames &+= UInt64(lost)
            gaps &+= 1
        }
        return lost
    }

    /// Forgets the last sequence (new handshake: the peer may restart its count).
    public mutating func reset() { lastSequence = nil }
}
