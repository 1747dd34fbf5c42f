import Foundation
import Testing
@testable import TractionLink

/// A value whose halves must always agree: a torn read would show them apart.
private struct Pair: Sendable, Equatable {
    var count: UInt64
    var echo: UInt64
    var padding: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    static func == (lhs: Pair, rhs: Pair) -> Bool { lhs.count == rhs.count && lhs.echo == rhs.echo }
}

@Suite struct TripleBufferTests {
    @Test func theReaderGetsTheNewestValueOnceAndKeepsShowingItUntilANewerOne() {
        let slot = TripleBuffer<Int>()
        #expect(slot.latest() == nil)
        #expect(slot.takeFresh() == nil)
        #expect(slot.publish(1) == false)
        #expect(slot.publish(2) == true, "1 was never taken: superseded")
        #expect(slot.takeFresh() == 2)
        #expect(slot.takeFresh() == nil)
        #expect(slot.latest() == 2)
        #expect(slot.publish(3) == false)
        #expect(slot.latest() == 3)
        #expect(slot.latest() == 3)
    }

    /// One writer thread and one reader thread hammer the slot: every value
    /// read is whole, and values never go backwards.
    @Test func concurrentReadsAreNeverTornAndNeverGoBackwards() async throws {
        let slot = TripleBuffer<Pair>()
        let writes: UInt64 = 200_000
        let writer = Thread {
            for count in 1...writes { slot.publish(Pair(count: count, echo: count &* 31)) }
        }
        writer.start()
        var last: UInt64 = 0
        var torn = 0
        var backwards = 0
        var reads = 0
        while last < writes {
            guard let value = slot.latest() else { continue }
            reads += 1
            if value.echo != value.count &* 31 { torn += 1 }
            if value.count < last { backwards += 1 }
            last = value.count
        }
        #expect(torn == 0)
        #expect(backwards == 0)
        #expect(last == writes)
        #expect(reads > 0)
    }
}
