// The runtime's queues are part of its interface (`ControlLoopRuntime.events`
// and friends); their type lives below both the daemon and the link.
@_exported import TractionQueues
