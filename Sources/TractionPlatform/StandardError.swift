#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way a line of the daemon's log leaves the process: standard
/// error, written with write(2) in one call per line where the kernel allows,
/// so lines from the service thread and the main thread do not interleave
/// within a line. Under systemd the journal takes it from there.
public enum StandardError {
    /// Writes `line` and a newline. A failure to write to standard error has
    /// nowhere to be reported, so it is dropped.
    public static func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            try? DescriptorIO.writeAll(STDERR_FILENO, raw)
        }
    }
}
