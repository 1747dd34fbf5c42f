#if canImport(Glibc)
import Logging
import Glibc
#endif
import ArgumentParser
import TractionDaemon
import TractionDevice
import TractionLink
import TractionSerial

/// The daemon's connection to a table over a serial port (or a pty from
/// tractionemu, socat or ser2net): opens a `SerialTableLink`, waits for the
/// handshake and returns the link with what the table said about itself.
///
/// The daemon announces READY=1 only after this returned, so under systemd
/// "active" means a table answered in the host's protocol version.
struct TableConnection {
    let link: SerialTableLink
    let identity: TableIdentity

    /// How long the daemon waits at start for the device to appear and the
    /// table to answer, together, before it gives up (systemd then restarts
    /// it). Several handshake timeouts, so a table still booting or an
    /// emulator still making its pty is not missed.
    static let startupTimeout: Seconds = 5

    /// Opens `device` at `baudRate` and performs the handshake.
    /// - Throws: `ExitCode(69)` (EX_UNAVAILABLE) after logging why: the port
    ///   could not be opened (the operating system's reason, with the group a
    ///   technician must add), no table answered, or the table speaks another
    ///   protocol version; `ExitCode(78)` (EX_CONFIG) for invalid link timing.
    static func open(device: String, baudRate: Int) throws -> TableConnection {
        let port = SerialPortConfiguration(path: device, baudRate: baudRate)
        // The link reopens a failed port silently, forever; one open here
        // first turns a missing device, a wrong group or a busy port into a
        // precise message at start. A device that is not there yet (udev
        // still naming the adapter, the emulator still making its pty) is
        // waited for within the start-up timeout; anything else fails now.
        let deadline = MonotonicClock.now() + startupTimeout
        while true {
            do throws(SerialPortError) {
                try SerialPort(port).close()
                break
            } catch .noSuchDevice where MonotonicClock.now() < deadline {
                usleep(100_000)
            } catch {
                log(.error, "tractiond: cannot open the table's port: \(error)")
                throw ExitCode(69)
            }
        }
        let link: SerialTableLink
        do {
            link = try SerialTableLink(port: port, clock: { MonotonicClock.now() })
        } catch {
            log(.error, "tractiond: invalid link timing: \(error)")
            throw ExitCode(78)
        }
        while true {
            do throws(TableLinkError) {
                let identity = try link.identify()
                return TableConnection(link: link, identity: identity)
            } catch .handshakeTimedOut where MonotonicClock.now() < deadline {
                continue
            } catch {
                let reason = lastTransportFailure(of: link).map { "; the port: \($0)" } ?? ""
                log(.error, "tractiond: no table on \(device) at \(baudRate) bit/s: \(describe(error))\(reason)")
                link.close()
                throw ExitCode(69)
            }
        }
    }

    /// The newest transport failure the link reported, which says why the
    /// port could not be opened when no handshake ever started.
    private static func lastTransportFailure(of link: SerialTableLink) -> String? {
        var last: String?
        while let event = link.nextEvent() {
            if case .transportFailed(let reason, _) = event { last = reason }
        }
        return last
    }

    private static func describe(_ error: TableLinkError) -> String {
        // Only the timeout reads differently here: the daemon retried for
        // its whole start-up window, not one handshake.
        if case .handshakeTimedOut(let after) = error {
            return "no handshake answer within \(Int(saturating: startupTimeout.value)) s "
                + "(each attempt \(Int(saturating: after.milliseconds)) ms)"
        }
        return error.description
    }
}
