import Testing

/// tractionemu's control socket answers every line with `ok` or a precise error.
@Suite(.serialized) struct EmulatorControlTests {
    @Test func controlCommandsAreAnsweredOkOrWithAPreciseError() throws {
        let emulator = try EmulatorProcess()
        for command in ["drop 3", "corrupt 0", "delay 0", "stall", "unstall", "stuck-sensor off", "sensor-offset 0",
                        "drive-fault off", "patient-switch off", "estop off", "harness closed", "cough 0"] {
            #expect(try emulator.control(command) == "ok", "\(command)")
        }
        #expect(try emulator.control("corrupt 2") == "error: 'corrupt' needs a number of corrupted bytes per byte in 0.0...1.0, not '2'")
        #expect(try emulator.control("patient-switch c") == "error: 'patient-switch' takes a, b, both or off, not 'c'")
        #expect(try emulator.control("stall now") == "error: 'stall' takes no argument")
        #expect(try emulator.control("warp 9").hasPrefix("error: unknown command 'warp'; commands: drop N"))
        let status = try emulator.status()
        #expect(status["identified"] == "0", "nobody opened the pty, yet: \(emulator.stderrText)")
        #expect(status["power"] == "on")
    }
}
