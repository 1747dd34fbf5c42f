import Synchronization

/// A bounded single-producer, single-consumer queue for passing values
/// between the control thread and the rest of the daemon without locks
/// (operator requests, replies, engine events, the link's events).
///
/// Storage is allocated once; `push` and `pop` never allocate and never
/// block. A full queue refuses the value (`push` returns false) and counts
/// it, so the producer decides what a refusal means: the control thread
/// drops a snapshot, but an operator request refused is reported to the
/// operator as "busy". Hand-written for the same reason as `LatenessRing`:
/// no mirrored package offers a lock-free SPSC queue.
///
/// `@unchecked Sendable`: each slot is written by the producer before it
/// publishes the slot (release) and read by the consumer after it observes
/// the publication (acquire); the two indices are each written by one side.
public final class SPSCQueue<Element: Sendable>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Element?>
    private let capacityMask: Int
    private let producerIndex = Atomic<Int>(0)
    private let consumerIndex = Atomic<Int>(0)
    private let refusedCount = Atomic<UInt64>(0)

    public init(capacity: Int) {
        var size = 1
        while size < Swift.max(2, capacity) { size <<= 1 }
        storage = .allocate(capacity: size)
        storage.initialize(repeating: nil, count: size)
        capacityMask = size - 1
    }

    deinit {
        storage.deinitialize(count: capacityMask + 1)
        storage.deallocate()
    }

    public var capacity: Int { capacityMask + 1 }
    /// Values refused because the queue was full.
    public var refused: UInt64 { refusedCount.load(ordering: .relaxed) }

    /// Producer side only. Returns false (and counts it) when full.
    @discardableResult
    public func push(_ value: Element) -> Bool {
        let head = producerIndex.load(ordering: .relaxed)
        let tail = consumerIndex.load(ordering: .acquiring)
        guard head &- tail < capacity else {
            refusedCount.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        storage[head & capacityMask] = value
        producerIndex.store(head &+ 1, ordering: .releasing)
        return true
    }

    /// Consumer side only. The oldest value, or nil when empty.
    public func pop() -> Element? {
        let tail = consumerIndex.load(ordering: .relaxed)
        let head = producerIndex.load(ordering: .acquiring)
        guard tail != head else { return nil }
        let value = storage[tail & capacityMask].take()
        consumerIndex.store(tail &+ 1, ordering: .releasing)
        return value
    }
}
