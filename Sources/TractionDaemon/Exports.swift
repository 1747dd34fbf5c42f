// The runtime's queues are part of its interface (`ControlLoopRuntime.events`
// and friends); their type lives below both the daemon and the link.
@_exported import TractionQueues

// MonotonicClock lived here until it moved to TractionPlatform (issue 15).
// Re-exported so that every file that imports TractionDaemon for it (the
// daemon, the service, the tests) keeps compiling unchanged: a one-line
// export instead of an import added to dozens of files, and fewer conflicts
// with work on those files. New code imports TractionPlatform directly.
@_exported import TractionPlatform
