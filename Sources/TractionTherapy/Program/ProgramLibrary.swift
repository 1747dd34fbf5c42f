/// A set of program files checked together: each file on its own, and the
/// names across all of them (a library may not hold two programs of the
/// same name, since clinicians pick programs by name).
public struct ProgramLibrary: Sendable {
    /// One program file's bytes and the name to report it under.
    public typealias SourceFile = ProgramSource

    /// The programs that are valid and not duplicated, in file order.
    public private(set) var programs: [ValidatedProgram] = []
    /// Every mistake in every file, in file order.
    public private(set) var diagnostics: [ProgramDiagnostic] = []
    /// Per file: its diagnostics (empty when valid).
    public private(set) var diagnosticsByFile: [(path: String, diagnostics: [ProgramDiagnostic])] = []

    public init(files: [SourceFile], limits: TherapyLimits = .standard) {
        var firstSeen: [String: SourceLocation] = [:]
        for file in files {
            var fileDiagnostics: [ProgramDiagnostic] = []
            // One parse per file: the validation hands back where the name is.
            let (result, nameSource) = ProgramValidator.check(file, limits: limits)
            var duplicate = false
            if let name = nameSource {
                if let first = firstSeen[name.text] {
                    duplicate = true
                    fileDiagnostics.append(ProgramDiagnostic(
                        code: .duplicateProgramName, location: name.location, field: "name", value: name.text,
                        allowed: "a name no other program in the library uses",
                        message: "the name is already used by the program at \(first)"))
                } else {
                    firstSeen[name.text] = name.location
                }
            }
            switch result {
            case .success(let program):
                if !duplicate { programs.append(program) }
            case .failure(let found):
                fileDiagnostics.append(contentsOf: found.diagnostics)
            }
            fileDiagnostics.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
            diagnostics.append(contentsOf: fileDiagnostics)
            diagnosticsByFile.append((file.path, fileDiagnostics))
        }
    }

    public var isValid: Bool { diagnostics.isEmpty }
}
