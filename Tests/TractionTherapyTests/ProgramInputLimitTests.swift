import Foundation
import Testing
import TractionDevice
@testable import TractionTherapy

/// What validation refuses before the expensive work, and how it names it
/// (issue 13): too large a file, too many phases, bytes that are not UTF-8,
/// aliases that multiply, control characters in names, a flood of mistakes;
/// and the "did you mean" the format promises.
@Suite struct ProgramInputLimitTests {
    static let header = """
        name: big
        region: lumbar
        limits:
          body_weight_fraction: 50 %
          maximum_force: 450 N
        phases:

        """

    static func phases(_ count: Int) -> String {
        String(repeating: "  - {mode: static, hold_force: 100 N, hold_time: 1 s}\n", count: count)
    }

    @Test func aFileOverTheSizeLimitIsRefusedWithoutBeingParsed() {
        let text = Self.header + Self.phases(20_000)
        #expect(text.utf8.count > ProgramSchema.maximumFileBytes)
        let found = diagnostics(of: text)
        #expect(found.map(\.code) == [.fileTooLarge])
        #expect(found.first?.location.line == 1 && found.first?.location.column == 1)
        #expect(found.first?.value == "\(text.utf8.count) bytes")
        // A file read only in part (tractionctl reads one byte past the
        // limit) is refused by its whole size.
        let partial = ProgramSource(path: "huge.yaml", bytes: Array(text.utf8.prefix(ProgramSchema.maximumFileBytes + 1)),
                                    byteCount: 5_000_000)
        guard case .failure(let refused) = ProgramValidator.validate(partial) else {
            Issue.record("a 5 MB file was accepted")
            return
        }
        #expect(refused.diagnostics.map(\.value) == ["5000000 bytes"])
    }

    @Test func moreThanTheMostPhasesIsOneDiagnosticAtThePhasesKey() {
        let many = Self.header + Self.phases(ProgramSchema.maximumPhases + 1)
        let found = diagnostics(of: many)
        #expect(found.map(\.code) == [.tooManyPhases], "one diagnostic, none per phase")
        #expect(found.first?.location.line == 6)
        #expect(found.first?.value == "101 phases")
        // The largest file under the size limit is also refused at once.
        var full = Self.header
        while full.utf8.count + 60 < ProgramSchema.maximumFileBytes { full += Self.phases(1) }
        #expect(diagnostics(of: full).map(\.code) == [.tooManyPhases])
        #expect(diagnostics(of: Self.header + Self.phases(ProgramSchema.maximumPhases)).allSatisfy {
            $0.code != .tooManyPhases
        })
    }

    @Test func bytesThatAreNotUTF8AreRefusedAtTheirLineAndColumn() {
        var bytes = Array("name: a\ndescription: café ".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\nregion: lumbar\n".utf8)
        guard case .failure(let found) = ProgramValidator.validate(ProgramSource(path: "bad.yaml", bytes: bytes)) else {
            Issue.record("invalid UTF-8 was accepted")
            return
        }
        let diagnostic = found.diagnostics.first
        #expect(found.diagnostics.count == 1)
        #expect(diagnostic?.code == .invalidEncoding)
        #expect(diagnostic?.location.line == 2)
        #expect(diagnostic?.location.column == 19, "counted in characters: é is one")
        #expect(diagnostic?.value == "\\xC3\\x28\\x0A\\x72")
        for invalid: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(ProgramSource.firstInvalidUTF8Offset(Array("ab".utf8) + invalid) == 2, "\(invalid)")
        }
        #expect(ProgramSource.firstInvalidUTF8Offset(Array("ß€𝄞".utf8)) == nil)
    }

    /// Found by the fuzzer: lines ended by CR alone (and NEL, LS, PS) are
    /// lines to the YAML parser, so every diagnostic counts them so too.
    @Test func linesEndedByCarriageReturnsAreCountedAsYAMLCountsThem() {
        let bytes = Array("name: a\rregion: b\r\nx: \u{2028}y: ".utf8) + [0xFF]
        #expect(ProgramSource.location(ofByte: bytes.count - 1, in: bytes, file: "f").line == 4)
        #expect(ProgramSource.location(ofByte: bytes.count - 1, in: bytes, file: "f").column == 4)
        let yaml = diagnostics(of: "# a\r# b\r# c\rname: x\rregion: [\r")
        #expect(yaml.first?.code == .yamlSyntax)
        #expect((yaml.first?.location.line ?? 99) <= ProgramSource.lineCount(of: Array("# a\r# b\r# c\rname: x\rregion: [\r".utf8)))
    }

    @Test func aRawControlCharacterInTheFileIsNamedAtItsLineAndColumn() {
        let found = diagnostics(of: "name: a\nregion: lum\u{07}bar\n")
        #expect(found.first?.code == .invalidEncoding)
        #expect(found.first?.location.line == 2)
        #expect(found.first?.location.column == 12)
        #expect(found.first?.message.contains("U+7") == true)
    }

    /// A few hundred bytes that stand for a billion nodes: refused at the
    /// first alias instead of composed (which took for ever).
    @Test(.timeLimit(.minutes(1)))
    func aliasesAreRefusedBeforeTheyCanMultiply() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("? *a9\n: 1")
        let found = diagnostics(of: lines.joined(separator: "\n") + "\n")
        #expect(found.map(\.code) == [.yamlSyntax])
        #expect(found.first?.location.line == 2 && found.first?.location.column == 10)
        #expect(found.first?.message.contains("alias") == true)
    }

    /// Composing named one of the repeats picked by hash order: the same
    /// file was refused at different lines from one run to the next.
    @Test func aRepeatedKeyIsNamedAtItsFirstRepeatEveryTime() {
        let text = "name: a\nregion: lumbar\nname: b\nregion: c\nlimits: {x: 1, x: 2}\n"
        for _ in 0..<20 {
            let found = diagnostics(of: text)
            #expect(found.count == 1)
            #expect(found.first?.location.line == 3 && found.first?.location.column == 1)
            #expect(found.first?.value == "name")
        }
        #expect(YAMLStructureCheck.firstProblem(in: "a: {x: 1, y: {x: 2}}\nb: [x, x]\n") == nil,
                "the same key in another mapping, or twice in a list, is no repeat")
    }

    @Test func aKeyThatIsNotPlainTextIsRefusedAtItsPlace() {
        let found = diagnostics(of: "name: a\n? [x, y]\n: 1\n")
        #expect(found.map(\.code) == [.yamlSyntax])
        #expect(found.first?.message == "a key must be plain text, not a list or a mapping")
        #expect(found.first?.location.line == 2 && found.first?.location.column == 3)
    }

    @Test func aFloodOfMistakesListsTheFirstHundredAndCountsTheRest() {
        let text = (0..<5_000).map { "k\($0): 1\n" }.joined()
        let found = diagnostics(of: text)
        #expect(found.count == ProgramSchema.maximumDiagnostics + 1)
        #expect(found.last?.code == .tooManyMistakes)
        #expect(found.dropLast().allSatisfy { $0.code != .tooManyMistakes })
        // 5000 unknown keys and the 4 missing required keys, less those listed.
        #expect(found.last?.value == "\(5_000 + 4 - ProgramSchema.maximumDiagnostics) more")
    }

    @Test(arguments: [("hold_secs", "hold_time"), ("hold_tme", "hold_time"), ("hold_forse", "hold_force"),
                      ("ramp_upp", "ramp_up"), ("angels", "angles")])
    func aMisspelledKeyGetsADidYouMeanForTheKeyItResembles(_ typo: String, _ meant: String) {
        let text = Self.header + """
              - mode: static
                hold_force: 100 N
                hold_time: 60 s
                \(typo): 1

            """
        let found = diagnostics(of: text).filter { $0.code == .unknownKey }
        #expect(found.count == 1)
        #expect(found.first?.message == "unknown key; did you mean \"\(meant)\"?", "\(typo)")
        #expect(found.first?.field == "phases[1].\(typo)")
    }

    @Test func aKeyLikeNoKnownKeyGetsNoSuggestion() {
        let found = diagnostics(of: Self.header + "  - {mode: static, hold_force: 100 N, hold_time: 1 s, colour: red}\n")
        #expect(found.first { $0.field == "phases[1].colour" }?.message == "unknown key")
    }

    @Test func controlCharactersInAPhaseNameAreRefusedAndShownEscaped() {
        for name in ["\\e[2J\\e[H0 N", "hold\\x07", "\\u202Eevil", "tab\\there"] {
            let found = diagnostics(of: Self.header + "  - {name: \"\(name)\", mode: static, hold_force: 100 N, hold_time: 1 s}\n")
            let diagnostic = found.first { $0.field == "phases[1].name" }
            #expect(diagnostic?.code == .invalidValue, "\(name)")
            #expect(diagnostic?.message.hasPrefix("contains a control character (U+") == true)
            #expect(diagnostic?.value.unicodeScalars.allSatisfy { !PrintableText.needsEscape($0) } == true,
                    "the diagnostic itself shows the name escaped")
        }
        #expect(diagnostics(of: Self.header + "  - {name: \"Zug – 30°\", mode: static, hold_force: 100 N, hold_time: 1 s}\n")
            .isEmpty, "letters, dashes and degrees are names")
    }

    @Test func printableTextEscapesWhatATerminalWouldObeyAndNothingElse() {
        #expect(PrintableText.escaped("\u{1B}[2J0 N") == "\\u{1B}[2J0 N")
        #expect(PrintableText.escaped("a\u{9B}b\u{202E}c\u{7F}") == "a\\u{9B}b\\u{202E}c\\u{7F}")
        #expect(PrintableText.escaped("Zug 30° ✓") == "Zug 30° ✓")
        #expect(PrintableText.escaped(PrintableText.escaped("\u{1B}")) == "\\u{1B}", "escaping twice changes nothing more")
        #expect(PrintableText.escapedKeepingLines("a\n\tb\u{1B}\r\n") == "a\n\tb\\u{1B}\\u{D}\n")
    }
}
