#if canImport(Glibc)
import Glibc
#endif
import PropertyBased
import Testing
import TractionDaemon

@Suite struct SPSCQueueTests {
    @Test func valuesComeOutInOrderAndAFullQueueRefusesWithoutBlocking() {
        let queue = SPSCQueue<String>(capacity: 3)
        #expect(queue.capacity == 4)
        for word in ["a", "b", "c", "d"] { #expect(queue.push(word)) }
        #expect(!queue.push("e"))
        #expect(queue.refused == 1)
        #expect(queue.pop() == "a")
        #expect(queue.push("f"))
        var rest: [String] = []
        while let word = queue.pop() { rest.append(word) }
        #expect(rest == ["b", "c", "d", "f"])
        #expect(queue.pop() == nil)
    }

    @Test func anyInterleavingOfPushesAndPopsBehavesLikeABoundedFIFO() async {
        await propertyCheck(count: 200, input: Gen.bool.array(of: 0...300)) { operations in
            let queue = SPSCQueue<Int>(capacity: 8)
            var model: [Int] = []
            var next = 0
            for isPush in operations {
                if isPush {
                    let accepted = queue.push(next)
                    #expect(accepted == (model.count < 8))
                    if accepted { model.append(next) }
                    next += 1
                } else {
                    #expect(queue.pop() == (model.isEmpty ? nil : model.removeFirst()))
                }
            }
        }
    }

    @Test func aProducerThreadAndAConsumerThreadLoseNothing() {
        final class Shared: @unchecked Sendable { let queue = SPSCQueue<Int>(capacity: 64) }
        let shared = Shared()
        let count = 100_000
        var producer = pthread_t()
        let context = Unmanaged.passRetained(shared).toOpaque()
        pthread_create(&producer, nil, { raw in
            let shared = Unmanaged<Shared>.fromOpaque(raw!).takeRetainedValue()
            var value = 0
            while value < 100_000 {
                if shared.queue.push(value) { value += 1 } else { sched_yield() }
            }
            return nil
        }, context)
        var expected = 0
        var inOrder = true
        while expected < count {
            if let value = shared.queue.pop() {
                if value != expected { inOrder = false }
                expected += 1
            } else {
                sched_yield()
            }
        }
        pthread_join(producer, nil)
        #expect(inOrder)
        #expect(expected == count)
    }
}
