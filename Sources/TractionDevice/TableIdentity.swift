/// The range and speed limit of one angle axis as the table reports them.
public struct AngleAxisRange: Sendable, Hashable, Codable {
    public var axis: AngleAxis
    public var minimum: Degrees
    public var maximum: Degrees
    public var maximumRate: DegreesPerSecond

    public init(axis: AngleAxis, minimum: Degrees, maximum: Degrees, maximumRate: DegreesPerSecond) {
        self.axis = axis
        self.minimum = minimum
        self.maximum = maximum
        self.maximumRate = maximumRate
    }

    public func contains(_ angle: Degrees) -> Bool { angle >= minimum && angle <= maximum }
}

/// What a table says about itself in the handshake.
public struct TableIdentity: Sendable, Hashable, Codable {
    /// Wire protocol version the table speaks.
    public var protocolVersion: UInt8
    public var firmwareVersion: String
    public var serialNumber: String
    /// The angle axes present, with their ranges. Axes not listed are absent.
    public var angleAxes: [AngleAxisRange]
    /// The table's own maximum force (device cap).
    public var maximumForce: Newtons
    /// Traction axis travel limit.
    public var maximumTravel: Millimetres
    /// Lease the table applies to commands that do not carry one.
    public var lease: Seconds
    /// Telemetry rate the table runs at.
    public var telemetryRateHertz: Double
    /// True for the in-process simulated table and the emulator; recorded with
    /// every session so a simulation is never mistaken for a treatment (H15).
    public var simulated: Bool
    /// The table measures the cable force twice, on independent channels
    /// (`Telemetry.redundantForce` is a measurement, not an estimate). The
    /// load-cell plausibility check of hazard H4 needs it; the serial link
    /// refuses a table without it (docs/wire-protocol.md, section 11.2.1).
    public var redundantForceChannel: Bool

    public init(protocolVersion: UInt8, firmwareVersion: String, serialNumber: String,
                angleAxes: [AngleAxisRange], maximumForce: Newtons, maximumTravel: Millimetres,
                lease: Seconds, telemetryRateHertz: Double, simulated: Bool, redundantForceChannel: Bool) {
        self.protocolVersion = protocolVersion
        self.firmwareVersion = firmwareVersion
        self.serialNumber = serialNumber
        self.angleAxes = angleAxes
        self.maximumForce = maximumForce
        self.maximumTravel = maximumTravel
        self.lease = lease
        self.telemetryRateHertz = telemetryRateHertz
        self.simulated = simulated
        self.redundantForceChannel = redundantForceChannel
    }

    public func range(of axis: AngleAxis) -> AngleAxisRange? {
        angleAxes.first { $0.axis == axis }
    }

    public func has(_ axis: AngleAxis) -> Bool { range(of: axis) != nil }
}
