#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TractionDevice
import TractionWire
@testable import TractionSerial

/// The termios path, end to end over real pseudo-terminals made with
/// openpty(): the port under test on the device side, the test on the
/// controller side. (The libserialport path is exercised by
/// scripts/checks/libserialport-path.sh, which needs root and a mount
/// namespace.)
@Suite struct SerialPortTests {
    static let patience: Seconds = 2.0

    /// Reads until `count` bytes arrived or a read times out.
    static func read(_ count: Int, from stream: some ByteStream) throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while received.count < count {
            let got = try buffer.withUnsafeMutableBytes { try stream.read(into: $0, timeout: patience) }
            if got == 0 { break }
            received += buffer[0..<got]
        }
        return received
    }

    static let everyByteValue = (0...255).map { UInt8($0) } + Array("\r\n\u{03}\u{11}\u{13}\u{1A}".utf8)

    @Test func aPseudoTerminalOpensThroughTermiosAutomatically() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        #expect(port.backend == .termios)
        #expect(port.resolvedPath == table.devicePath)
    }

    @Test func everyByteValueCrossesFromTheTableToThePortUnchanged() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        try Self.everyByteValue.withUnsafeBytes { try table.write($0) }
        #expect(try Self.read(Self.everyByteValue.count, from: port) == Self.everyByteValue)
    }

    @Test func everyByteValueCrossesFromThePortToTheTableUnchanged() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        try Self.everyByteValue.withUnsafeBytes { try port.write($0) }
        #expect(try Self.read(Self.everyByteValue.count, from: table) == Self.everyByteValue)
    }

    @Test func wireFramesWrittenByThePortDecodeOnTheOtherSide() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        var encoder = FrameEncoder()
        var bytes: [UInt8] = [0]
        let messages: [WireMessage] = [
            .identifyRequest,
            .command(try CommandMessage(DriveCommand(driveEnabled: true, tractionVelocity: 2.5, forceCeiling: 450))),
            .tareRequest(TareRequest(targets: .loadCell)),
        ]
        for message in messages { try encoder.encode(message, appendingTo: &bytes) }
        try bytes.withUnsafeBytes { try port.write($0) }
        var decoder = FrameDecoder()
        let received = decoder.decode(try Self.read(bytes.count, from: table))
        #expect(received.compactMap { try? $0.get().message } == messages)
    }

    @Test func aReadWithNothingToReadReturnsNoBytes() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try port.read(into: $0, timeout: 0.01) } == 0)
    }

    @Test func aSymlinkedPathIsResolvedBeforeOpening() throws {
        let table = try PseudoTerminal()
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("traction-serial-\(getpid())-link").path
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: table.devicePath)
        defer { try? FileManager.default.removeItem(atPath: link) }
        let port = try SerialPort(SerialPortConfiguration(path: link))
        #expect(port.resolvedPath == table.devicePath)
        try [UInt8(0x42)].withUnsafeBytes { try table.write($0) }
        #expect(try Self.read(1, from: port) == [0x42])
    }

    @Test func aMissingDeviceIsReportedAsNoSuchDevice() {
        #expect(throws: SerialPortError.noSuchDevice(path: "/dev/ttyTRACTIONMISSING")) {
            try SerialPort(SerialPortConfiguration(path: "/dev/ttyTRACTIONMISSING"))
        }
    }

    @Test func aRegularFileIsReportedAsNotATerminal() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("traction-serial-\(getpid())-file").path
        _ = FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3]))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: SerialPortError.notATerminal(path: file)) { try SerialPort(SerialPortConfiguration(path: file)) }
    }

    @Test func aSecondOpenOfTheSamePortIsReportedAsBusy() throws {
        let table = try PseudoTerminal()
        let first = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        #expect(throws: SerialPortError.busy(path: table.devicePath)) {
            try SerialPort(SerialPortConfiguration(path: table.devicePath))
        }
        first.close()
        #expect(throws: Never.self) { try SerialPort(SerialPortConfiguration(path: table.devicePath)) }
    }

    @Test func aRateTheKernelLacksIsRefused() throws {
        let table = try PseudoTerminal()
        #expect(throws: SerialPortError.unsupportedBaudRate(path: table.devicePath, baudRate: 12_345)) {
            try SerialPort(SerialPortConfiguration(path: table.devicePath, baudRate: 12_345))
        }
    }

    @Test func forcingLibserialportOntoAPseudoTerminalFailsInsteadOfFallingBack() throws {
        let table = try PseudoTerminal()
        #expect {
            try SerialPort(SerialPortConfiguration(path: table.devicePath, backend: .only(.libserialport)))
        } throws: { error in
            guard case .configurationFailed(let path, _) = error as? SerialPortError else { return false }
            return path == table.devicePath
        }
    }

    @Test func thePortSeesAHangUpWhenThePseudoTerminalsOwnerCloses() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        table.close()
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(throws: SerialPortError.disconnected(path: table.devicePath)) {
            try buffer.withUnsafeMutableBytes { try port.read(into: $0, timeout: Self.patience) }
        }
    }

    @Test func aLineNobodyReadsMakesTheWriteTimeOutInsteadOfBlocking() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath, writeTimeout: 0.02))
        // Far more than a pty buffers; the table side never reads.
        let flood = [UInt8](repeating: 0x55, count: 4 << 20)
        #expect(throws: SerialPortError.writeTimedOut(path: table.devicePath, after: 0.02)) {
            try flood.withUnsafeBytes { try port.write($0) }
        }
    }

    @Test func aClosedPortRefusesReadsAndWrites() throws {
        let table = try PseudoTerminal()
        let port = try SerialPort(SerialPortConfiguration(path: table.devicePath))
        port.close()
        port.close()
        #expect(throws: SerialPortError.closed(path: table.devicePath)) {
            try [UInt8(1)].withUnsafeBytes { try port.write($0) }
        }
    }
}
