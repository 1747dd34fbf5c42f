import Logging
import ArgumentParser
import TractionSerial

/// `tractiond --list-ports`: what a technician needs to pick the table's port.
enum PortListing {
    static func print() throws {
        let ports: [SerialPortInfo]
        do { ports = try SerialPortInfo.list() } catch {
            log(.error, "tractiond: cannot list serial ports: \(error)")
            throw ExitCode(74)
        }
        if ports.isEmpty {
            Swift.print("No serial ports found. A USB adapter shows up here once plugged in;")
            Swift.print("a pseudo-terminal (socat, ser2net, tractionemu) is opened by its path and is not listed.")
            return
        }
        for port in ports { Swift.print(port.summary) }
    }
}
