import Synchronization
import TractionDevice
import TractionPlant

/// Toggled by SIGUSR1 under --simulate: the simulated harness is open.
/// (A C signal handler cannot capture context, so the flag is global.)
let simulatedHarnessOpen = Atomic<Bool>(false)

/// The simulated table with a hand on its harness: SIGUSR1 opens or closes
/// the simulated harness, so a demonstration or a test can show a start
/// refused while the patient is not secured. The input is applied on the
/// control thread (the plant's owner), from an atomic flag: no lock, no
/// allocation.
final class SimulatedTableWithInputs: TareRequesting {
    let table: SimulatedTableLink

    init(_ table: SimulatedTableLink) { self.table = table }

    func identify() throws(TableLinkError) -> TableIdentity { try table.identify() }

    func send(_ command: DriveCommand, at now: MonotonicInstant) throws(TableLinkError) {
        try table.send(command, at: now)
    }

    func latestTelemetry(at now: MonotonicInstant) -> Telemetry? {
        let closed = !simulatedHarnessOpen.load(ordering: .relaxed)
        if table.plant.inputs.harnessClosed != closed { table.plant.inputs.harnessClosed = closed }
        return table.latestTelemetry(at: now)
    }

    func tare(at now: MonotonicInstant) throws(TableLinkError) { try table.tare(at: now) }
    func requestTare(at now: MonotonicInstant) -> TareProgress { table.requestTare(at: now) }
    func tareProgress(at now: MonotonicInstant) -> TareProgress { table.tareProgress(at: now) }
}
