#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import TractionSerial

@Suite struct SerialPortListingTests {
    @Test func listedPortsAreDeviceNodes() throws {
        for port in try SerialPortInfo.list() {
            #expect(port.path.hasPrefix("/dev/"), "\(port.summary)")
        }
    }

    @Test func stableLinksAreGroupedByTheDeviceTheyPointAt() throws {
        let table = try PseudoTerminal()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("by-id-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["usb-FTDI_FT232R_A50285BI-if00-port0", "usb-Table_Controller_0417-if00"] {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + name, withDestinationPath: table.devicePath)
        }
        #expect(SerialPortInfo.stableLinks(in: directory) == [table.devicePath: [
            directory + "/usb-FTDI_FT232R_A50285BI-if00-port0", directory + "/usb-Table_Controller_0417-if00",
        ]])
    }

    @Test func aUSBPortSummaryShowsVendorProductAndSerial() {
        let info = SerialPortInfo(
            path: "/dev/ttyUSB0", stableLinks: ["/dev/serial/by-id/usb-FTDI_FT232R_A50285BI-if00-port0"],
            description: "FT232R USB UART", transport: .usb, usbVendorID: 0x0403, usbProductID: 0x6001,
            usbManufacturer: "FTDI", usbProduct: "FT232R USB UART", usbSerialNumber: "A50285BI")
        #expect(info.summary == "/dev/ttyUSB0  usb  0403:6001  FTDI FT232R USB UART  serial A50285BI  "
            + "(/dev/serial/by-id/usb-FTDI_FT232R_A50285BI-if00-port0)")
    }
}
