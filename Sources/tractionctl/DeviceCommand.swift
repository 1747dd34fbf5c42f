import ArgumentParser
import TractionControlClient
import TractionControlProtocol
import TractionSerial

/// `tractionctl device info | tare | ports`
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "The table: its identity, the load cell's zero, the serial ports.",
        subcommands: [Info.self, Tare.self, Ports.self]
    )
}

extension DeviceCommand {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the table said about itself and how the daemon reaches it."
        )

        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            let value = try daemon.run { client throws(ControlClientError) in try client.request(.deviceInfo) }
            if daemon.json { return JSONText.print(value) }
            guard let info = try? ControlJSON.decode(value, as: DeviceInfoResult.self) else {
                daemon.report(.badReply(detail: "device.info"), refusal: nil)
                throw ExitStatus.protocolError
            }
            print(StatusText.field("Table", "\(info.simulated ? "SIMULATED " : "")\(info.serial), firmware \(info.firmware), "
                + "wire protocol \(info.protocolVersion)"))
            print(StatusText.field("Force", "up to \(Units.force(info.maxForceN)), travel "
                + "\(DisplayMassUnit.number(info.maxTravelMm, decimals: 0)) mm, lease \(DisplayMassUnit.number(info.leaseMs, decimals: 0)) ms"))
            for (index, axis) in info.axes.enumerated() {
                print(StatusText.field(index == 0 ? "Axes" : "", "\(Units.words(axis.axis)) \(Units.degrees(axis.minDeg)) to "
                    + "\(Units.degrees(axis.maxDeg)), at most \(DisplayMassUnit.number(axis.maxRateDegPerS, decimals: 1)) °/s"))
            }
            if info.axes.isEmpty { print(StatusText.field("Axes", "none")) }
            let link: String = switch info.link.kind {
            case "simulated": "simulated (seed \(info.link.seed.map(String.init) ?? "?"))"
            default: "\(info.link.kind) \(info.link.path ?? "?")\(info.link.baud.map { " at \($0) bit/s" } ?? "")"
            }
            print(StatusText.field("Link", link))
            if let health = info.link.health {
                for (index, line) in LinkText.details(health, style: .current).enumerated() {
                    print(StatusText.field(index == 0 ? "Health" : "", line))
                }
            }
        }
    }

    struct Tare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Zero the load cell (technician; the table ready, nobody pulling)."
        )

        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            let value = try daemon.run(refusal: "the load cell was not tared") { client throws(ControlClientError) in
                try client.request(.deviceTare)
            }
            if daemon.json { return JSONText.print(value) }
            print("The load cell reads zero now.")
        }
    }

    struct Ports: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List this computer's serial ports (no daemon needed).",
            discussion: """
                Shows each port with its USB vendor and product, serial number and its \
                stable /dev/serial/by-id names (configure those: they survive re-plugging). \
                Pseudo-terminals (tractionemu, socat) are not listed.
                """
        )

        @OptionGroup var output: OutputOptions

        func run() throws {
            let ports: [SerialPortInfo]
            do { ports = try SerialPortInfo.list() } catch {
                printError("tractionctl: cannot list serial ports: \(error)")
                throw ExitStatus.osError
            }
            if output.json {
                return JSONText.print(.object(["ports": .array(ports.map(Self.json))]))
            }
            if ports.isEmpty { return print("No serial ports found. A USB adapter shows up here once plugged in.") }
            for port in ports { print(port.summary) }
        }

        static func json(_ port: SerialPortInfo) -> JSONValue {
            var members: [String: JSONValue] = [
                "path": .string(port.path), "transport": .string(port.transport.rawValue),
                "stable_links": .array(port.stableLinks.map { .string($0) }),
            ]
            func put(_ key: String, _ value: String?) { if let value { members[key] = .string(value) } }
            put("description", port.description)
            put("usb_manufacturer", port.usbManufacturer)
            put("usb_product", port.usbProduct)
            put("usb_serial_number", port.usbSerialNumber)
            if let vendor = port.usbVendorID { members["usb_vendor_id"] = .number(Double(vendor)) }
            if let product = port.usbProductID { members["usb_product_id"] = .number(Double(product)) }
            return .object(members)
        }
    }
}


/// A serial link's health for people (`status`, `device info`).
enum LinkText {
    /// One line: the phase (or why the table is refused) and the counters
    /// that mean trouble.
    static func summary(_ health: LinkHealthStatus, style: Style) -> String {
        if health.phase == "refused" {
            return style.red("REFUSED: \(health.refusal ?? "no reason given")")
        }
        let trouble = "\(count(health.crcErrors, "CRC error")), \(health.framesLost) frames lost, "
            + "\(count(health.stalePeriods, "stale period")), \(count(health.losses, "loss", plural: "losses"))"
        let phase = health.phase == "connected" ? health.phase : style.yellow(health.phase)
        return "\(phase); \(trouble)"
    }

    static func count(_ value: UInt64, _ noun: String, plural: String? = nil) -> String {
        "\(value) \(value == 1 ? noun : plural ?? noun + "s")"
    }

    /// Every counter of docs/wire-protocol.md section 12, a few a line.
    static func details(_ health: LinkHealthStatus, style: Style) -> [String] {
        var lines = [summary(health, style: style)]
        lines.append("received \(health.framesDecoded) frames (\(health.telemetryReceived) telemetry), "
            + "sent \(health.framesSent) (\(health.commandsSent) commands)")
        lines.append("\(health.malformedFrames) malformed, \(health.oversizeFrames) oversize, "
            + "\(health.otherVersionFrames) of another version, \(health.unknownTypeFrames) of unknown type, "
            + "\(health.invalidPayloadFrames) with an invalid payload")
        lines.append("\(health.resynchronisations) resynchronisations (\(health.discardedBytes) bytes discarded), "
            + "\(health.sequenceGaps) sequence gaps")
        lines.append("\(count(health.handshakes, "handshake")), \(count(health.refusals, "refusal")), "
            + "\(count(health.reopens, "port reopen"))")
        var faults = count(health.faultReports, "fault report")
        if health.faultReportsNotReported > 0 { faults += " (\(health.faultReportsNotReported) beyond 10 a second, counted only)" }
        if let last = health.lastFaultReport { faults += "; last: \(last)" }
        lines.append(faults)
        if let p99 = health.latencyP99Ms {
            lines.append("command to telemetry: p99 \(DisplayMassUnit.number(p99, decimals: 2)) ms")
        }
        return lines
    }
}
