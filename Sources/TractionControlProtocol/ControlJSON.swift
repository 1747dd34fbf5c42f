import Foundation

/// Typed parameters of a method. Their `CodingKeys` are the complete list of
/// accepted members: anything else is INVALID_PARAMS (a misspelt option must
/// not be silently ignored).
public protocol ControlParams: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

/// Encoding and decoding of the protocol's JSON. Every type spells its JSON
/// member names in its CodingKeys; no key strategy is used, so what the
/// document says is exactly what goes on the wire.
public enum ControlJSON {
    static var plainDecoder: JSONDecoder { JSONDecoder() }

    private static var lineEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// One JSON line with its LF.
    public static func line(_ value: JSONValue) -> [UInt8] {
        // Encoding a JSONValue cannot fail (a non-finite number goes out as
        // null); the fallback only keeps this total.
        var bytes = (try? lineEncoder.encode(value)).map { [UInt8]($0) } ?? Array("null".utf8)
        bytes.append(0x0A)
        return bytes
    }

    /// Any Encodable as a JSON tree (for results and notifications).
    public static func value(_ encodable: some Encodable) -> JSONValue {
        guard let data = try? JSONEncoder().encode(encodable),
              let value = try? plainDecoder.decode(JSONValue.self, from: data) else { return .null }
        return value
    }

    /// A JSON tree as a Decodable (clients reading results).
    public static func decode<T: Decodable>(_ value: JSONValue, as type: T.Type) throws(ControlError) -> T {
        do {
            let data = try JSONEncoder().encode(value)
            return try plainDecoder.decode(type, from: data)
        } catch let error as DecodingError {
            throw ControlError(.internalError, "unexpected reply from the daemon: \(describe(error))")
        } catch {
            throw ControlError(.internalError, "unexpected reply from the daemon")
        }
    }

    /// Checks and decodes a request's params: absent means `{}`; not an
    /// object, an unknown member, a missing member, a wrong type or a number
    /// that does not fit its field is INVALID_PARAMS naming the field
    /// (`data.field`, docs/control-protocol.md section 8).
    public static func decodeParams<T: ControlParams>(_ params: JSONValue?, as type: T.Type) throws(ControlError) -> T {
        let members = try paramsObject(params)
        let allowed = Set(T.CodingKeys.allCases.map(\.stringValue))
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw unknownParameter(unknown)
        }
        do {
            return try T(from: ParamsDecoder(value: .object(members), codingPath: []))
        } catch let error as ParamsDecodingError {
            throw invalid(error.field, error.reason)
        } catch let error as DecodingError {
            let (field, reason) = fieldAndReason(error)
            throw invalid(field, reason)
        } catch {
            // Params types throw only the two above; the text of anything
            // else could name Swift types, so it is not passed on.
            throw invalid("params", "could not be read")
        }
    }

    /// Checks the params of a method that takes none: absent, null or `{}`.
    public static func expectNoParams(_ params: JSONValue?) throws(ControlError) {
        if let unknown = try paramsObject(params).keys.min() { throw unknownParameter(unknown) }
    }

    private static func paramsObject(_ params: JSONValue?) throws(ControlError) -> [String: JSONValue] {
        switch params {
        case nil, .null?: return [:]
        case .object(let object)?: return object
        case let other?:
            throw ControlError(.invalidParams, "params must be an object, not \(other.typeName)",
                               data: ["field": "params", "reason": "not an object"])
        }
    }

    private static func unknownParameter(_ name: String) -> ControlError {
        ControlError(.invalidParams, "unknown parameter \"\(name)\"",
                     data: ["field": .string(name), "reason": "unknown parameter"])
    }

    /// An INVALID_PARAMS error for a value that decoded but is out of range.
    public static func invalid(_ field: String, _ reason: String) -> ControlError {
        ControlError(.invalidParams, "parameter \"\(field)\": \(reason)",
                     data: ["field": .string(field), "reason": .string(reason)])
    }

    private static func path(_ codingPath: [any CodingKey], last: (any CodingKey)? = nil) -> String {
        ParamsDecodingError.field(codingPath + (last.map { [$0] } ?? []))
    }

    /// The field and a reason in the protocol's words. Foundation's debug
    /// descriptions are not used: they name Swift types.
    private static func fieldAndReason(_ error: DecodingError) -> (String, String) {
        switch error {
        case .keyNotFound(let key, let context): (path(context.codingPath, last: key), "is required")
        case .typeMismatch(let type, let context): (path(context.codingPath), "expected \(typeName(type))")
        case .valueNotFound(let type, let context): (path(context.codingPath), "expected \(typeName(type)), got null")
        case .dataCorrupted(let context): (path(context.codingPath), "is not one of the allowed values")
        @unknown default: ("params", "could not be read")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        let (field, reason) = fieldAndReason(error)
        return "\(field) \(reason)"
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is any BinaryInteger.Type: "a whole number"
        case is any BinaryFloatingPoint.Type: "a number"
        case is String.Type: "a string"
        default: "a value of another kind"
        }
    }
}
