import Testing
import TractionConfiguration

/// A simulated daemon gives the socket and roles the file leaves unset to
/// its user's primary group; whatever the file sets stays as written.
@Suite struct SimulationGroupTests {
    @Test func unsetGroupAndRolesBecomeThePrimaryGroup() throws {
        var configuration = try DaemonConfiguration.parse("socket:\n  path: /tmp/t/control.sock\n", format: .yaml)
        #expect(!configuration.socket.groupIsSet && !configuration.socket.rolesAreSet)
        configuration.socket.defaultGroupsForSimulation(primaryGroup: "alice")
        #expect(configuration.socket.group == "alice")
        #expect(configuration.socket.roles.clinician == ["alice"])
        #expect(configuration.socket.roles.technician == ["alice"])
        #expect(configuration.socket.roles.admin == ["traction-admin"], "admin is not handed out")
    }

    @Test func configuredGroupAndRolesAreKept() throws {
        var configuration = try DaemonConfiguration.parse(
            "socket:\n  group: clinic\n  roles:\n    clinician: [nurses]\n", format: .yaml)
        configuration.socket.defaultGroupsForSimulation(primaryGroup: "alice")
        #expect(configuration.socket.group == "clinic")
        #expect(configuration.socket.roles.clinician == ["nurses"])
        #expect(configuration.socket.roles.technician == ["traction-tech"])
    }

    @Test func theFlagsAreNotPartOfTheFile() throws {
        // Reload compares encoded files: the flags must not make two equal files differ.
        let set = try DaemonConfiguration.parse("socket:\n  group: traction\n", format: .yaml)
        #expect(set.socket.groupIsSet)
        #expect(DaemonConfiguration.reloadPlan(from: .defaults, to: set).isUnchanged)
    }
}
