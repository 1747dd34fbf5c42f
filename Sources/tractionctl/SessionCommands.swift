import ArgumentParser
import TractionControlClient
import TractionControlProtocol

/// `tractionctl pause`
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause the session: hold the present force and angles, stop the treatment clock."
    )

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let result = try daemon.run(refusal: "the session was not paused") { client throws(ControlClientError) in
            try client.request(.sessionPause)
        }
        if daemon.json { return JSONText.print(result) }
        print("Paused: the force and angles are held and the treatment clock is stopped. "
              + "Resume with `tractionctl resume`, end with `tractionctl stop`.")
    }
}

/// `tractionctl resume`
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused session from exactly where it stopped."
    )

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let result = try daemon.run(refusal: "the session was not resumed") { client throws(ControlClientError) in
            try client.request(.sessionResume)
        }
        if daemon.json { return JSONText.print(result) }
        print("Resumed: \(Style.current.state(result["state"]?.stringValue ?? "treating")).")
    }
}

/// `tractionctl stop`
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "End the session and release the tension at the normal rate.",
        discussion: "Never refused to a clinician: it succeeds in every state. With nothing to stop it says so."
    )

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let value = try daemon.run { client throws(ControlClientError) in try client.request(.sessionStop) }
        if daemon.json { return JSONText.print(value) }
        if value["was_running"]?.boolValue == true {
            print("Stopped: the tension is being released (\(value["state"]?.stringValue ?? "releasing")).")
        } else {
            print("Nothing to stop: no session was armed or running (the table is \(value["state"]?.stringValue ?? "?")).")
        }
    }
}

/// `tractionctl adjust --max-force N`
struct AdjustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust",
        abstract: "Change the hold force of the armed or running session.",
        discussion: "The force is never raised above the session's effective limit: the daemon grants at most that."
    )

    @Option(name: .customLong("max-force"), help: ArgumentHelp("The new hold force in newtons.", valueName: "newtons"))
    var maxForce: Double

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        guard maxForce.isFinite, maxForce > 0 else { throw ValidationError("--max-force must be a positive number of newtons.") }
    }

    func run() throws {
        let value = try daemon.run(refusal: "the force was not changed") { client throws(ControlClientError) in
            try client.request(.sessionAdjust, params: ControlJSON.value(AdjustParams(maxForceN: maxForce)))
        }
        if daemon.json { return JSONText.print(value) }
        let requested = value["requested_n"]?.numberValue ?? maxForce
        let granted = value["granted_n"]?.numberValue ?? maxForce
        if granted < requested - 1e-9 {
            print("Hold force \(Units.force(granted)): \(Units.force(requested)) was asked, the session's limit allows \(Units.shortForce(granted)).")
        } else {
            print("Hold force \(Units.force(granted)) from now on.")
        }
    }
}
