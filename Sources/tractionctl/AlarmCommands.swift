import ArgumentParser
import TractionControlClient
import TractionControlProtocol

/// `tractionctl alarms`
struct AlarmsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alarms",
        abstract: "List the alarms that are present, or latched and not yet acknowledged.",
        discussion: "Highest priority first. Exits 0 whether or not there are alarms."
    )

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let value = try daemon.run { client throws(ControlClientError) in try client.request(.alarmsList) }
        if daemon.json { return JSONText.print(value) }
        let alarms = (try? ControlJSON.decode(value, as: AlarmsListResult.self))?.alarms ?? []
        if alarms.isEmpty { return print("No active alarms.") }
        for alarm in alarms { print(AlarmText.line(alarm, style: .current)) }
    }
}

/// `tractionctl ack [CODE | --all]`
struct AcknowledgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an alarm, or every active one.",
        discussion: """
            Acknowledging does not leave a fault: after the conditions have cleared \
            and the alarms are acknowledged, `tractionctl reset` does.
            """
    )

    @Argument(help: ArgumentHelp("The alarm's code, as `tractionctl alarms` shows it (e.g. HARNESS_OPEN).", valueName: "code"))
    var code: String?

    @Flag(help: "Acknowledge every active alarm.")
    var all = false

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if (code == nil) == (all == false) { throw ValidationError("Give one alarm code or --all, not both and not neither.") }
    }

    func run() throws {
        let params = AcknowledgeParams(code: code?.uppercased(), all: all ? true : nil)
        let value = try daemon.run(refusal: "nothing was acknowledged") { client throws(ControlClientError) in
            try client.request(.alarmsAcknowledge, params: ControlJSON.value(params))
        }
        if daemon.json { return JSONText.print(value) }
        let codes = (value["acknowledged"]?.arrayValue ?? []).compactMap(\.stringValue)
        print(codes.isEmpty ? "No alarm needed acknowledging." : "Acknowledged: \(codes.joined(separator: ", ")).")
    }
}

/// `tractionctl reset`
struct ResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Leave a fault or emergency once the conditions are clear and the alarms acknowledged.",
        discussion: "The table runs its self-test again before it accepts a session."
    )

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let value = try daemon.run(refusal: "the fault was not reset") { client throws(ControlClientError) in
            try client.request(.faultsReset)
        }
        if daemon.json { return JSONText.print(value) }
        print("Reset: the table is running its self-test (\(value["state"]?.stringValue ?? "self-test")).")
    }
}
