import Testing
import TractionConfiguration

@Suite struct ReloadPolicyTests {
    @Test func anUnchangedFileChangesNothing() {
        let plan = DaemonConfiguration.reloadPlan(from: .defaults, to: .defaults)
        #expect(plan.isUnchanged)
        #expect(plan.canApplyBetweenSessions)
    }

    @Test func limitsProgramsAndRolesApplyBetweenSessions() {
        var new = DaemonConfiguration.defaults
        new.limits.therapy.cervical.forceCap = 150
        new.limits.safety.telemetryLossTimeout = .milliseconds(40)
        new.programs.directories = ["/srv/programs"]
        new.socket.roles.clinician = ["physio"]
        new.socket.maxClients = 16
        let plan = DaemonConfiguration.reloadPlan(from: .defaults, to: new)
        #expect(plan.betweenSessions == [
            "limits.cervical.force_cap_n", "limits.safety.telemetry_loss_timeout_ms", "programs.directories",
            "socket.max_clients", "socket.roles.clinician",
        ])
        #expect(plan.needsRestart == [])
        #expect(plan.canApplyBetweenSessions)
    }

    @Test func deviceLoopSocketPathStateAndSimulationNeedARestart() {
        var new = DaemonConfiguration.defaults
        new.device.path = "/dev/ttyUSB1"
        new.device.baud = 921_600
        new.loop.rateHertz = 500
        new.loop.cpu = 1
        new.socket.path = "/run/other.sock"
        new.socket.group = "other"
        new.state.directory = "/var/lib/other"
        new.simulation.enabled = true
        new.limits.therapy.lumbar.forceCap = 800
        let plan = DaemonConfiguration.reloadPlan(from: .defaults, to: new)
        #expect(plan.needsRestart == [
            "device.baud", "device.path", "loop.cpu", "loop.rate_hz", "simulation.enabled", "socket.group",
            "socket.path", "state.directory",
        ])
        #expect(plan.betweenSessions == ["limits.lumbar.force_cap_n"])
        #expect(!plan.canApplyBetweenSessions)
    }

    @Test func everyKeyIsEitherReloadableOrNeedsARestartAndBothKindsExist() {
        let keys = DaemonConfiguration.keyPaths
        #expect(keys.contains { DaemonConfiguration.isReloadable($0) })
        #expect(keys.contains { !DaemonConfiguration.isReloadable($0) })
        #expect(keys.filter { $0.hasPrefix("limits.") }.allSatisfy(DaemonConfiguration.isReloadable))
        #expect(keys.filter { $0.hasPrefix("device.") || $0.hasPrefix("loop.") }
            .allSatisfy { !DaemonConfiguration.isReloadable($0) })
    }
}
