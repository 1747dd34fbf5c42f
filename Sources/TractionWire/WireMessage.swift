/// Every message of protocol version 1, typed.
public enum WireMessage: Sendable, Hashable {
    case identifyRequest
    case identifyResponse(IdentifyResponse)
    case command(CommandMessage)
    case telemetry(TelemetryMessage)
    case faultReport(FaultReport)
    case tareRequest(TareRequest)
    case tareResponse(TareResponse)

    public var type: MessageType {
        switch self {
        case .identifyRequest: .identifyRequest
        case .identifyResponse: .identifyResponse
        case .command: .command
        case .telemetry: .telemetry
        case .faultReport: .faultReport
        case .tareRequest: .tareRequest
        case .tareResponse: .tareResponse
        }
    }

    /// The payload lengths a message type may have.
    public static func allowedPayloadLengths(of type: MessageType) -> ClosedRange<Int> {
        switch type {
        case .identifyRequest: 0...0
        case .identifyResponse: IdentifyResponse.payloadLengths
        case .command: CommandMessage.payloadLength...CommandMessage.payloadLength
        case .telemetry: TelemetryMessage.payloadLength...TelemetryMessage.payloadLength
        case .faultReport: FaultReport.payloadLengths
        case .tareRequest: TareRequest.payloadLength...TareRequest.payloadLength
        case .tareResponse: TareResponse.payloadLength...TareResponse.payloadLength
        }
    }

    /// Appends the payload bytes. Validates what the decoder would refuse, so
    /// that this codec never sends a frame its own peer must reject.
    func encodePayload(into bytes: inout [UInt8]) throws(WireEncodingError) {
        switch self {
        case .identifyRequest: break
        case .identifyResponse(let message): try message.encodePayload(into: &bytes)
        case .command(let message):
            do { try message.validate() } catch { throw .invalidMessage(.command, error) }
            message.encodePayload(into: &bytes)
        case .telemetry(let message):
            do { try message.validate() } catch { throw .invalidMessage(.telemetry, error) }
            message.encodePayload(into: &bytes)
        case .faultReport(let message): try message.encodePayload(into: &bytes)
        case .tareRequest(let message):
            do { try message.validate() } catch { throw .invalidMessage(.tareRequest, error) }
            message.encodePayload(into: &bytes)
        case .tareResponse(let message): message.encodePayload(into: &bytes)
        }
    }

    /// Parses a payload whose frame was intact (CRC and length good).
    static func decode(type: MessageType, payload: UnsafeRawBufferPointer) throws(PayloadError) -> WireMessage {
        let allowed = allowedPayloadLengths(of: type)
        guard allowed.contains(payload.count) else { throw .wrongLength(expected: allowed, actual: payload.count) }
        var reader = PayloadReader(payload)
        let message: WireMessage
        switch type {
        case .identifyRequest: message = .identifyRequest
        case .identifyResponse: message = .identifyResponse(try IdentifyResponse(payload: &reader))
        case .command: message = .command(try CommandMessage(payload: &reader))
        case .telemetry: message = .telemetry(try TelemetryMessage(payload: &reader))
        case .faultReport: message = .faultReport(try FaultReport(payload: &reader))
        case .tareRequest: message = .tareRequest(try TareRequest(payload: &reader))
        case .tareResponse: message = .tareResponse(try TareResponse(payload: &reader))
        }
        try reader.finish()
        return message
    }
}

/// A frame the decoder accepted: intact, of this protocol version, and a
/// valid message of its type.
public struct DecodedFrame: Sendable, Hashable {
    public var header: FrameHeader
    public var message: WireMessage

    public init(header: FrameHeader, message: WireMessage) {
        self.header = header
        self.message = message
    }

    public var sequence: UInt16 { header.sequence }
}
