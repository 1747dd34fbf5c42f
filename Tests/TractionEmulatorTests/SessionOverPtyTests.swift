import Foundation
import Testing
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionLink

/// The engine drives the real tractionemu through a whole short program over
/// a pty, in real time.
@Suite(.serialized) struct SessionOverPtyTests {
    @Test func aShortProgramRunsToCompletionOverThePty() throws {
        let emulator = try EmulatorProcess()
        let driver = try EndToEnd.startSession(emulator)
        defer { driver.stop() }
        let plan = try EndToEnd.shortPlan()
        let ended = driver.wait(upTo: plan.totalDuration + 10) { $0.sessionEnd != nil && $0.state == .ready }
        #expect(ended, "session did not end: state \(driver.state)")
        #expect(driver.sessionEnd == .completed)
        let peak = driver.ticks.compactMap { $0.telemetry?.loadCellForce }.max() ?? .zero
        #expect(peak > Newtons(60), "the hold force of 80 N was never approached (peak \(peak))")
        #expect(!driver.linkEvents.contains { if case .lost = $0.event { true } else { false } })
        let statistics = driver.link.statistics
        #expect(statistics.decoder.crcErrors == 0)
        #expect(statistics.telemetryReceived > UInt64(plan.totalDuration.value * 400))
        #expect(statistics.commandToTelemetryLatency.count > 100)
        print("latency p50 \(statistics.commandToTelemetryLatency.quantile(0.5)?.milliseconds ?? -1) ms, "
              + "p99 \(statistics.commandToTelemetryLatency.quantile(0.99)?.milliseconds ?? -1) ms")
    }
}
