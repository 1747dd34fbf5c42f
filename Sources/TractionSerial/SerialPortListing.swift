import CLibSerialPort
#if canImport(Glibc)
import Glibc
#endif

/// A serial port the system knows, with what libserialport can tell about it
/// (for `tractiond --list-ports`).
public struct SerialPortInfo: Sendable, Hashable {
    public enum Transport: String, Sendable, Hashable {
        case native, usb, bluetooth, unknown
    }

    /// The device node, e.g. /dev/ttyUSB0.
    public var path: String
    /// Stable links to it under /dev/serial/by-id/ (configure these: they
    /// survive re-plugging and reordering of adapters).
    public var stableLinks: [String]
    public var description: String?
    public var transport: Transport
    public var usbVendorID: UInt16?
    public var usbProductID: UInt16?
    public var usbManufacturer: String?
    public var usbProduct: String?
    public var usbSerialNumber: String?

    public init(path: String, stableLinks: [String] = [], description: String? = nil, transport: Transport = .unknown,
                usbVendorID: UInt16? = nil, usbProductID: UInt16? = nil, usbManufacturer: String? = nil,
                usbProduct: String? = nil, usbSerialNumber: String? = nil) {
        self.path = path
        self.stableLinks = stableLinks
        self.description = description
        self.transport = transport
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
        self.usbManufacturer = usbManufacturer
        self.usbProduct = usbProduct
        self.usbSerialNumber = usbSerialNumber
    }

    /// One line for a person: "/dev/ttyUSB0  usb 0403:6001  FTDI FT232R  serial A50285BI  (/dev/serial/by-id/...)".
    public var summary: String {
        var parts = [path, transport.rawValue]
        if let usbVendorID, let usbProductID { parts.append(hex4(usbVendorID) + ":" + hex4(usbProductID)) }
        let maker = [usbManufacturer, usbProduct].compactMap { $0 }.joined(separator: " ")
        if !maker.isEmpty { parts.append(maker) } else if let description { parts.append(description) }
        if let usbSerialNumber { parts.append("serial \(usbSerialNumber)") }
        if !stableLinks.isEmpty { parts.append("(" + stableLinks.joined(separator: ", ") + ")") }
        return parts.joined(separator: "  ")
    }

    private func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

extension SerialPortInfo {
    /// Where udev puts stable names for serial devices.
    public static let stableLinkDirectory = "/dev/serial/by-id"

    /// The serial ports libserialport finds, sorted by path. Pseudo-terminals
    /// are not listed (they belong to the program that made them).
    public static func list() throws(SerialPortError) -> [SerialPortInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        guard sp_list_ports(&list) == SP_OK, let list else {
            throw .ioError(path: "/sys/class/tty", operation: "sp_list_ports", errno: sp_last_error_code(),
                           message: "cannot enumerate serial ports")
        }
        defer { sp_free_port_list(list) }
        let links = stableLinks()
        var ports: [SerialPortInfo] = []
        var index = 0
        while let port = list[index] {
            index += 1
            ports.append(info(for: port, links: links))
        }
        return ports.sorted { $0.path < $1.path }
    }

    private static func info(for port: OpaquePointer, links: [String: [String]]) -> SerialPortInfo {
        let path = string(sp_get_port_name(port)) ?? "?"
        var info = SerialPortInfo(path: path, stableLinks: links[path] ?? [], description: string(sp_get_port_description(port)))
        switch sp_get_port_transport(port) {
        case SP_TRANSPORT_NATIVE: info.transport = .native
        case SP_TRANSPORT_USB: info.transport = .usb
        case SP_TRANSPORT_BLUETOOTH: info.transport = .bluetooth
        default: info.transport = .unknown
        }
        if info.transport == .usb {
            var vendor: Int32 = 0
            var product: Int32 = 0
            if sp_get_port_usb_vid_pid(port, &vendor, &product) == SP_OK {
                info.usbVendorID = UInt16(truncatingIfNeeded: vendor)
                info.usbProductID = UInt16(truncatingIfNeeded: product)
            }
            info.usbManufacturer = string(sp_get_port_usb_manufacturer(port))
            info.usbProduct = string(sp_get_port_usb_product(port))
            info.usbSerialNumber = string(sp_get_port_usb_serial(port))
        }
        return info
    }

    /// libserialport returns strings it owns; copy them, and treat "" as unknown.
    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let text = String(cString: pointer)
        return text.isEmpty ? nil : text
    }

    /// Resolved device path -> the /dev/serial/by-id links pointing at it.
    static func stableLinks(in directory: String = stableLinkDirectory) -> [String: [String]] {
        guard let stream = opendir(directory) else { return [:] }
        defer { closedir(stream) }
        var links: [String: [String]] = [:]
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let link = directory + "/" + name
            if let target = try? DeviceFile.resolve(link) { links[target, default: []].append(link) }
        }
        return links.mapValues { $0.sorted() }
    }
}
