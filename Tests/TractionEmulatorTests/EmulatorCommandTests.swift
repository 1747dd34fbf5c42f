import Testing
import TractionDevice
@testable import tractionemu

/// The control language and the faulty transmit path, without a process.
@Suite struct EmulatorCommandTests {
    @Test func scheduledFaultsReadSecondsThenACommand() throws {
        let stall = try ScheduledEmulatorCommand(parsing: "5s:stall")
        #expect(stall.after == 5)
        #expect(stall.command == .stall)
        let drop = try ScheduledEmulatorCommand(parsing: "2.5:drop 10")
        #expect(drop.after == 2.5)
        #expect(drop.command == .drop(count: 10))
        #expect(throws: EmulatorCommand.ParseError.self) { try ScheduledEmulatorCommand(parsing: "stall") }
        #expect(throws: EmulatorCommand.ParseError.self) { try ScheduledEmulatorCommand(parsing: "-1:stall") }
    }

    @Test func everyCommandOfTheControlLanguageParses() throws {
        #expect(try EmulatorCommand(parsing: "patient-switch a")
                == .patientSwitch(PatientSwitchChannels(channelAPressed: true, channelBPressed: false)))
        #expect(try EmulatorCommand(parsing: "power-loss 250") == .powerLoss(0.250))
        #expect(try EmulatorCommand(parsing: "harness open") == .harnessClosed(false))
        #expect(try EmulatorCommand(parsing: "sensor-offset -40") == .sensorOffset(Newtons(-40)))
        #expect(try EmulatorCommand(parsing: "delay 12") == .delay(0.012))
        #expect(throws: EmulatorCommand.ParseError.self) { try EmulatorCommand(parsing: "power-loss 0") }
        #expect(throws: EmulatorCommand.ParseError.self) { try EmulatorCommand(parsing: "corrupt nan") }
    }

    @Test func droppedFramesAreCountedAndNeverWritten() {
        var outgoing = OutgoingFrames(seed: 1)
        outgoing.framesToDrop = 2
        var written: [[UInt8]] = []
        for index in 0..<5 { outgoing.submit([UInt8(index + 1), 0], at: .origin) { written.append($0) } }
        #expect(written == [[3, 0], [4, 0], [5, 0]])
        #expect(outgoing.framesDropped == 2)
    }

    @Test func delayedFramesWaitTheirDelayAndKeepTheirOrder() {
        var outgoing = OutgoingFrames(seed: 1)
        outgoing.delay = 0.010
        var written: [[UInt8]] = []
        outgoing.submit([1, 0], at: .origin) { written.append($0) }
        outgoing.submit([2, 0], at: .seconds(0.004)) { written.append($0) }
        outgoing.flush(at: .seconds(0.009)) { written.append($0) }
        #expect(written.isEmpty)
        outgoing.flush(at: .seconds(0.010)) { written.append($0) }
        #expect(written == [[1, 0]])
        outgoing.flush(at: .seconds(0.014)) { written.append($0) }
        #expect(written == [[1, 0], [2, 0]])
    }

    @Test func corruptionChangesBytesAndCountsTheFrame() {
        var outgoing = OutgoingFrames(seed: 7)
        outgoing.byteCorruptionProbability = 1
        var written: [[UInt8]] = []
        let frame: [UInt8] = [1, 2, 3, 0]
        outgoing.submit(frame, at: .origin) { written.append($0) }
        #expect(written.count == 1)
        #expect(zip(written[0], frame).allSatisfy { $0 != $1 })
        #expect(outgoing.framesCorrupted == 1)
    }
}
