#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import Testing
import TractionDevice
import TractionPlatform
import TractionTestSupport

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

    @Test func eachLevelGetsItsSyslogPriority() {
        let expected: [(Logger.Level, Int)] = [
            (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
        for (level, priority) in expected {
            #expect(JournalLogHandler.priority(of: level) == priority, "\(level)")
        }
    }

    @Test func aLoggedMessageIsOneLineWithItsPriorityPrefixAndMetadataInKeyOrder() {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "test") { _ in
            JournalLogHandler(prefix: "SIMULATED ") { line in lines.withLock { $0.append(line) } }
        }
        logger.info("state ready -> offline on linkLost")
        logger.error("link REFUSED: version 2")
        logger.debug("not shown at the default level")
        logger[metadataKey: "table"] = "SIM-0001"
        logger.warning("ALARM TELEMETRY_STALE", metadata: ["age_ms": "41"])
        #expect(lines.withLock { $0 } == [
            "<6>SIMULATED state ready -> offline on linkLost",
            "<3>SIMULATED link REFUSED: version 2",
            "<4>SIMULATED ALARM TELEMETRY_STALE age_ms=41 table=SIM-0001",
        ])
    }
}

/// The test-support polls, judged by what they saw, never by how long they took.
@Suite struct WaitingTests {
    @Test func waitUntilReturnsOnceTheConditionHolds() {
        var polls = 0
        #expect(waitUntil(timeout: 10, poll: 0.001) { polls += 1; return polls == 3 })
        #expect(polls == 3)
    }

    @Test func waitUntilGivesUpOnAConditionThatNeverHolds() {
        var polls = 0
        #expect(!waitUntil(timeout: 0.02, poll: 0.001) { polls += 1; return false })
        #expect(polls >= 2, "it polled until the deadline and once after it")
    }

    @Test func waitForHandsBackTheFirstValueFound() {
        var polls = 0
        #expect(waitFor(timeout: 10, poll: 0.001) { () -> Int? in polls += 1; return polls >= 4 ? polls * 10 : nil } == 40)
        #expect(waitFor(timeout: 0.01, poll: 0.001) { () -> Int? in nil } == nil)
    }

    @Test func holdsForFailsAtTheFirstPollThatSeesAChange() {
        var polls = 0
        #expect(!holdsFor(duration: 10, poll: 0.001) { polls += 1; return polls < 3 })
        #expect(polls == 3, "it stopped watching at the change, not at the end of the window")
        var watched = 0
        #expect(holdsFor(duration: 0.02, poll: 0.001) { watched += 1; return true })
        #expect(watched >= 2)
    }
}
