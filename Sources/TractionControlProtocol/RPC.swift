import Foundation

/// A request id: a number or a string, echoed back unchanged.
public enum RPCID: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let number = try? single.decode(Double.self) { self = .number(number) } else {
            self = .string(try single.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    public var json: JSONValue {
        switch self {
        case .number(let number): .number(number)
        case .string(let text): .string(text)
        }
    }

    public var description: String {
        switch self {
        // Whole ids print without a fraction; only where a double holds every
        // whole number exactly, so no conversion can fail.
        case .number(let number): abs(number) < 9.0e15 && number.rounded() == number ? String(Int64(number)) : String(number)
        case .string(let text): "\"\(text)\""
        }
    }
}

/// A request from a client (docs/control-protocol.md, section 3).
public struct RPCRequest: Sendable, Hashable {
    /// nil for a JSON-RPC notification: carried out, never answered.
    public var id: RPCID?
    public var method: String
    public var params: JSONValue?

    public init(id: RPCID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    private static let envelopeMembers: Set<String> = ["jsonrpc", "id", "method", "params"]

    /// Parses one line (without its LF). Failures are PARSE_ERROR (not
    /// JSON) or INVALID_REQUEST (JSON, but not a JSON-RPC 2.0 request).
    /// Params are checked later, against the method.
    public static func parse(line: some Collection<UInt8>) -> Result<RPCRequest, ControlError> {
        let value: JSONValue
        switch JSONParser.parse(line) {
        case .success(let parsed): value = parsed
        case .failure(let error): return .failure(ControlError(.parseError, "the message is not valid JSON: \(error)"))
        }
        guard case .object(let members) = value else {
            if case .array = value {
                return .failure(ControlError(.invalidRequest, "batches are not supported; send one request per line"))
            }
            return .failure(ControlError(.invalidRequest, "a request must be a JSON object"))
        }
        guard members["jsonrpc"] == .string("2.0") else {
            return .failure(ControlError(.invalidRequest, "\"jsonrpc\" must be \"2.0\"", data: ["field": "jsonrpc"]))
        }
        if let extra = members.keys.sorted().first(where: { !envelopeMembers.contains($0) }) {
            return .failure(ControlError(.invalidRequest, "unknown member \"\(extra)\" in the request",
                                         data: ["field": .string(extra)]))
        }
        var id: RPCID?
        switch members["id"] {
        case nil: id = nil
        case .number(let number)? where number.isFinite: id = .number(number)
        case .number?:
            return .failure(ControlError(.invalidRequest, "\"id\" \(ParamNumber.outOfDoubleRange)",
                                         data: ["field": "id"]))
        case .string(let text)?: id = .string(text)
        case let other?:
            return .failure(ControlError(.invalidRequest, "\"id\" must be a number or a string, not \(other.typeName)",
                                         data: ["field": "id"]))
        }
        guard case .string(let method)? = members["method"], !method.isEmpty else {
            return .failure(ControlError(.invalidRequest, "\"method\" must be a non-empty string",
                                         data: ["field": "method"]))
        }
        return .success(RPCRequest(id: id, method: method, params: members["params"]))
    }

    /// The id of a line that failed to parse as a request, when it can still
    /// be found (a JSON object with a number or string "id"); otherwise nil,
    /// and the error response carries id null.
    public static func recoverID(line: some Collection<UInt8>) -> RPCID? {
        guard case .success(let value) = JSONParser.parse(line) else { return nil }
        switch value["id"] {
        case .number(let number)? where number.isFinite: return .number(number)
        case .string(let text)?: return .string(text)
        default: return nil
        }
    }

    /// The request as one line, LF included (clients).
    public func encodeLine() -> [UInt8] {
        var members: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let id { members["id"] = id.json }
        if let params { members["params"] = params }
        return ControlJSON.line(.object(members))
    }
}

public enum RPCResponse {
    /// A success response line; `id` nil encodes as null.
    public static func encodeLine(id: RPCID?, result: JSONValue) -> [UInt8] {
        ControlJSON.line(.object(["jsonrpc": "2.0", "id": id?.json ?? .null, "result": result]))
    }

    /// An error response line; `id` nil encodes as null.
    public static func encodeLine(id: RPCID?, error: ControlError) -> [UInt8] {
        ControlJSON.line(.object(["jsonrpc": "2.0", "id": id?.json ?? .null, "error": error.json]))
    }
}

public enum RPCNotification {
    public static func encodeLine(method: String, params: JSONValue) -> [UInt8] {
        ControlJSON.line(.object(["jsonrpc": "2.0", "method": .string(method), "params": params]))
    }
}

/// A message from the daemon, as a client reads it.
public enum RPCIncoming: Sendable, Hashable {
    case response(id: RPCID?, outcome: Result<JSONValue, ControlError>)
    case notification(method: String, params: JSONValue)

    /// Parses one line the daemon sent. nil when it is not a JSON-RPC 2.0
    /// response or notification.
    public static func parse(line: some Collection<UInt8>) -> RPCIncoming? {
        guard case .success(let value) = JSONParser.parse(line), value["jsonrpc"] == .string("2.0") else { return nil }
        if let method = value["method"]?.stringValue {
            return .notification(method: method, params: value["params"] ?? .null)
        }
        let id: RPCID? = switch value["id"] {
        case .number(let number)? where number.isFinite: .number(number)
        case .string(let text)?: .string(text)
        default: nil
        }
        if let result = value["result"] { return .response(id: id, outcome: .success(result)) }
        if let errorValue = value["error"], let error = ControlError(json: errorValue) {
            return .response(id: id, outcome: .failure(error))
        }
        return nil
    }
}
