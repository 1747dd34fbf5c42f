import Foundation
import TractionDaemon
import TractionDevice
import TractionLink
import TractionSerial
import TractionTherapy

/// Programs and connections shared by the end-to-end tests.
enum EndToEnd {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func shortPlan() throws -> SessionPlan {
        let url = fixtures.appendingPathComponent("short-test.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let program = try ProgramValidator.validate(text: text, file: url.lastPathComponent).get()
        return try SessionPlan(program: program,
                               patient: PatientParameters(weight: Kilograms(75), region: program.program.region,
                                                          firstSession: false))
    }

    /// A link to the emulator's pty, with the host's default timing.
    static func link(to emulator: EmulatorProcess) throws -> SerialTableLink {
        try SerialTableLink(port: SerialPortConfiguration(path: emulator.linkPath), clock: { MonotonicClock.now() })
    }

    /// Starts the emulator, identifies it, tares and starts the session loop.
    static func startSession(_ emulator: EmulatorProcess) throws -> SessionDriver {
        let link = try link(to: emulator)
        let identity = try link.identify()
        try link.tare(at: MonotonicClock.now())
        let driver = SessionDriver(link: link)
        driver.start(identity: identity, plan: try shortPlan())
        return driver
    }
}
