import ArgumentParser
import Foundation
import TractionControlClient
import TractionControlProtocol
import TractionTherapy

/// Options of every command that talks to tractiond.
struct DaemonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The daemon's control socket (default: $TRACTION_SOCKET, else /run/tractiond/control.sock).",
        valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for each answer from the daemon.", valueName: "seconds"))
    var timeout: Double = 10

    @Flag(name: .long, help: "Print the daemon's JSON result instead of text (docs/tractionctl.md).")
    var json = false

    var socketPath: String {
        ControlClient.resolveSocketPath(socket, environment: ProcessInfo.processInfo.environment)
    }

    func validate() throws {
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds.") }
    }

    /// Connects, runs `body`, and turns a failure into a message a
    /// clinician can act on (standard error; with --json also an error
    /// object on standard output) and the exit status of its code.
    /// `refusal` names what did not happen ("the session was not started").
    func run<Result>(refusal: String? = nil, _ body: (ControlClient) throws(ControlClientError) -> Result) throws -> Result {
        do {
            // Text for people: every string the daemon sends is escaped before
            // it can reach the terminal (JSON output escapes by its own rules).
            let client = try ControlClient(socketPath: socketPath, replyTimeout: timeout, helloTimeout: min(timeout, 5),
                                           incomingFilter: json ? nil : { $0.printable })
            defer { client.close() }
            return try body(client)
        } catch {
            report(error, refusal: refusal)
            throw ExitStatus.forCode(error.symbolicCode)
        }
    }

    func report(_ error: ControlClientError, refusal: String?) {
        let text = ErrorText.explain(error, refusal: refusal)
        printError("tractionctl: \(PrintableText.escapedKeepingLines(text)) [\(error.symbolicCode)]")
        if json {
            var members: [String: JSONValue] = ["code": .string(error.symbolicCode), "message": .string(text)]
            if case .daemon(let controlError) = error, !controlError.data.isEmpty {
                members["data"] = .object(controlError.data)
            }
            JSONText.print(.object(["error": .object(members)]))
        }
    }
}

/// JSON on standard output: sorted keys, one value per call.
enum JSONText {
    static func print(_ value: JSONValue, pretty: Bool = true) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}

extension JSONValue {
    /// Every string in the tree as a terminal must show it (`String.visible`);
    /// member names are the protocol's own and stay as they are.
    var printable: JSONValue {
        switch self {
        case .string(let text): .string(text.visible)
        case .array(let elements): .array(elements.map(\.printable))
        case .object(let members): .object(members.mapValues(\.printable))
        default: self
        }
    }
}
