import Foundation
import Testing
import TractionDevice
@testable import TractionTherapy

/// Paths and loaders shared by the therapy tests.
enum TestFiles {
    /// The package root, found from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shippedPrograms = packageRoot.appendingPathComponent("Config/programs")
    static let fixtures = packageRoot.appendingPathComponent("Tests/TractionTherapyTests/Fixtures")

    static func yamlFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    static func text(of url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }
}

/// Validates `yaml` and fails the test when it is not valid.
func validProgram(_ yaml: String, file: String = "test.yaml", limits: TherapyLimits = .standard,
                  sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ValidatedProgram {
    switch ProgramValidator.validate(text: yaml, file: file, limits: limits) {
    case .success(let program):
        return program
    case .failure(let diagnostics):
        Issue.record("expected a valid program, got:\n\(diagnostics)", sourceLocation: sourceLocation)
        throw diagnostics
    }
}

/// The diagnostics for `yaml`, empty when it is valid.
func diagnostics(of yaml: String, file: String = "test.yaml") -> [ProgramDiagnostic] {
    switch ProgramValidator.validate(text: yaml, file: file) {
    case .success: return []
    case .failure(let found): return found.diagnostics
    }
}

extension MonotonicInstant {
    static func milliseconds(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }
}

/// A small intermittent lumbar program used by the scenario tests: holds of
/// 200 N for 10 s, rests at 100 N for 5 s, 10 N/s up, 20 N/s down, 3 cycles,
/// release at 20 N/s.
let threeCycleProgram = """
    name: three-cycles
    region: lumbar
    limits:
      body_weight_fraction: 50 %
      maximum_force: 400 N
    release: 20 N/s
    phases:
      - mode: intermittent
        hold_force: 200 N
        rest_force: 50 %
        hold_time: 10 s
        rest_time: 5 s
        ramp_up: 10 N/s
        ramp_down: 20 N/s
        cycles: 3
    """
