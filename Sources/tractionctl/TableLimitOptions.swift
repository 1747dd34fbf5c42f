import ArgumentParser
import Foundation
import TractionConfiguration
import TractionDevice
import TractionEngine
import TractionPlant
import TractionTherapy

/// Which limits an offline program check uses: those the daemon would use.
/// The daemon takes its limits from its configuration file and narrows them
/// to what its table reports (axis ranges, force cap); offline, the table is
/// known only when it is the simulated one.
struct TableLimitOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp(
        "The daemon's configuration file whose limits apply (default: \(DaemonConfiguration.defaultPath) when it exists).",
        valueName: "file"))
    var configuration: String?

    @Option(help: ArgumentHelp(
        "The table the programs are for: simulated (its axes and force cap narrow the limits; the default when the "
            + "configuration enables the simulation).",
        valueName: "table"))
    var table: TableChoice?

    enum TableChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
        case simulated
    }

    /// The limits and a sentence saying where they came from.
    struct Resolved {
        var limits: TherapyLimits
        var source: LimitsSource
    }

    /// Where the limits came from (`--json`'s `limits` member).
    struct LimitsSource: Encodable {
        /// The configuration file read, or nil for the built-in defaults.
        var configuration: String?
        /// "simulated", or nil when no table narrowed the limits.
        var table: String?
        var summary: String
    }

    /// Reads the configuration (exit 78 with every problem when it is
    /// invalid, 66 when it cannot be read) and narrows to the table.
    func resolve() throws -> Resolved {
        let file = configuration ?? (FileManager.default.fileExists(atPath: DaemonConfiguration.defaultPath)
            ? DaemonConfiguration.defaultPath : nil)
        var daemonConfiguration = DaemonConfiguration.defaults
        if let file {
            do {
                daemonConfiguration = try DaemonConfiguration.load(path: file)
            } catch {
                printError(PrintableText.escapedKeepingLines(error.description))
                printError("tractionctl: the configuration \(PrintableText.escaped(file)) cannot be used for its limits")
                throw ExitStatus.configuration
            }
        }
        var engine = daemonConfiguration.engineConfiguration()
        let chosen = table ?? (daemonConfiguration.simulation.enabled ? .simulated : nil)
        var tableText = "not narrowed to a table (a real table's axes and force cap narrow them when the daemon "
            + "connects; --table simulated checks against the simulated table)"
        if chosen == .simulated {
            let identity = PlantConfiguration().identity
            engine = engine.adapted(to: identity)
            let axes = AngleAxis.allCases.map { axis in
                let range = engine.therapyLimits.range(of: axis)
                return "\(axis.rawValue.replacingOccurrences(of: "_", with: " ")) "
                    + "\(Units.degrees(range.lowerBound.value)) to \(Units.degrees(range.upperBound.value))"
            }
            tableText = "the simulated table \(identity.serialNumber) (\(axes.joined(separator: ", ")); "
                + "force cap \(DisplayMassUnit.number(engine.therapyLimits.deviceForceCap.value, decimals: 0)) N)"
        }
        let summary = "Limits: \(file.map { "the configuration \(PrintableText.escaped($0))" } ?? "the built-in defaults (no configuration file)"), "
            + tableText
        return Resolved(limits: engine.therapyLimits,
                        source: LimitsSource(configuration: file, table: chosen?.rawValue, summary: summary))
    }
}
