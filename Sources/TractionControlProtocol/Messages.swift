// The typed params, results and notifications of docs/control-protocol.md.
// Member names are spelt in each CodingKeys exactly as the document has them.
// Optional members are left out of the JSON when nil; clients treat an
// absent member and null alike.

/// Params of methods that take none: any member is INVALID_PARAMS.
public struct NoParams: ControlParams, Codable, Sendable, Hashable {
    public init() {}
    public enum CodingKeys: String, CodingKey, CaseIterable { case _none }
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }
}
