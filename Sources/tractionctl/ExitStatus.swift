import ArgumentParser

/// Exit statuses from sysexits(3), so scripts can tell a bad program from a
/// bad command line or a missing file.
enum ExitStatus {
    /// The command line was wrong (ArgumentParser exits with it by itself).
    static let usage = ExitCode(64)
    /// A program file or the patient data is invalid.
    static let dataError = ExitCode(65)
    /// An input file cannot be read.
    static let noInput = ExitCode(66)
}
