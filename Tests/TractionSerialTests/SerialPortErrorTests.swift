#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import TractionSerial

/// Operating-system errors become cases a technician can act on.
@Suite struct SerialPortErrorTests {
    @Test func openErrnosMapToActionableCases() {
        #expect(SerialPortError.opening("/dev/ttyUSB0", errno: ENOENT) == .noSuchDevice(path: "/dev/ttyUSB0"))
        #expect(SerialPortError.opening("/dev/ttyUSB0", errno: ENODEV) == .noSuchDevice(path: "/dev/ttyUSB0"))
        #expect(SerialPortError.opening("/dev/ttyUSB0", errno: EBUSY) == .busy(path: "/dev/ttyUSB0"))
        #expect(SerialPortError.opening("/dev/ttyUSB0", errno: ENOTTY) == .notATerminal(path: "/dev/ttyUSB0"))
        guard case .permissionDenied(let path, _) = SerialPortError.opening("/dev/ttyUSB0", errno: EACCES) else {
            Issue.record("EACCES is not permissionDenied")
            return
        }
        #expect(path == "/dev/ttyUSB0")
    }

    @Test func transferErrnosThatMeanAVanishedDeviceMapToDisconnected() {
        #expect(SerialPortError.transfer("/dev/ttyUSB0", errno: EIO, operation: "read") == .disconnected(path: "/dev/ttyUSB0"))
        #expect(SerialPortError.transfer("/dev/ttyUSB0", errno: ENXIO, operation: "read") == .disconnected(path: "/dev/ttyUSB0"))
        guard case .ioError(_, "write", EINVAL, let message) = SerialPortError.transfer("/dev/x", errno: EINVAL, operation: "write")
        else { Issue.record("EINVAL is not an ioError"); return }
        #expect(!message.isEmpty)
    }

    @Test func permissionDeniedTellsWhichGroupToJoin() {
        let text = SerialPortError.permissionDenied(path: "/dev/ttyUSB0", group: "dialout").description
        #expect(text.contains("/dev/ttyUSB0") && text.contains("'dialout'") && text.contains("usermod -aG dialout"))
    }

    @Test func theDevicesGroupIsLookedUpByName() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("traction-group-\(getpid())").path
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        let expected = try #require(getgrgid(getegid())).pointee.gr_name.map { String(cString: $0) }
        #expect(DeviceFile.groupName(of: file) == expected)
        #expect(DeviceFile.groupName(of: "/nonexistent/traction") == nil)
    }

    @Test func everyCaseNamesTheDevice() {
        let path = "/dev/ttyACM3"
        let errors: [SerialPortError] = [
            .noSuchDevice(path: path), .permissionDenied(path: path, group: nil), .busy(path: path),
            .notATerminal(path: path), .unsupportedBaudRate(path: path, baudRate: 1), .configurationFailed(path: path, reason: "x"),
            .disconnected(path: path), .writeTimedOut(path: path, after: 0.05), .closed(path: path),
            .ioError(path: path, operation: "read", errno: EIO, message: "I/O error"),
        ]
        for error in errors { #expect(error.description.contains(path), "\(error)") }
    }
}
