import Foundation
import Testing
import TractionConfiguration
import TractionDevice
import TractionEngine
import TractionSafety
import TractionTherapy

/// Files of the repository, read from the source tree.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

@Suite struct ShippedConfigurationTests {
    @Test func theShippedYAMLFileParsesToTheDefaults() throws {
        let loaded = try DaemonConfiguration.load(path: Repository.path("Config/tractiond.yaml"))
        #expect(loaded == DaemonConfiguration.defaults)
    }

    @Test func theShippedTOMLFileParsesToTheDefaults() throws {
        let loaded = try DaemonConfiguration.load(path: Repository.path("Config/tractiond.toml"))
        #expect(loaded == DaemonConfiguration.defaults)
    }

    @Test func theShippedFilesSpellOutEveryKey() throws {
        for file in ["Config/tractiond.yaml", "Config/tractiond.toml"] {
            let text = try String(contentsOfFile: Repository.path(file), encoding: .utf8)
            for keyPath in DaemonConfiguration.keyPaths {
                let key = String(keyPath.split(separator: ".").last!)
                // TOML has no null: the optional CPU is shown commented out.
                #expect(text.contains("\(key):") || text.contains("\(key) ="), "\(file) lacks \(keyPath)")
            }
        }
    }

    @Test func anEmptyFileIsTheDefaults() throws {
        #expect(try DaemonConfiguration.parse("", format: .yaml) == .defaults)
        #expect(try DaemonConfiguration.parse("", format: .toml) == .defaults)
        #expect(try DaemonConfiguration.parse("limits:\n  lumbar:\n    force_cap_n: 700\n", format: .yaml)
            == { var c = DaemonConfiguration.defaults; c.limits.therapy.lumbar.forceCap = 700; return c }())
    }

    @Test func theDefaultsValidate() {
        #expect(DaemonConfiguration.defaults.problems() == [])
    }

    /// Nothing changes for the running system: the defaults give exactly the
    /// engine configuration the daemon ran with before the file existed.
    @Test func theDefaultsMapToExactlyTodaysEngineConfiguration() {
        let mapped = DaemonConfiguration.defaults.engineConfiguration()
        let today = EngineConfiguration()
        #expect(mapped.rateHertz == today.rateHertz)
        #expect(mapped.safety == today.safety)
        #expect(mapped.therapyLimits == today.therapyLimits)
        #expect(mapped.commandLease == today.commandLease)
        #expect(mapped.selfTest == today.selfTest)
        #expect(mapped.maximumTravel == today.maximumTravel)
        #expect(mapped.safety.lumbarForceCap == 890)
        #expect(mapped.safety.cervicalForceCap == 220)
        #expect(mapped.therapyLimits.cervical.forceCap == 200)
    }

    @Test func theFormatFollowsTheExtension() {
        #expect(ConfigurationFileFormat(path: "/etc/tractiond/tractiond.yaml") == .yaml)
        #expect(ConfigurationFileFormat(path: "site.YML") == .yaml)
        #expect(ConfigurationFileFormat(path: "/tmp/x.toml") == .toml)
        #expect(ConfigurationFileFormat(path: "/etc/tractiond/tractiond.conf") == nil)
        #expect(DaemonConfiguration.defaultPath == "/etc/tractiond/tractiond.yaml")
    }
}
