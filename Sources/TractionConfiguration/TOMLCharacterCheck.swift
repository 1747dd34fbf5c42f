/// Finds, before the text reaches toml++, what toml++ (through TOMLKit)
/// would not refuse cleanly. Each was found by the fuzzer:
///
/// - a table header whose `[` is followed by something that cannot begin
///   a key (`[` then a line end, `[#`, `[=`...), or a key with a character
///   outside ASCII (`[é]`): toml++ failed an `assert` and ended the daemon
///   (at start, at `--check-config`, or at a reload during a session)
///   instead of refusing the file. Every key of the configuration is ASCII,
///   and a value holds other characters only inside a string; inside
///   strings and comments every character stays allowed;
/// - a NUL character: TOMLKit hands the text to toml++ as a C string, so
///   everything after a NUL was silently not read.
enum TOMLCharacterCheck {
    /// The line (from 1) and the reason of the first such problem, or nil.
    static func firstProblem(in text: String) -> (line: Int, reason: String)? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        var lineStart = true
        // After `=` on this line (outside brackets), and how deep inside a
        // value's arrays and inline tables: a `[` there opens an array, not
        // a table header.
        var inValue = false
        var depth = 0
        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        func code(_ scalar: Unicode.Scalar) -> String { "U+" + String(scalar.value, radix: 16, uppercase: true) }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\0" {
                return (line, "TOML syntax: a NUL character (U+0) (the TOML parser would stop reading there)")
            }
            switch scalar {
            case "\n":
                line += 1
                index += 1
                lineStart = true
                if depth == 0 { inValue = false }
                continue
            case " ", "\t", "\r":
                index += 1
                continue
            case "#":
                // A comment runs to the end of its line.
                while index < scalars.count, scalars[index] != "\n" {
                    if scalars[index] == "\0" { return (line, "TOML syntax: a NUL character (U+0) in a comment") }
                    index += 1
                }
                continue
            case "\"", "'":
                let multiLine = at(1) == scalar && at(2) == scalar
                index += multiLine ? 3 : 1
                while index < scalars.count {
                    let inside = scalars[index]
                    if inside == "\0" { return (line, "TOML syntax: a NUL character (U+0) in a string") }
                    if inside == "\\" && scalar == "\"" {
                        if at(1) == "\n" { line += 1 }
                        index += 2
                        continue
                    }
                    if inside == "\n" {
                        // A one-line string ends at its line (toml++ reports
                        // it); the line end is counted by the outer loop.
                        if !multiLine { break }
                        line += 1
                    }
                    if inside == scalar && (!multiLine || (at(1) == scalar && at(2) == scalar)) {
                        index += multiLine ? 3 : 1
                        break
                    }
                    index += 1
                }
            case "[" where depth == 0 && !inValue && lineStart:
                var next = index + 1
                if next < scalars.count, scalars[next] == "[" { next += 1 }
                while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
                let first = next < scalars.count ? scalars[next] : nil
                let beginsKey = first.map { $0.isASCII && (isBareKeyCharacter($0) || $0 == "\"" || $0 == "'" || $0 == "]") }
                    ?? true
                if !beginsKey {
                    return (line, "TOML syntax: a table header must begin with a key, not "
                        + (first.map { $0 == "\n" ? "a line end" : code($0) } ?? "the end"))
                }
                index += 1
            case "=" where depth == 0:
                inValue = true
                index += 1
            case "[", "{":
                if inValue { depth += 1 }
                index += 1
            case "]", "}":
                if depth > 0 { depth -= 1 }
                index += 1
            default:
                if scalar.value > 0x7F {
                    return (line, "TOML syntax: the character \(code(scalar)) outside a string or comment "
                        + "(keys and bare values are ASCII; quote text that is not)")
                }
                index += 1
            }
            lineStart = false
        }
        return nil
    }

    private static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "_" || scalar == "-"
    }
}
