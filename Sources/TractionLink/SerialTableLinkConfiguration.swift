import TractionDevice

/// The timing of a `SerialTableLink`. Every default comes from SAFETY.md H5
/// and docs/wire-protocol.md section 9; a technician may change them in the
/// daemon's configuration, within the limits `validate()` enforces.
public struct SerialTableLinkConfiguration: Sendable, Hashable {
    /// Silence after which the link declares the table lost. SAFETY.md H5
    /// bounds detection at 50 ms after the last valid telemetry; declaring at
    /// 40 ms leaves 10 ms for the I/O thread's poll interval and scheduling
    /// delay on a loaded host, so that the bound holds with margin.
    public var lossSilence: Seconds
    /// Spacing of IDENTIFY_REQUESTs while no table answers (spec 9.1 step 1).
    public var handshakeRetryInterval: Seconds
    /// Spacing of IDENTIFY_REQUESTs while the table is refused (another
    /// protocol version, or a declaration that cannot meet a safety bound):
    /// the host keeps asking, slowly, and takes the table back once it
    /// answers in a form the host accepts (spec 9.1 step 3).
    public var refusedRetryInterval: Seconds
    /// How long `identify()` waits for the first IDENTIFY_RESPONSE (spec 9.1).
    public var handshakeTimeout: Seconds
    /// Longest time the I/O thread waits in a read before it looks for a
    /// command to write and checks the silence bound. It adds at most this
    /// much to command latency; 1 ms is below one frame time at 460800 bit/s.
    public var ioPollInterval: Seconds
    /// Spacing of attempts to reopen a port that failed (unplugged adapter,
    /// emulator restarted).
    public var reopenInterval: Seconds
    /// SCHED_FIFO priority of the I/O thread, or nil to leave it at normal
    /// priority. Silence is judged on this thread, so on a loaded host it must
    /// not wait behind ordinary work; 70 is below the control thread's 80
    /// (docs/architecture.md) and above everything else. When the system
    /// refuses (no CAP_SYS_NICE or RLIMIT_RTPRIO), the thread runs at normal
    /// priority and `SerialTableLink.ioThreadScheduling` says so.
    public var ioThreadFIFOPriority: Int32?

    public static let defaultLossSilence: Seconds = 0.040
    /// SAFETY.md H5: the host must detect a lost link within 50 ms.
    public static let lossDetectionBound: Seconds = 0.050

    public init(lossSilence: Seconds = SerialTableLinkConfiguration.defaultLossSilence,
                handshakeRetryInterval: Seconds = 0.100,
                refusedRetryInterval: Seconds = 1.0,
                handshakeTimeout: Seconds = 1.0,
                ioPollInterval: Seconds = 0.001,
                reopenInterval: Seconds = 0.100,
                ioThreadFIFOPriority: Int32? = 70) {
        self.lossSilence = lossSilence
        self.handshakeRetryInterval = handshakeRetryInterval
        self.refusedRetryInterval = refusedRetryInterval
        self.handshakeTimeout = handshakeTimeout
        self.ioPollInterval = ioPollInterval
        self.reopenInterval = reopenInterval
        self.ioThreadFIFOPriority = ioThreadFIFOPriority
    }

    /// Why a configuration is refused.
    public enum Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        case lossSilenceBeyondBound(Seconds)
        case pollIntervalTooLong(Seconds, lossSilence: Seconds)
        case notPositive(field: String, value: Seconds)

        public var description: String {
            switch self {
            case .lossSilenceBeyondBound(let value):
                "link loss silence \(value.milliseconds) ms exceeds the 50 ms detection bound of SAFETY.md H5"
            case .pollIntervalTooLong(let value, let silence):
                "I/O poll interval \(value.milliseconds) ms leaves no margin below the loss silence of \(silence.milliseconds) ms"
            case .notPositive(let field, let value):
                "\(field) must be positive, is \(value.milliseconds) ms"
            }
        }
    }

    /// Checks that the configuration can keep the H5 bound.
    public func validate() throws(Invalid) {
        for (field, value) in [("loss silence", lossSilence), ("handshake retry interval", handshakeRetryInterval),
                               ("refused retry interval", refusedRetryInterval),
                               ("handshake timeout", handshakeTimeout), ("I/O poll interval", ioPollInterval),
                               ("reopen interval", reopenInterval)] where !(value.value > 0) {
            throw .notPositive(field: field, value: value)
        }
        guard lossSilence <= Self.lossDetectionBound else { throw .lossSilenceBeyondBound(lossSilence) }
        guard lossSilence + ioPollInterval <= Self.lossDetectionBound else {
            throw .pollIntervalTooLong(ioPollInterval, lossSilence: lossSilence)
        }
    }
}
