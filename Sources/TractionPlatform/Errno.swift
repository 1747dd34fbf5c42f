#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call's `errno`, as a typed error: a function that can
/// only fail with an errno says so (`throws(Errno)`), and the text comes from
/// one place (`strerror(3)`) instead of a `String(cString: strerror(...))`
/// spelt out at every call.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: Int32

    public init(_ code: Int32) { self.code = code }

    /// The calling thread's `errno` now; read it straight after the call that failed.
    public static var current: Errno { Errno(errno) }

    /// `strerror(3)`, or "errno N" for a code the C library does not know.
    public var description: String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    public static let interrupted = Errno(EINTR)
    public static let wouldBlock = Errno(EAGAIN)
}
