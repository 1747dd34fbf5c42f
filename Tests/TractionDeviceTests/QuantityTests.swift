import PropertyBased
import Testing
import TractionDevice

@Suite struct QuantityTests {
    @Test func kilogramsOfBodyWeightConvertToNewtonsUnderStandardGravity() {
        #expect(abs(Kilograms(80).weight.value - 784.532) < 1e-9)
        #expect(abs(Newtons(kilogramsForce: 10).value - 98.0665) < 1e-9)
        #expect(abs(Newtons(98.0665).kilogramsForce - 10) < 1e-12)
        #expect(abs(Newtons(kilogramsForce: 1).poundsForce - 2.2046226218) < 1e-9)
    }

    @Test func rateTimesDurationIsForce() {
        #expect(NewtonsPerSecond(10) * Seconds(3) == Newtons(30))
        #expect(Newtons(30) / Seconds(3) == NewtonsPerSecond(10))
        #expect(Newtons(30) / NewtonsPerSecond(10) == Seconds(3))
    }

    @Test func clampingKeepsAForceInsideItsRange() async {
        await propertyCheck(input: Gen.double(in: -2000...2000)) { raw in
            let clamped = Newtons(raw).clamped(to: Newtons(0)...Newtons(900))
            #expect(clamped >= Newtons(0) && clamped <= Newtons(900))
            if raw >= 0 && raw <= 900 { #expect(clamped.value == raw) }
        }
    }

    @Test func monotonicInstantsSubtractToSeconds() {
        let start = MonotonicInstant.seconds(1.5)
        let later = start + Seconds(0.004)
        #expect(later.nanoseconds == 1_504_000_000)
        #expect(abs((later - start).value - 0.004) < 1e-12)
        #expect((start - later).value < 0)
    }

    @Test func anglesAreAddressableByAxis() {
        var angles = Angles.zero
        angles[.flexion] = 20
        angles[.rotation] = -5
        #expect(angles.flexion == Degrees(20))
        #expect(angles.largestDifference(from: .zero) == Degrees(20))
    }

    @Test func patientSwitchChannelsReportDisagreementAndTreatEitherAsPress() {
        let oneChannel = PatientSwitchChannels(channelAPressed: true, channelBPressed: false)
        #expect(oneChannel.eitherPressed)
        #expect(oneChannel.channelsDisagree)
        #expect(!PatientSwitchChannels.pressed.channelsDisagree)
        #expect(!PatientSwitchChannels.released.eitherPressed)
    }
}
