#if canImport(Glibc)
import Glibc
#endif
import Testing
import TractionDevice
import TractionPlatform

@Suite struct PlatformTests {
    @Test func errnoTextComesFromTheCLibrary() {
        #expect(Errno(ENOENT).description == "No such file or directory")
        #expect(Errno(EBADF) != Errno(ENOENT))
        #expect(Errno(EINTR) == .interrupted)
    }

    @Test func theMonotonicClockNeverGoesBack() {
        var previous = MonotonicClock.now()
        for _ in 0..<1000 {
            let now = MonotonicClock.now()
            #expect(now >= previous)
            previous = now
        }
    }

    @Test func aWaitOnAnEmptyPipeTimesOutAndOnAFullOneSucceeds() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(try DescriptorIO.wait(ends[0], for: Int32(POLLIN), timeout: Seconds(0.01)) == false)
        let bytes: [UInt8] = [1, 2, 3]
        try bytes.withUnsafeBytes { try DescriptorIO.writeAll(ends[1], $0) }
        #expect(try DescriptorIO.wait(ends[0], for: Int32(POLLIN), timeout: Seconds(1)) == true)
        var received = [UInt8](repeating: 0, count: 8)
        #expect(read(ends[0], &received, 8) == 3)
        #expect(Array(received.prefix(3)) == bytes)
    }

    @Test func aWriteToAClosedDescriptorThrowsItsErrno() {
        let bytes: [UInt8] = [0x41]
        #expect(throws: Errno(EBADF)) {
            try bytes.withUnsafeBytes { try DescriptorIO.writeAll(-1, $0) }
        }
    }

    @Test func pollTimeoutsRoundUpSoAShortWaitIsNeverABusyLoop() {
        #expect(DescriptorIO.pollMilliseconds(Seconds(0.0001)) == 1)
        #expect(DescriptorIO.pollMilliseconds(Seconds(0)) == 0)
        #expect(DescriptorIO.pollMilliseconds(Seconds(1e300)) == Int32.max)
    }
}
