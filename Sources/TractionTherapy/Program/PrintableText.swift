/// Text from a file or a peer made safe to print on a terminal: every
/// character a terminal would act on instead of showing (control characters,
/// Unicode Cc, whose ESC begins the sequences that clear the screen or move
/// the cursor; bidirectional overrides and isolates, which reorder what
/// follows) is written as a visible escape, `\u{1B}`. Everything else is
/// unchanged, so ordinary text reads as it was written.
public enum PrintableText {
    public static func escaped(_ text: String) -> String {
        escaped(text, keeping: { _ in false })
    }

    /// The same for text that may hold line breaks of its own (a program's
    /// YAML): line feeds and tabs are kept, everything else as `escaped`.
    public static func escapedKeepingLines(_ text: String) -> String {
        escaped(text, keeping: { $0 == "\n" || $0 == "\t" })
    }

    private static func escaped(_ text: String, keeping kept: (Unicode.Scalar) -> Bool) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) && !kept($0) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) && !kept(scalar) {
                result.append(contentsOf: ("\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}").unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}
