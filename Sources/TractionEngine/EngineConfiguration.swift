import TractionDevice
import TractionSafety
import TractionTherapy

/// Everything the engine needs to know before its first tick. The daemon
/// builds it from its configuration file; replays and tests use the defaults.
public struct EngineConfiguration: Sendable {
    /// Control loop rate, 250-1000 Hz (`allowedRates`); 250 Hz is the default.
    public var rateHertz: Double
    public var safety: SafetyConfiguration
    public var therapyLimits: TherapyLimits
    public var forceController: ForceControllerConfiguration
    public var angleController: AngleControllerConfiguration
    public var selfTest: SelfTestCriteria
    /// Lease carried by every command (SAFETY.md H5/H6: at most 100 ms).
    public var commandLease: Seconds
    /// Traction travel of the table; the engine never drives into either end.
    public var maximumTravel: Millimetres = 300
    /// No pay-out closer than this to the home end, and no pull closer than
    /// this to the far end: driving into a travel stop is a drive fault.
    public var travelEndClearance: Millimetres = 1
    /// The force ceiling the engine asks the table for in a session whose
    /// effective limit is `limit` (`TherapyLimits.tableCeiling(forLimit:)`).
    public func tableCeiling(forLimit limit: Newtons) -> Newtons { therapyLimits.tableCeiling(forLimit: limit) }

    /// The loop rates the engine runs at. The safety kernel counts its H1
    /// over-force debounce in ticks, so a tick may last at most 4 ms (250 Hz);
    /// above 1000 Hz the telemetry would not fit the serial line.
    public static let allowedRates: ClosedRange<Double> = 250...1000

    /// The rule on the loop rate, in the words every entry point uses.
    public static let allowedRatesRule = "must be from 250 to 1000 Hz (the safety kernel needs a tick of at most 4 ms)"

    /// A rate as a person wrote it: `249`, `312.5`.
    public static func rateText(_ rate: Double) -> String {
        if rate.isFinite, rate == rate.rounded(), abs(rate) < 1e15 { return String(Int64(rate)) }
        return String(rate)
    }

    /// Checks the loop rate, then the safety configuration. The daemon calls
    /// this before it builds an engine; the first problem found is thrown.
    public func validate() throws(EngineConfigurationError) {
        guard Self.allowedRates.contains(rateHertz) else { throw .rate(rateHertz) }
        do { try safety.validate() } catch { throw .safety(error) }
    }

    public init(rateHertz: Double = 250,
                safety: SafetyConfiguration = SafetyConfiguration(),
                therapyLimits: TherapyLimits = .standard,
                forceController: ForceControllerConfiguration = ForceControllerConfiguration(),
                angleController: AngleControllerConfiguration = AngleControllerConfiguration(),
                selfTest: SelfTestCriteria = SelfTestCriteria(),
                commandLease: Seconds = DriveCommand.defaultLease) {
        self.rateHertz = rateHertz
        self.safety = safety
        self.therapyLimits = therapyLimits
        self.forceController = forceController
        self.angleController = angleController
        self.selfTest = selfTest
        self.commandLease = commandLease
        // The kernel's debounces count in ticks of this loop.
        self.safety.tickPeriod = period
        self.safety.telemetryPeriod = period
    }

    public var period: Seconds { Seconds(1 / rateHertz) }

    /// Adapts the configuration to what a table reported in its handshake:
    /// its own force cap, its travel, its angle axes (absent axes may not
    /// move) and their speeds. Programs must be validated with the adapted
    /// `therapyLimits`, so that no plan asks for an angle move faster than the
    /// slowest axis can follow or for an angle the table cannot reach.
    public func adapted(to identity: TableIdentity) -> EngineConfiguration {
        var adapted = self
        adapted.safety.deviceForceCap = min(safety.deviceForceCap, identity.maximumForce)
        adapted.therapyLimits.deviceForceCap = min(therapyLimits.deviceForceCap, identity.maximumForce)
        adapted.safety.angleAxes = identity.angleAxes
        adapted.commandLease = min(commandLease, identity.lease)
        // Staleness counts the table's own declared periods (wire protocol
        // section 9.4), never shorter than the loop's: a table at 100 Hz is
        // not late because the loop ticks at 250 Hz.
        let tablePeriod = TelemetryTiming.period(ofRate: identity.telemetryRateHertz)
        adapted.safety.telemetryPeriod = max(period, tablePeriod)
        // A slow table survives one lost frame: the kernel's loss timeout is
        // at least two of its periods with their jitter, as the link's is,
        // and never beyond the H5 bound (50 ms).
        adapted.safety.telemetryLossTimeout = TelemetryTiming.lossSilence(
            declaredPeriod: tablePeriod, configured: safety.telemetryLossTimeout, pollInterval: .zero)
        adapted.maximumTravel = min(maximumTravel, identity.maximumTravel)
        if let slowest = identity.angleAxes.map(\.maximumRate).min() {
            let followable = DegreesPerSecond(slowest.value * Self.angleMoveRateShareOfAxisRate)
            adapted.therapyLimits.angleMoveRate = min(therapyLimits.angleMoveRate, followable)
        }
        for axis in AngleAxis.allCases {
            let wanted = therapyLimits.range(of: axis)
            guard let table = identity.range(of: axis) else {
                adapted.therapyLimits.setRange(Degrees.zero...Degrees.zero, of: axis)
                continue
            }
            let lower = max(wanted.lowerBound, table.minimum)
            let upper = max(lower, min(wanted.upperBound, table.maximum))
            adapted.therapyLimits.setRange(lower...upper, of: axis)
        }
        return adapted
    }

    /// Planned angle moves use at most this share of the slowest axis's top
    /// speed, so the position controller's lag stays well inside the kernel's
    /// following-error limit (H9).
    public static let angleMoveRateShareOfAxisRate = 0.75
}

/// Why an engine configuration was refused.
public enum EngineConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The loop rate is outside `EngineConfiguration.allowedRates`.
    case rate(Double)
    /// The safety kernel refused its configuration.
    case safety(SafetyConfigurationError)

    public var description: String {
        switch self {
        case .rate(let rate):
            "engine configuration: rateHertz = \(EngineConfiguration.rateText(rate)) Hz: \(EngineConfiguration.allowedRatesRule)"
        case .safety(let error): error.description
        }
    }
}

/// What the start-up self-test checks, over `duration` of telemetry with the
/// drive off, before the table is declared ready.
public struct SelfTestCriteria: Sendable, Hashable {
    /// How long the table is watched.
    public var duration: Seconds = 0.5
    /// With nobody being pulled the load cell must read close to zero. A
    /// higher reading means tension is on the cable (a restart during a
    /// session, SAFETY.md H6) or a miscalibrated load cell; both fail the test,
    /// and the fault state releases the tension under control.
    public var largestIdleForce: Newtons = 25
    /// The two force channels must agree this well at rest, before the tare
    /// has removed their zero offsets (about ±2 N each).
    public var largestSensorDisagreement: Newtons = 8

    public init(duration: Seconds = 0.5, largestIdleForce: Newtons = 25, largestSensorDisagreement: Newtons = 8) {
        self.duration = duration
        self.largestIdleForce = largestIdleForce
        self.largestSensorDisagreement = largestSensorDisagreement
    }
}
