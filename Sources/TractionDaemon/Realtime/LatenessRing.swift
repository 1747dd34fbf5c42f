import Synchronization

/// A single-producer, single-consumer ring of lateness samples (nanoseconds).
///
/// The control thread must not lock, allocate or make system calls beyond its
/// sleep, yet the lateness histogram (hdrhistogram) lives on a reporting
/// thread. This ring carries the samples across: the control thread pushes
/// one word per tick, the reporter drains them. Written by hand because
/// neither the standard library nor the mirrored packages offer a lock-free
/// SPSC queue; it is the textbook design (a producer index and a consumer
/// index, each written by one side only, acquire/release ordering).
///
/// `@unchecked Sendable`: the buffer is shared on purpose; the index protocol
/// above guarantees that a slot is written only by the producer before it
/// publishes it, and read only by the consumer after it sees it published.
public final class LatenessRing: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<UInt64>
    private let capacityMask: Int
    private let producerIndex = Atomic<Int>(0)
    private let consumerIndex = Atomic<Int>(0)
    private let droppedSamples = Atomic<UInt64>(0)

    /// - Parameter capacity: rounded up to a power of two. At 1 kHz, 8192
    ///   samples is eight seconds of slack for a reporter that drains at 10 Hz.
    public init(capacity: Int = 8192) {
        var size = 1
        while size < Swift.max(2, capacity) { size <<= 1 }
        storage = .allocate(capacity: size)
        storage.initialize(repeating: 0, count: size)
        capacityMask = size - 1
    }

    deinit { storage.deallocate() }

    public var capacity: Int { capacityMask + 1 }

    /// Samples lost because the reporter fell behind. Losing a sample only
    /// weakens the statistics; it never delays a tick.
    public var dropped: UInt64 { droppedSamples.load(ordering: .relaxed) }

    /// Producer side (control thread only). Never blocks, never allocates.
    @inline(__always)
    public func push(_ sample: UInt64) {
        let head = producerIndex.load(ordering: .relaxed)
        let tail = consumerIndex.load(ordering: .acquiring)
        guard head &- tail < capacity else {
            droppedSamples.wrappingAdd(1, ordering: .relaxed)
            return
        }
        storage[head & capacityMask] = sample
        producerIndex.store(head &+ 1, ordering: .releasing)
    }

    /// Consumer side (one reporting thread only): hands every waiting sample
    /// to `body` and returns how many there were.
    @discardableResult
    public func drain(_ body: (UInt64) -> Void) -> Int {
        let tail = consumerIndex.load(ordering: .relaxed)
        let head = producerIndex.load(ordering: .acquiring)
        var index = tail
        while index != head {
            body(storage[index & capacityMask])
            index &+= 1
        }
        consumerIndex.store(head, ordering: .releasing)
        return head &- tail
    }
}
