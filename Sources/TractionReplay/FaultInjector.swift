import TractionDevice
import TractionPlant

/// Applies a fault spec item to the simulated table: sets or clears the
/// input, fault or disturbance it names.
enum FaultInjector {
    /// A tensing with no `/DURATION` lasts this long.
    static let defaultTensingDuration: Seconds = 8

    static func apply(_ scheduled: ScheduledFault, to plant: inout TablePlant, link: inout TelemetryPath, active: Bool) {
        switch scheduled.fault {
        case .patientSwitch:
            plant.inputs.patientSwitch = active ? .pressed : .released
        case .patientSwitchChannelA:
            plant.inputs.patientSwitch.channelAPressed = active
        case .patientSwitchChannelB:
            plant.inputs.patientSwitch.channelBPressed = active
        case .emergencyStop:
            plant.inputs.emergencyStopPressed = active
        case .harnessOpen:
            plant.inputs.harnessClosed = !active
        case .stuckLoadCell:
            plant.faults.sensors.loadCellStuck = active
        case .loadCellOffset(let offset):
            plant.faults.sensors.loadCellOffsetError = active ? offset : .zero
        case .loadCellGain(let factor):
            plant.faults.sensors.loadCellGainError = active ? factor - 1 : 0
        case .stuckRedundantChannel:
            plant.faults.sensors.redundantStuck = active
        case .redundantOffset(let offset):
            plant.faults.sensors.redundantOffsetError = active ? offset : .zero
        case .redundantGain(let factor):
            plant.faults.sensors.redundantGainError = active ? factor - 1 : 0
        case .releaseStall:
            plant.faults.releaseStalled = active
        case .driveFault:
            if active { plant.faults.driveFaults.insert(.overcurrent) } else { plant.faults.driveFaults.remove(.overcurrent) }
        case .cough(let peak):
            if active { plant.injectCough(peak: peak) }
        case .shift(let offset):
            if active { plant.injectShift(by: offset) }
        case .tenseUp(let factor):
            if active {
                plant.injectTensing(stiffnessFactor: factor, duration: scheduled.duration ?? defaultTensingDuration)
            }
        case .linkStall:
            link.stalled = active
        case .telemetryGap:
            link.telemetryGap = active
        case .telemetryDelay(let delay):
            link.delay = active ? delay : .zero
        case .frameLoss(let probability):
            link.frameLossProbability = active ? probability : 0
        }
    }
}
