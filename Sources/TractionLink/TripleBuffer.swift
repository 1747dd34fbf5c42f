import Synchronization

/// A newest-value slot between exactly one writer thread and one reader
/// thread, without a lock: a triple buffer. The writer fills its own back
/// buffer and swaps it, with one atomic exchange, into the middle; the reader
/// swaps the middle with its front buffer when the middle holds something
/// fresh. At every moment each of the three buffers belongs to one side only,
/// so no value is ever read while it is written, and neither side waits.
///
/// This is how the control thread and the link's I/O thread share the
/// newest telemetry and the newest command: ARCHITECTURE.md forbids locks on
/// the control path, and a lock shared with a thread of lower priority can
/// make the control thread wait (priority inversion). Written by hand
/// because swift-atomics and Synchronization give the atomic but no such
/// slot, and the structure is a few lines.
final class TripleBuffer<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `back` is touched only by the writer and `front` only by
    // the reader; the buffers are handed over by the atomic exchanges, whose
    // acquire/release ordering publishes their contents.
    private let buffers: UnsafeMutablePointer<Value?>
    /// Index (0...2) of the middle buffer, with `freshBit` set when the
    /// writer published into it after the reader last took it.
    private let middle = Atomic<UInt8>(1)
    private var back: UInt8 = 0
    private var front: UInt8 = 2
    private static var freshBit: UInt8 { 0x80 }
    private static var indexMask: UInt8 { 0x03 }

    init() {
        buffers = .allocate(capacity: 3)
        buffers.initialize(repeating: nil, count: 3)
    }

    deinit {
        buffers.deinitialize(count: 3)
        buffers.deallocate()
    }

    /// Writer side: makes `value` the newest. Returns true when the value it
    /// replaces was never taken by the reader (it was superseded).
    @discardableResult
    func publish(_ value: Value) -> Bool {
        buffers[Int(back)] = value
        let previous = middle.exchange(back | Self.freshBit, ordering: .acquiringAndReleasing)
        back = previous & Self.indexMask
        return previous & Self.freshBit != 0
    }

    /// Reader side: the newest value if one was published since the last
    /// take, else nil. Each published value is taken at most once.
    func takeFresh() -> Value? {
        guard middle.load(ordering: .acquiring) & Self.freshBit != 0 else { return nil }
        let previous = middle.exchange(front, ordering: .acquiringAndReleasing)
        front = previous & Self.indexMask
        return buffers[Int(front)]
    }

    /// Reader side: the newest value published, or the one the reader last
    /// saw when nothing newer came; nil before the first.
    func latest() -> Value? {
        takeFresh() ?? buffers[Int(front)]
    }

    /// Reader side: forgets whatever the writer published and not yet taken.
    func discardFresh() { _ = takeFresh() }
}
