import Foundation
import TractionControlProtocol
import TractionDaemon
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// Configuration reload (SIGHUP, `config.reload`): applied between sessions
/// only; during a session it waits (docs/safety.md, H16).
extension DaemonService {
    func reloadConfiguration(by caller: ServiceCaller, sink: NotificationSink?) throws(ControlError) -> ReloadResult {
        guard let reload else {
            throw ControlError(.configurationInvalid, "this daemon was started without a configuration file",
                               data: ["errors": .array([.string("no configuration file (start with --config PATH)")])])
        }
        let outcome: ServiceReload
        switch reload() {
        case .failure(let error): throw error
        case .success(let read): outcome = read
        }
        guard outcome.applicable else {
            log(.warning, "configuration reload by \(caller.identity): not applied; restart needed for "
                + outcome.restartNeeded.joined(separator: ", "))
            return ReloadResult(applied: false, deferred: false, restartNeeded: outcome.restartNeeded)
        }
        let state = runtime.snapshot.state
        if session != nil || state.isSessionState || state == .releasing || awaitingRelease && markerPending {
            deferredReload = outcome
            log(.notice, "configuration reload by \(caller.identity): deferred until the session has ended and released")
            return ReloadResult(applied: false, deferred: true, restartNeeded: outcome.restartNeeded)
        }
        apply(outcome, sink: sink)
        log("configuration reload by \(caller.identity): applied")
        return ReloadResult(applied: true, deferred: false, restartNeeded: outcome.restartNeeded)
    }

    func applyDeferredReloadIfIdle(_ snapshot: ControlSnapshot, sink: NotificationSink?) {
        guard let waiting = deferredReload, session == nil, !snapshot.state.isSessionState,
              snapshot.state != .releasing, !(awaitingRelease && markerPending) else { return }
        deferredReload = nil
        apply(waiting, sink: sink)
        log("deferred configuration reload applied")
    }

    /// The whole new configuration: program directories, the engine's
    /// limits and the socket's roles and sizes. Roles must follow the
    /// file as the reply says (`applied: true`): a group taken out of a role
    /// stops granting it on open connections too.
    func apply(_ reload: ServiceReload, sink: NotificationSink?) {
        configuration.programDirectories = reload.programDirectories
        if let settings = reload.socket {
            configuration.maxMessageBytes = settings.maxMessageBytes
            if let sink {
                sink.reconfigureSocket(settings)
            } else {
                pendingSocketSettings = settings
            }
        }
        var limits = catalog.limits
        if let newConfiguration = reload.engineConfiguration {
            let adapted = newConfiguration.adapted(to: runtime.identity)
            limits = adapted.therapyLimits
            if let id = runtime.submit(.replaceEngine(EngineHandOver(Engine(configuration: adapted, identity: runtime.identity))),
                                       by: "tractiond (configuration reload)") {
                engineConfiguration = adapted
                reloadEngineRequest = id
            } else {
                log(.warning, "configuration reload: the control loop is busy; the engine limits stay as they were")
            }
        }
        catalog = ProgramCatalog(directories: reload.programDirectories, limits: limits)
    }
}
