/// How the host judges a table's telemetry from the rate the table declared
/// in its handshake (docs/wire-protocol.md sections 9.1 and 9.4): the
/// slowest rate the safety bounds allow, and when silence means a lost link.
/// The safety kernel judges staleness in the same declared periods
/// (`EngineConfiguration.adapted(to:)`).
public enum TelemetryTiming {
    /// The slowest telemetry the host accepts. H5 bounds the detection of a
    /// lost link at 50 ms, and a link must survive one lost frame: two
    /// periods and their jitter must fit below the bound, 2 x T x 1.1 < 50 ms,
    /// so T < 22.7 ms (44 Hz); 50 Hz is the round figure above it. A table
    /// declaring less is refused at the handshake with this figure named.
    public static let minimumRateHertz = 50.0
    /// The interval between two TELEMETRY frames may stray this share of the
    /// declared period (wire protocol section 9.1, step 5).
    public static let periodJitter = 0.10
    /// SAFETY.md H5: the host declares a lost link within 50 ms.
    public static let lossDetectionBound: Seconds = 0.050

    /// The declared period of a table sending `rateHertz` frames a second.
    public static func period(ofRate rateHertz: Double) -> Seconds {
        guard rateHertz.isFinite, rateHertz > 0 else { return Seconds(.infinity) }
        return Seconds(1 / rateHertz)
    }

    /// The silence after which the link layer declares a table with
    /// `declaredPeriod` lost: two periods with their jitter (one lost frame
    /// is survived) plus `schedulingSlack`, never less than `configured`
    /// (the link's own default, which leaves margin for a loaded host at fast
    /// rates) and never past the H5 bound less `pollInterval`.
    public static func lossSilence(declaredPeriod: Seconds, configured: Seconds, pollInterval: Seconds,
                                   schedulingSlack: Seconds = 0.002) -> Seconds {
        let twoPeriods = declaredPeriod * (2 * (1 + periodJitter)) + schedulingSlack
        let wanted = twoPeriods.value.isFinite ? max(configured, twoPeriods) : configured
        return min(wanted, lossDetectionBound - pollInterval)
    }
}
