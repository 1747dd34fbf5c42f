import Logging

/// A swift-log handler for a daemon whose standard error the journal reads:
/// each message becomes one line, prefixed with its syslog priority in the
/// sd-daemon form `<N>` (sd-daemon(3)), which journald strips and stores as
/// the entry's PRIORITY, so `journalctl -p warning` shows the warnings and
/// worse. Written here rather than taken from a package because none is
/// mirrored on our build machines and the format is one prefix: the common
/// journald handlers also link libsystemd or write to the journal's socket,
/// which a daemon that already logs to stderr under systemd does not need.
///
/// The prefix is written whether or not standard error is the journal: a
/// person running `tractiond --simulate` in a terminal sees `<6>` too, and
/// the output a test reads is the output systemd reads.
///
/// Not for the control thread: the sink writes to a descriptor and may
/// block. The control thread reports through lock-free queues; the service
/// thread logs what it drains from them.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// Text every message starts with, after the priority ("SIMULATED: ").
    public let prefix: String
    private let sink: @Sendable (String) -> Void

    /// - Parameters:
    ///   - prefix: put before every message, after the priority.
    ///   - sink: where a finished line goes; standard error unless a test
    ///     collects the lines.
    public init(prefix: String = "", sink: @escaping @Sendable (String) -> Void = { StandardError.writeLine($0) }) {
        self.prefix = prefix
        self.sink = sink
    }

    /// The syslog priority of a swift-log level (sd-daemon's `SD_ERR` and
    /// friends): 3 error, 4 warning, 5 notice, 6 info, 7 debug; swift-log's
    /// `critical` is 2 and `trace` shares debug's 7.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The line for one message: the priority, the text, then any metadata
    /// as ` key=value` pairs in key order.
    public static func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = "<\(priority(of: level))>\(message)"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        return line
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        sink(Self.line(level: event.level, message: prefix + event.message.description, metadata: merged))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
