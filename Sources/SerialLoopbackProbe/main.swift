// Round trip through the libserialport code path of TractionSerial.
//
//   SerialLoopbackProbe PORT PEER
//
// Opens PORT with the libserialport backend only (no termios fallback) and
// PEER, the other end of the same line, with termios. Sends every byte value
// and a burst of wire frames in both directions and checks they arrive
// unchanged. Then reopens PORT with automatic backend selection, which must
// recognise the pty behind the tty name and choose termios. Exits 0 on
// success, 1 with a reason otherwise.
//
// scripts/checks/libserialport-path.sh runs it inside a private mount
// namespace, with a pty bind-mounted over a tty name sysfs knows and an
// LD_PRELOAD shim for the modem-control ioctls that ptys lack.

#if canImport(Glibc)
import Glibc
#endif
import TractionDevice
import TractionSerial
import TractionWire

struct ProbeFailure: Error, CustomStringConvertible {
    var description: String
}

func receive(_ count: Int, from stream: some ByteStream) throws -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 512)
    while received.count < count {
        let got = try buffer.withUnsafeMutableBytes { try stream.read(into: $0, timeout: 2.0) }
        if got == 0 { throw ProbeFailure(description: "timed out after \(received.count) of \(count) bytes") }
        received += buffer[0..<got]
    }
    return received
}

func roundTrip(_ bytes: [UInt8], from sender: some ByteStream, to receiver: some ByteStream, _ what: String) throws {
    try bytes.withUnsafeBytes { try sender.write($0) }
    let received = try receive(bytes.count, from: receiver)
    guard received == bytes else { throw ProbeFailure(description: "\(what): bytes changed on the way") }
    print("ok: \(what), \(bytes.count) bytes")
}

func frames() throws -> [UInt8] {
    var encoder = FrameEncoder()
    var bytes: [UInt8] = [0]
    try encoder.encode(.identifyRequest, appendingTo: &bytes)
    for step in 0..<50 {
        let command = DriveCommand(driveEnabled: true, tractionVelocity: MillimetresPerSecond(Double(step) / 10),
                                   forceCeiling: 450)
        try encoder.encode(.command(try CommandMessage(command)), appendingTo: &bytes)
    }
    return bytes
}

func run(portPath: String, peerPath: String) throws {
    let port = try SerialPort(SerialPortConfiguration(path: portPath, backend: .only(.libserialport)))
    guard port.backend == .libserialport else { throw ProbeFailure(description: "backend is \(port.backend)") }
    let peer = try SerialPort(SerialPortConfiguration(path: peerPath, backend: .only(.termios)))
    print("opened \(portPath) (\(port.resolvedPath)) through \(port.backend), peer \(peerPath) through \(peer.backend)")

    let everyByte = (0...255).map { UInt8($0) }
    try roundTrip(everyByte, from: port, to: peer, "libserialport -> peer, every byte value")
    try roundTrip(everyByte, from: peer, to: port, "peer -> libserialport, every byte value")

    let stream = try frames()
    try roundTrip(stream, from: port, to: peer, "libserialport -> peer, 51 wire frames")
    try stream.withUnsafeBytes { try peer.write($0) }
    var decoder = FrameDecoder()
    let outcomes = decoder.decode(try receive(stream.count, from: port))
    guard outcomes.count == 51, outcomes.allSatisfy({ (try? $0.get()) != nil }) else {
        throw ProbeFailure(description: "peer -> libserialport: frames did not decode: \(outcomes.prefix(3))")
    }
    print("ok: peer -> libserialport, 51 wire frames decoded")
    port.close()

    // Under its tty name the device is still a pty (by its major number):
    // automatic selection must send it through termios.
    let automatic = try SerialPort(SerialPortConfiguration(path: portPath))
    guard automatic.backend == .termios else {
        throw ProbeFailure(description: "automatic selection chose \(automatic.backend) for a pseudo-terminal")
    }
    try roundTrip(everyByte, from: peer, to: automatic, "peer -> automatic (termios), every byte value")
}

/// Writes to standard error with write(2); the C `stderr` global is not
/// concurrency-safe in Swift 6.
func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    printError("usage: SerialLoopbackProbe PORT PEER")
    exit(64)  // EX_USAGE
}
do {
    try run(portPath: arguments[1], peerPath: arguments[2])
} catch {
    printError("SerialLoopbackProbe: FAIL: \(error)")
    exit(1)
}
