/// What a decoder outcome means during the handshake (docs/wire-protocol.md,
/// section 9.1): the table identified itself, or it speaks another version.
public enum HandshakeReply: Sendable, Hashable {
    /// A valid IDENTIFY_RESPONSE of this protocol version.
    case identified(IdentifyResponse, sequence: UInt16)
    /// An intact IDENTIFY_RESPONSE of another version: the host must refuse
    /// to run and report both versions.
    case versionMismatch(hostVersion: UInt8, tableVersion: UInt8)

    /// Interprets one decoder outcome; nil when it is not an answer to
    /// IDENTIFY_REQUEST (telemetry, corrupt bytes, other messages).
    public init?(_ outcome: FrameDecoder.Outcome) {
        switch outcome {
        case .success(let frame):
            guard case .identifyResponse(let response) = frame.message else { return nil }
            self = .identified(response, sequence: frame.sequence)
        case .failure(.unsupportedVersion(let header)) where header.messageTypeCode == MessageType.identifyResponse.rawValue:
            self = .versionMismatch(hostVersion: WireFormat.protocolVersion, tableVersion: header.version)
        case .failure:
            return nil
        }
    }
}
