import TractionDevice

/// A `TableLink` to the plant model in the same process, stepped by the
/// caller's clock: every call passes the instant, and the plant integrates up
/// to it. Under a virtual clock (replays, tests) the whole table runs as fast
/// as the CPU allows; under the daemon's real-time thread it runs in step with
/// the wall of time. It never opens a port (H15) and identifies itself as
/// simulated.
///
/// Not thread-safe: like the control thread's real link, it has one owner.
public final class SimulatedTableLink: TareRequesting {
    /// The model behind the link. Tests and the replay tool reach through to
    /// set inputs, inject faults and read ground truth.
    public var plant: TablePlant
    private var lastTelemetry: Telemetry?
    private var lastTare = TareProgress.done

    public init(configuration: PlantConfiguration = PlantConfiguration(), start: MonotonicInstant = .origin) {
        plant = TablePlant(configuration: configuration, start: start)
    }

    public func identify() throws(TableLinkError) -> TableIdentity {
        plant.configuration.identity
    }

    /// Hands the command to the plant. A command sent while the table has no
    /// power is lost, as on a real line; a malformed one is ignored by the
    /// firmware (the lease then runs out).
    public func send(_ command: DriveCommand, at now: MonotonicInstant) throws(TableLinkError) {
        plant.receive(command, at: now)
    }

    /// The newest sample. While the table has no power it sends nothing, so
    /// the sample received last (with its old `receivedAt`) is returned, and
    /// the host's freshness check sees the link go silent.
    public func latestTelemetry(at now: MonotonicInstant) -> Telemetry? {
        plant.advance(to: now)
        if !plant.faults.powerLost {
            lastTelemetry = plant.telemetry(at: now)
        }
        return lastTelemetry
    }

    public func tare(at now: MonotonicInstant) throws(TableLinkError) {
        switch plant.tareResult(at: now) {
        case .done: return
        case .refusedTensionPresent:
            let reading = plant.telemetry(at: now).loadCellForce
            throw .transport("tare refused by the table: the load cell reads \(reading), above the slack "
                + "threshold of \(plant.configuration.drive.slackForce); release tension first")
        case .failedSensorFault:
            throw .transport("tare failed at the table: the load cell reports a fault; call service")
        case .unpowered:
            throw .transport("the table did not answer the tare request: it has no power")
        }
    }

    /// The plant tares at once; there is nothing to wait for. A table
    /// without power never answers (`noAnswer`, as a serial link's timeout).
    public func requestTare(at now: MonotonicInstant) -> TareProgress {
        plant.advance(to: now)
        switch plant.tareResult(at: now) {
        case .done: lastTare = .done
        case .refusedTensionPresent: lastTare = .failed(.tensionPresent)
        case .failedSensorFault: lastTare = .failed(.sensorFault)
        case .unpowered: lastTare = .failed(.noAnswer)
        }
        return lastTare
    }

    public func tareProgress(at now: MonotonicInstant) -> TareProgress { lastTare }
}
