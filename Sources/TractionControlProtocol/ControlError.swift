/// The symbolic error codes of docs/control-protocol.md, section 8. The raw
/// value is what `error.data.code` carries; `rpcCode` is `error.code`.
public enum ControlErrorCode: String, Sendable, Hashable, Codable, CaseIterable {
    case parseError = "PARSE_ERROR"
    case invalidRequest = "INVALID_REQUEST"
    case methodNotFound = "METHOD_NOT_FOUND"
    case invalidParams = "INVALID_PARAMS"
    case internalError = "INTERNAL_ERROR"
    case messageTooLarge = "MESSAGE_TOO_LARGE"
    case messageIncomplete = "MESSAGE_INCOMPLETE"
    case permissionDenied = "PERMISSION_DENIED"
    case busy = "BUSY"
    case timeout = "TIMEOUT"
    case tooManyClients = "TOO_MANY_CLIENTS"
    case shuttingDown = "SHUTTING_DOWN"
    case notAllowedInState = "NOT_ALLOWED_IN_STATE"
    case conditionPresent = "CONDITION_PRESENT"
    case alarmNotAcknowledged = "ALARM_NOT_ACKNOWLEDGED"
    case nothingToReset = "NOTHING_TO_RESET"
    case noSessionArmed = "NO_SESSION_ARMED"
    case sessionInProgress = "SESSION_IN_PROGRESS"
    case confirmationRequired = "CONFIRMATION_REQUIRED"
    case invalidForce = "INVALID_FORCE"
    case programNotFound = "PROGRAM_NOT_FOUND"
    case programInvalid = "PROGRAM_INVALID"
    case planRefused = "PLAN_REFUSED"
    case alarmNotActive = "ALARM_NOT_ACTIVE"
    case tensionPresent = "TENSION_PRESENT"
    case configurationInvalid = "CONFIGURATION_INVALID"
    case tareFailed = "TARE_FAILED"

    /// The JSON-RPC `error.code`.
    public var rpcCode: Int {
        switch self {
        case .parseError: -32700
        case .invalidRequest: -32600
        case .methodNotFound: -32601
        case .invalidParams: -32602
        case .internalError: -32603
        case .messageTooLarge: -32001
        case .messageIncomplete: -32002
        case .permissionDenied: -32003
        case .busy: -32004
        case .timeout: -32005
        case .tooManyClients: -32006
        case .shuttingDown: -32007
        case .notAllowedInState: -32010
        case .conditionPresent: -32011
        case .alarmNotAcknowledged: -32012
        case .nothingToReset: -32013
        case .noSessionArmed: -32014
        case .sessionInProgress: -32015
        case .confirmationRequired: -32016
        case .invalidForce: -32017
        case .programNotFound: -32020
        case .programInvalid: -32021
        case .planRefused: -32022
        case .alarmNotActive: -32023
        case .tensionPresent: -32024
        case .configurationInvalid: -32025
        case .tareFailed: -32026
        }
    }

    /// The connection is closed after this error is sent.
    public var closesConnection: Bool {
        switch self {
        case .messageTooLarge, .messageIncomplete, .tooManyClients: true
        default: false
        }
    }
}

/// An error as the protocol carries it: the symbolic code, a sentence a
/// clinician can read, and the code's `data` members (section 8).
public struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ControlErrorCode
    public var message: String
    /// Members of `error.data` besides `code`.
    public var data: [String: JSONValue]

    public init(_ code: ControlErrorCode, _ message: String, data: [String: JSONValue] = [:]) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(message) (\(code.rawValue))" }

    /// The `error` member of a response.
    public var json: JSONValue {
        var members = data
        members["code"] = .string(code.rawValue)
        return .object(["code": .number(Double(code.rpcCode)), "message": .string(message), "data": .object(members)])
    }

    /// Reads an `error` member back (clients). Unknown symbolic codes become
    /// `internalError` with the original text kept in `data.unknown_code`:
    /// a client must still show the message.
    public init?(json: JSONValue) {
        guard let message = json["message"]?.stringValue else { return nil }
        var members = json["data"]?.objectValue ?? [:]
        let symbol = members.removeValue(forKey: "code")?.stringValue
        if let symbol, let known = ControlErrorCode(rawValue: symbol) {
            self.init(known, message, data: members)
        } else {
            if let symbol { members["unknown_code"] = .string(symbol) }
            self.init(.internalError, message, data: members)
        }
    }
}
