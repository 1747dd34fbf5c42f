import Foundation
import TractionControlClient
import TractionControlProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Sentences for the errors a clinician or technician meets, saying what
/// happened and what to do. The symbolic code is appended by the caller.
enum ErrorText {
    static func explain(_ error: ControlClientError, refusal: String?) -> String {
        switch error {
        case .daemonNotRunning(let path, _):
            return "tractiond is not running at \(path); start it with `systemctl start tractiond` "
                + "(or `tractiond --simulate` for a simulated table)"
        case .socketPermissionDenied(let path):
            let group = socketGroup(path).map { "the group \($0)" } ?? "the socket's group"
            return "permission denied on \(path): you are not in \(group); ask an administrator to add you "
                + "(usermod -aG \(socketGroup(path) ?? "GROUP") \(currentUserName())), then log in again"
        case .connectFailed, .socketPathTooLong, .unsupportedProtocol, .noReply, .badReply:
            return error.description
        case .connectionClosed:
            return "\(error.description); the daemon may have stopped: check `systemctl status tractiond`"
        case .daemon(let controlError):
            return explain(controlError, refusal: refusal)
        }
    }

    static func explain(_ error: ControlError, refusal: String?) -> String {
        let prefix = refusal.map { "\($0): " } ?? ""
        switch error.code {
        case .permissionDenied:
            let required = error.data["required_role"]?.stringValue ?? "a higher"
            let role = error.data["role"]?.stringValue.map { "your role is \($0)" } ?? "you have no role"
            let groups = (error.data["groups"]?.arrayValue ?? []).compactMap(\.stringValue)
            let join = groups.isEmpty ? "ask an administrator for the \(required) role"
                : "join \(groups.count == 1 ? "the group" : "one of the groups") \(groups.joined(separator: ", ")) "
                    + "(ask an administrator), then log in again"
            return "\(prefix)this needs the \(required) role and \(role); \(join)"
        case .conditionPresent:
            let conditions = (error.data["conditions"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard !conditions.isEmpty else { return prefix + error.message }
            return prefix + conditions.map { "\(conditionPhrase($0)) (\($0))" }.joined(separator: ", and ")
        case .alarmNotAcknowledged:
            let alarms = (error.data["alarms"]?.arrayValue ?? []).compactMap(\.stringValue)
            return prefix + "acknowledge the alarm\(alarms.count == 1 ? "" : "s") first"
                + (alarms.isEmpty ? "" : ": \(alarms.joined(separator: ", ")) (tractionctl ack --all)")
        case .notAllowedInState:
            // The daemon's sentence already names the state (or the final
            // release); the state is added only to a message that does not.
            guard error.message.isEmpty else { return prefix + error.message }
            let state = error.data["state"]?.stringValue.map { " while the table is \($0)" } ?? ""
            return prefix + "not possible\(state)"
        case .confirmationRequired:
            let peak = error.data["peak_n"]?.numberValue.map { Units.force($0) } ?? "the planned peak"
            return prefix + "the plan's peak \(peak) needs a clinician's confirmation: run the command on a terminal, "
                + "or add --yes"
        case .programInvalid:
            let diagnostics = (error.data["diagnostics"]?.arrayValue ?? []).compactMap(\.stringValue)
            return prefix + error.message + diagnostics.map { "\n  \($0)" }.joined()
        case .programNotFound:
            let directories = (error.data["directories"]?.arrayValue ?? []).compactMap(\.stringValue)
            return prefix + error.message
                + (directories.isEmpty ? "" : " (looked in \(directories.joined(separator: ", ")); see tractionctl programs list)")
        case .tensionPresent:
            let measured = error.data["measured_n"]?.numberValue.map { " (\(Units.force($0)) measured)" } ?? ""
            return prefix + "there is tension on the cable\(measured); release the patient before taring"
        case .tareFailed:
            let advice: String
            switch error.data["reason"]?.stringValue {
            case "sensor_fault": advice = "the load cell reports a fault; do not treat, call service"
            case "drive_enabled": advice = "the table's drive is enabled; stop any movement and try again"
            case "no_answer": advice = "the table did not answer; check that it is powered and its cable is connected"
            case "transport": advice = "the connection to the table failed; check its cable"
            default: advice = error.message
            }
            return prefix + "the table did not tare: \(advice); the force reading is unchanged"
        case .invalidParams:
            let field = error.data["field"]?.stringValue.map { " [\($0)]" } ?? ""
            return prefix + error.message + field
        default:
            return prefix + error.message
        }
    }

    /// "the harness is open" for HARNESS_OPEN; the code in words otherwise.
    static func conditionPhrase(_ code: String) -> String {
        switch code {
        case "HARNESS_OPEN": "the harness is open"
        case "PATIENT_RELEASE": "the patient switch is pressed"
        case "PATIENT_SWITCH_FAULT": "the patient switch is faulty"
        case "EMERGENCY_STOP": "the emergency stop is pressed"
        case "LINK_LOST", "TELEMETRY_STALE": "the table is not answering"
        case "DRIVE_FAULT": "the drive reports a fault"
        default: code.lowercased().replacingOccurrences(of: "_", with: " ")
        }
    }

    /// The group owning the socket (or its directory, when the socket
    /// cannot be looked at).
    static func socketGroup(_ path: String) -> String? {
        for candidate in [path, (path as NSString).deletingLastPathComponent] {
            var information = stat()
            if stat(candidate, &information) == 0, let group = getgrgid(information.st_gid) {
                return String(cString: group.pointee.gr_name)
            }
        }
        return nil
    }

    static func currentUserName() -> String {
        getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "$USER"
    }
}
