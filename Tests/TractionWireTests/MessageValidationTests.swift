import PropertyBased
import Testing
import TractionDevice
@testable import TractionWire

/// Intact frames whose payload breaks a rule of docs/wire-protocol.md are
/// rejected whole, with an error that names the field.
@Suite struct MessageValidationTests {
    static func decodeIntact(type: MessageType, payload: [UInt8]) -> FrameDecoder.Outcome? {
        var decoder = FrameDecoder()
        let bytes = FrameLimitTests.wire(FrameLimitTests.rawFrame(type: type.rawValue, sequence: 3, payload: payload))
        return decoder.decode(bytes).first
    }

    static func payloadError(type: MessageType, payload: [UInt8]) -> PayloadError? {
        if case .invalidPayload(_, let reason) = decodeIntact(type: type, payload: payload)?.error { reason } else { nil }
    }

    static func payload(of message: WireMessage) -> [UInt8] {
        Array(try! FrameEncoder.rawFrame(message, sequence: 0).dropFirst(6).dropLast(4))
    }

    static let validCommand = payload(of: SpecExamples.all[2].message)
    static let validTelemetry = payload(of: SpecExamples.all[4].message)
    static let validIdentify = payload(of: SpecExamples.all[1].message)

    @Test func randomValidMessagesOfEveryTypeRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let message = random.wireMessage()
            let sequence = UInt16.random(in: 0...UInt16.max, using: &random)
            var decoder = FrameDecoder()
            let outcomes = decoder.decode(try FrameEncoder.frame(message, sequence: sequence))
            #expect(outcomes.map(\.frame?.message) == [message])
            #expect(outcomes.first?.frame?.sequence == sequence)
        }
    }

    @Test func theLongestMessagesOfEachVariableTypeRoundTrip() throws {
        let axes = AngleAxis.allCases.map {
            WireAxisRange(axis: $0, minimumMillidegrees: .min, maximumMillidegrees: .max, maximumRateMillidegreesPerSecond: .max)
        }
        let longest: [WireMessage] = [
            .identifyResponse(IdentifyResponse(
                simulated: true, telemetryRateHertz: .max, maximumLeaseMilliseconds: .max, maximumForceCentinewtons: .max,
                maximumTravelMicrometres: .max, axes: axes, firmwareVersion: String(repeating: "f", count: 32),
                serialNumber: String(repeating: "°", count: 16))),
            .faultReport(FaultReport(deviceTimeMicroseconds: .max, activeFaults: .max, event: .unknownMessageType,
                                     detail: .max, text: String(repeating: "µ", count: 32))),
        ]
        for message in longest {
            let payload = Self.payload(of: message)
            #expect(payload.count == WireMessage.allowedPayloadLengths(of: message.type).upperBound)
            var decoder = FrameDecoder()
            #expect(decoder.decode(try FrameEncoder.frame(message, sequence: 1)).map(\.frame?.message) == [message])
        }
    }

    @Test(arguments: MessageType.allCases)
    func aPayloadOfAWrongLengthIsRejected(type: MessageType) {
        let allowed = WireMessage.allowedPayloadLengths(of: type)
        let wrongLength = allowed.upperBound + 1
        #expect(Self.payloadError(type: type, payload: [UInt8](repeating: 1, count: wrongLength))
            == .wrongLength(expected: allowed, actual: wrongLength))
    }

    @Test func aCommandWithAReservedFlagBitIsRejected() {
        var payload = Self.validCommand
        payload[0] |= 0x80
        #expect(Self.payloadError(type: .command, payload: payload) == .reservedBitsSet(field: "flags", value: 0x81))
    }

    @Test func aCommandWithAnUndefinedReleaseProfileIsRejected() {
        var payload = Self.validCommand
        payload[1] = 3
        #expect(Self.payloadError(type: .command, payload: payload) == .invalidValue(field: "release_profile", value: 3))
    }

    @Test func aCommandWithAZeroLeaseIsRejected() {
        var payload = Self.validCommand
        payload[2] = 0
        payload[3] = 0
        #expect(Self.payloadError(type: .command, payload: payload) == .invalidValue(field: "lease_ms", value: 0))
    }

    @Test func aCommandWithANegativeForceCeilingIsRejected() {
        var payload = Self.validCommand
        payload[20...23] = [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(Self.payloadError(type: .command, payload: payload) == .invalidValue(field: "force_ceiling_cN", value: -1))
    }

    @Test func telemetryWithReservedInputBitsIsRejected() {
        var payload = Self.validTelemetry
        payload[36] |= 0x40
        #expect(Self.payloadError(type: .telemetry, payload: payload) == .reservedBitsSet(field: "inputs", value: 0x78))
        payload = Self.validTelemetry
        payload[37] = 1
        #expect(Self.payloadError(type: .telemetry, payload: payload) == .reservedBitsSet(field: "reserved", value: 1))
    }

    @Test func telemetryKeepsDriveFaultBitsThisVersionDoesNotDefine() throws {
        var payload = Self.validTelemetry
        payload[39] = 0x80
        let frame = try #require(Self.decodeIntact(type: .telemetry, payload: payload)?.frame)
        guard case .telemetry(let message) = frame.message else { Issue.record("not telemetry"); return }
        #expect(message.driveFaults == 0x8000)
        #expect(!message.telemetry(sequence: 0, receivedAt: .origin).driveFaults.isEmpty)
    }

    @Test func anIdentifyResponseListingAnAxisTwiceIsRejected() {
        var payload = Self.validIdentify
        payload[28] = 1  // second axis record's code: flexion again
        #expect(Self.payloadError(type: .identifyResponse, payload: payload) == .invalidValue(field: "axis_code", value: 1))
    }

    @Test func anIdentifyResponseWithAnUndefinedAxisCodeIsRejected() {
        var payload = Self.validIdentify
        payload[15] = 4
        #expect(Self.payloadError(type: .identifyResponse, payload: payload) == .invalidValue(field: "axis_code", value: 4))
    }

    @Test func anIdentifyResponseWithTextThatIsNotUTF8IsRejected() {
        var payload = Self.validIdentify
        payload[42] = 0xFF  // first byte of the firmware version
        #expect(Self.payloadError(type: .identifyResponse, payload: payload) == .invalidText(field: "firmware_version"))
    }

    @Test func anIdentifyResponseWithBytesAfterTheSerialNumberIsRejected() {
        #expect(Self.payloadError(type: .identifyResponse, payload: Self.validIdentify + [0x20])
            == .trailingBytes(count: 1))
    }

    @Test func anIdentifyResponseCutInsideItsTextIsRejected() {
        #expect(Self.payloadError(type: .identifyResponse, payload: Array(Self.validIdentify.dropLast()))
            == .truncated(field: "serial_number"))
    }

    @Test func anEmptyTareRequestIsRejected() {
        #expect(Self.payloadError(type: .tareRequest, payload: [0]) == .invalidValue(field: "targets", value: 0))
        #expect(Self.payloadError(type: .tareRequest, payload: [4]) == .reservedBitsSet(field: "targets", value: 4))
    }

    @Test func aFaultReportWithAnUndefinedEventIsRejected() {
        var payload = Self.payload(of: SpecExamples.all[6].message)
        payload[10] = 9
        #expect(Self.payloadError(type: .faultReport, payload: payload) == .invalidValue(field: "event", value: 9))
    }

    @Test func theEncoderRefusesWhatTheDecoderWouldReject() {
        var command = CommandMessage(driveEnabled: true, releaseProfile: .none, leaseMilliseconds: 0,
                                     tractionVelocityMicrometresPerSecond: 0, forceCeilingCentinewtons: 0)
        #expect(throws: WireEncodingError.invalidMessage(.command, .invalidValue(field: "lease_ms", value: 0))) {
            try FrameEncoder.frame(.command(command), sequence: 0)
        }
        command.leaseMilliseconds = 100
        command.forceCeilingCentinewtons = -5
        #expect(throws: WireEncodingError.self) { try FrameEncoder.frame(.command(command), sequence: 0) }
        #expect(throws: WireEncodingError.textTooLong(field: "fault text", length: 65, maximum: 64)) {
            try FrameEncoder.frame(.faultReport(FaultReport(deviceTimeMicroseconds: 0, activeFaults: 0, event: .faultRaised,
                                                            detail: 0, text: String(repeating: "x", count: 65))),
                                   sequence: 0)
        }
    }

    @Test func aFailedEncodingAppendsNothingAndKeepsTheSequence() {
        var encoder = FrameEncoder(firstSequence: 10)
        var output: [UInt8] = [0xEE]
        let bad = CommandMessage(driveEnabled: false, releaseProfile: .none, leaseMilliseconds: 0,
                                 tractionVelocityMicrometresPerSecond: 0, forceCeilingCentinewtons: 0)
        #expect(throws: WireEncodingError.self) { try encoder.encode(.command(bad), appendingTo: &output) }
        #expect(output == [0xEE])
        #expect(encoder.nextSequence == 10)
        #expect((try? encoder.encode(.identifyRequest, appendingTo: &output)) == 10)
        #expect(encoder.nextSequence == 11)
    }
}
