import ArgumentParser
import TractionControlClient
import TractionControlProtocol

/// Exit statuses from sysexits(3), so scripts can tell a refusal from a
/// missing daemon, a bad command line or a bad program. The one table that
/// maps every symbolic code to a status is `ExitStatus.forCode`; the man page's
/// EXIT STATUS section is printed from `ExitStatus.all`.
enum ExitStatus {
    static let success = ExitCode(0)
    /// EX_USAGE: the command line was wrong (ArgumentParser exits with it by itself).
    static let usage = ExitCode(64)
    /// EX_DATAERR: a program file, the patient data or a force is not usable.
    static let dataError = ExitCode(65)
    /// EX_NOINPUT: an input file cannot be read, or the daemon knows no such program.
    static let noInput = ExitCode(66)
    /// EX_UNAVAILABLE: tractiond is not running at the socket, or the table
    /// could not do what was asked (a tare that failed).
    static let unavailable = ExitCode(69)
    /// EX_SOFTWARE: the daemon reported a defect of its own, or an unknown code.
    static let software = ExitCode(70)
    /// EX_OSERR: a system call failed (listing serial ports).
    static let osError = ExitCode(71)
    /// EX_CANTCREAT: an output file cannot be written.
    static let cannotCreate = ExitCode(73)
    /// EX_IOERR: the connection to the daemon broke.
    static let ioError = ExitCode(74)
    /// EX_TEMPFAIL: the table refused in its present state (a condition, an
    /// alarm, a session in progress, a confirmation not given, busy); fix
    /// what the message says and try again.
    static let refused = ExitCode(75)
    /// EX_PROTOCOL: the daemon's reply was not what the protocol says.
    static let protocolError = ExitCode(76)
    /// EX_NOPERM: the user may not do this (socket group or role).
    static let noPermission = ExitCode(77)
    /// EX_CONFIG: the daemon's reloaded configuration is invalid.
    static let configuration = ExitCode(78)

    /// Every status, with what it means (man page, docs/tractionctl.md).
    static let all: [(status: ExitCode, name: String, meaning: String)] = [
        (success, "EX_OK", "success"),
        (usage, "EX_USAGE", "the command line is wrong, or the daemon found a parameter invalid (INVALID_PARAMS)"),
        (dataError, "EX_DATAERR",
         "a program or the patient data is not usable (PROGRAM_INVALID, PLAN_REFUSED, INVALID_FORCE, MESSAGE_TOO_LARGE)"),
        (noInput, "EX_NOINPUT", "an input file cannot be read, or the daemon has no such program (PROGRAM_NOT_FOUND)"),
        (unavailable, "EX_UNAVAILABLE",
         "tractiond is not running at the socket (DAEMON_NOT_RUNNING, CONNECT_FAILED), or the table failed a tare (TARE_FAILED)"),
        (software, "EX_SOFTWARE", "the daemon reported a defect (INTERNAL_ERROR, TIMEOUT) or a code this client does not know"),
        (osError, "EX_OSERR", "serial ports cannot be listed"),
        (cannotCreate, "EX_CANTCREAT", "an output file (a replay chart) cannot be written"),
        (ioError, "EX_IOERR", "the connection to the daemon broke (CONNECTION_CLOSED)"),
        (refused, "EX_TEMPFAIL",
         "the table refused in its present state: CONDITION_PRESENT, NOT_ALLOWED_IN_STATE, ALARM_NOT_ACKNOWLEDGED, "
            + "NOTHING_TO_RESET, NO_SESSION_ARMED, SESSION_IN_PROGRESS, CONFIRMATION_REQUIRED, ALARM_NOT_ACTIVE, "
            + "TENSION_PRESENT, BUSY, SHUTTING_DOWN, TOO_MANY_CLIENTS, NO_REPLY; fix what the message says and try again"),
        (protocolError, "EX_PROTOCOL",
         "the daemon's reply broke the protocol (BAD_REPLY, PROTOCOL_VERSION_UNSUPPORTED, PARSE_ERROR, INVALID_REQUEST, "
            + "METHOD_NOT_FOUND, MESSAGE_INCOMPLETE)"),
        (noPermission, "EX_NOPERM",
         "permission denied: not in the socket's group (SOCKET_PERMISSION_DENIED) or the role is too low (PERMISSION_DENIED)"),
        (configuration, "EX_CONFIG", "the daemon's configuration file is invalid (CONFIGURATION_INVALID, or one given with --config)"),
    ]

    /// The status for a symbolic code, the daemon's or the client's.
    static func forCode(_ symbol: String) -> ExitCode {
        if let client = ControlClientError.ClientCode(rawValue: symbol) {
            switch client {
            case .daemonNotRunning, .connectFailed: return unavailable
            case .socketPermissionDenied: return noPermission
            case .socketPathTooLong: return usage
            case .unsupportedProtocol, .badReply: return protocolError
            case .noReply: return refused
            case .connectionClosed: return ioError
            }
        }
        guard let code = ControlErrorCode(rawValue: symbol) else { return software }
        switch code {
        case .parseError, .invalidRequest, .methodNotFound, .messageIncomplete: return protocolError
        case .invalidParams: return usage
        case .internalError, .timeout: return software
        case .messageTooLarge, .invalidForce, .programInvalid, .planRefused: return dataError
        case .permissionDenied: return noPermission
        case .busy, .tooManyClients, .shuttingDown, .notAllowedInState, .conditionPresent, .alarmNotAcknowledged,
             .nothingToReset, .noSessionArmed, .sessionInProgress, .confirmationRequired, .alarmNotActive,
             .tensionPresent:
            return refused
        case .programNotFound: return noInput
        case .configurationInvalid: return configuration
        case .tareFailed: return unavailable
        }
    }
}
