// libFuzzer entry point for the daemon's configuration file, YAML and TOML
// (Fuzz/build-target.sh FuzzConfiguration; run by scripts/fuzz.sh and
// scripts/checks/fuzz-smoke.sh).
//
// The first byte of an input picks the format (even: YAML, odd: TOML); the
// rest is the file's text, read by the public entry point the daemon and
// `tractiond --check-config` use (`DaemonConfiguration.parse(_:format:file:)`).
// Besides "never crash, never overread" (ASan), each input checks the
// contract of docs/configuration.md; a violation traps and becomes a finding:
//   1. A refused file names at least one problem, each with a reason; a
//      problem with the file as a whole (a syntax error) has a line, and
//      every line is inside the file.
//   2. An accepted configuration validates, maps to an engine configuration
//      that validates (the daemon would start on it), and round-trips: the
//      value written as JSON (which YAML reads) and parsed again is the same
//      configuration.
//   3. Parsing is deterministic (one input in eight: the same text twice
//      gives the same answer).

import Foundation
import TractionConfiguration
import TractionTherapy

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let format: ConfigurationFileFormat = bytes[0] & 1 == 0 ? .yaml : .toml
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let outcome = parse(text, format)

    switch outcome {
    case .failure(let error):
        // Lines as YAML counts them (LF, CR, CR LF, NEL, LS, PS): at least
        // as many as TOML's.
        let lineCount = ProgramSource.lineCount(of: Array(text.utf8))
        require(!error.problems.isEmpty, "refused without a problem")
        for problem in error.problems {
            require(!problem.reason.isEmpty, "a problem without a reason: \(problem)")
            require(!problem.keyPath.isEmpty || problem.line != nil, "a problem with the file but no line: \(problem)")
            if let line = problem.line {
                require(line >= 1 && line <= lineCount + 1, "line \(line) outside the file (\(lineCount) lines): \(problem)")
            }
        }
    case .success(let configuration):
        require(configuration.problems().isEmpty, "accepted with problems: \(configuration.problems())")
        do {
            try configuration.engineConfiguration().validate()
        } catch {
            fatalError("accepted, but the daemon could not build its engine from it: \(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(configuration) else { fatalError("an accepted configuration cannot be written") }
        switch parse(String(decoding: json, as: UTF8.self), .yaml) {
        case .success(let again):
            require(again == configuration, "written and read again, the configuration changed:\n\(String(decoding: json, as: UTF8.self))")
        case .failure(let error):
            fatalError("written and read again, the configuration is refused: \(error)\n\(String(decoding: json, as: UTF8.self))")
        }
    }

    if bytes.reduce(UInt8(0), &+) & 7 == 0 {
        switch (outcome, parse(text, format)) {
        case (.success(let first), .success(let second)): require(first == second, "two parses differ")
        case (.failure(let first), .failure(let second)): require(first == second, "two refusals differ:\n\(first)\n\(second)")
        default: fatalError("two parses of the same text disagree")
        }
    }
    return 0
}

private func parse(_ text: String, _ format: ConfigurationFileFormat) -> Result<DaemonConfiguration, ConfigurationError> {
    do {
        return .success(try DaemonConfiguration.parse(text, format: format, file: "fuzz.\(format.rawValue)"))
    } catch {
        return .failure(error)
    }
}

/// A broken contract: the message is printed even in the release build the
/// fuzzer runs (a precondition's is not), then the process traps.
func require(_ condition: Bool, _ message: @autoclosure () -> String = "") {
    if !condition { fatalError(message()) }
}
