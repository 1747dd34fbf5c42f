import TractionDevice
@testable import TractionWire

/// A small deterministic generator (SplitMix64) so that property tests can
/// derive many structured values from one shrinkable seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension RandomNumberGenerator {
    mutating func int32() -> Int32 { Int32(truncatingIfNeeded: next()) }

    mutating func text(maximumLength: Int) -> String {
        let alphabet = Array("abcXYZ019 -_.µ°")
        var text = ""
        while true {
            let candidate = alphabet[Int.random(in: 0..<alphabet.count, using: &self)]
            if text.utf8.count + String(candidate).utf8.count > maximumLength || Int.random(in: 0..<8, using: &self) == 0 {
                return text
            }
            text.append(candidate)
        }
    }

    /// A valid message of a random type with random field values.
    mutating func wireMessage() -> WireMessage {
        switch Int.random(in: 0..<7, using: &self) {
        case 0: return .identifyRequest
        case 1:
            var axes: [WireAxisRange] = []
            for axis in AngleAxis.allCases.shuffled(using: &self) where Bool.random(using: &self) {
                let bound = Int32.random(in: 0...Int32.max, using: &self)
                axes.append(WireAxisRange(axis: axis, minimumMillidegrees: -bound, maximumMillidegrees: bound,
                                          maximumRateMillidegreesPerSecond: Int32.random(in: 1...Int32.max, using: &self)))
            }
            return .identifyResponse(IdentifyResponse(
                simulated: Bool.random(using: &self), redundantForceChannel: Bool.random(using: &self), telemetryRateHertz: UInt16.random(in: 1...UInt16.max, using: &self),
                maximumLeaseMilliseconds: UInt16.random(in: 1...UInt16.max, using: &self),
                maximumForceCentinewtons: Int32.random(in: 1...Int32.max, using: &self),
                maximumTravelMicrometres: Int32.random(in: 1...Int32.max, using: &self), axes: axes,
                firmwareVersion: text(maximumLength: IdentifyResponse.maximumTextLength),
                serialNumber: text(maximumLength: IdentifyResponse.maximumTextLength)))
        case 2:
            return .command(CommandMessage(
                driveEnabled: Bool.random(using: &self), releaseProfile: ReleaseProfile.allCases.randomElement(using: &self)!,
                leaseMilliseconds: UInt16.random(in: 1...UInt16.max, using: &self),
                tractionVelocityMicrometresPerSecond: int32(), flexionVelocityMillidegreesPerSecond: int32(),
                lateralTiltVelocityMillidegreesPerSecond: int32(), rotationVelocityMillidegreesPerSecond: int32(),
                forceCeilingCentinewtons: Int32.random(in: 0...Int32.max, using: &self)))
        case 3: return .telemetry(telemetryMessage())
        case 4:
            return .faultReport(FaultReport(
                deviceTimeMicroseconds: next(), activeFaults: UInt16.random(in: 0...UInt16.max, using: &self),
                event: FaultEvent.allCases.randomElement(using: &self)!, detail: UInt32.random(in: 0...UInt32.max, using: &self),
                text: text(maximumLength: FaultReport.maximumTextLength)))
        case 5:
            return .tareRequest(TareRequest(targets: TareTargets(rawValue: UInt8.random(in: 1...3, using: &self))))
        default:
            return .tareResponse(TareResponse(
                requestSequence: UInt16.random(in: 0...UInt16.max, using: &self),
                targets: TareTargets(rawValue: UInt8.random(in: 0...3, using: &self)),
                result: TareResult.allCases.randomElement(using: &self)!, loadCellOffsetCentinewtons: int32()))
        }
    }

    mutating func telemetryMessage() -> TelemetryMessage {
        TelemetryMessage(
            deviceTimeMicroseconds: next(), loadCellForceCentinewtons: int32(), redundantForceCentinewtons: int32(),
            tractionPositionMicrometres: int32(), tractionVelocityMicrometresPerSecond: int32(),
            flexionMillidegrees: int32(), lateralTiltMillidegrees: int32(), rotationMillidegrees: int32(),
            inputs: TelemetryInputs(rawValue: UInt8.random(in: 0...0x3F, using: &self)),
            driveFaults: UInt16.random(in: 0...UInt16.max, using: &self),
            lastCommandSequence: UInt16.random(in: 0...UInt16.max, using: &self))
    }
}

extension FrameDecoder.Outcome {
    var frame: DecodedFrame? { if case .success(let frame) = self { frame } else { nil } }
    var error: FrameDecodingError? { if case .failure(let error) = self { error } else { nil } }
}

/// Hex text ("01 0a ff", whitespace ignored) to bytes.
func bytes(hex: String) -> [UInt8] {
    let digits = hex.filter { !$0.isWhitespace }
    precondition(digits.count.isMultiple(of: 2), "odd number of hex digits")
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        result.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return result
}
