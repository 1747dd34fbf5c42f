import Testing
@testable import TractionConfiguration

/// Found by the fuzzer: a character outside ASCII in a TOML key made toml++
/// fail an `assert` and end the daemon. It is refused before toml++ sees it;
/// inside strings and comments every character stays allowed.
@Suite struct TOMLCharacterTests {
    func problems(_ text: String) -> [ConfigurationProblem] {
        do {
            _ = try DaemonConfiguration.parse(text, format: .toml, file: "t.toml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test(arguments: ["[é]\npath = \"x\"\n", "[device]\npäth = \"x\"\n", "[device]\npath = \"x\"\n\u{FFFD} = 1\n",
                      "[loop]\nrate_hz = 250\u{2003}\n"])
    func aCharacterOutsideASCIIWhereAKeyOrValueGoesIsATOMLSyntaxProblemNotACrash(_ text: String) {
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.reason.hasPrefix("TOML syntax:") == true)
        #expect(found.first?.reason.contains("U+") == true, "the character is named: \(found)")
        #expect(found.first?.line == text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.unicodeScalars.contains { $0.value > 0x7F } }.map { $0 + 1 })
    }

    @Test func charactersOutsideASCIIInStringsAndCommentsAreFine() {
        let text = """
            # Réglages de la table — commentaire
            [device]
            path = "/dev/tty-é"
            [socket.roles]
            clinician = ['clinique-é', "équipe"]
            [programs]
            directories = [\"\"\"/srv/progr\\"ammes-é\"\"\"]
            """
        #expect(TOMLCharacterCheck.firstProblem(in: text) == nil)
    }

    @Test(arguments: ["[\n]\n", "[#x]\n", "[ =]\n", "[[\n]]\n", "a = 1\n[\t\n"])
    func aTableHeaderThatDoesNotBeginWithAKeyIsATOMLSyntaxProblemNotACrash(_ text: String) {
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.reason.hasPrefix("TOML syntax: a table header must begin with a key") == true, "\(found)")
    }

    @Test func arraysThatOpenOnTheirOwnLineAreNoTableHeaders() {
        let text = "[socket.roles]\nclinician = [\n  \"a\",\n  \"b\"\n]\nviewer = [\n[\n]]\n[loop]\nrate_hz = 250\n"
        #expect(TOMLCharacterCheck.firstProblem(in: text) == nil)
    }

    /// TOMLKit hands the text to toml++ as a C string: a NUL ended it there,
    /// and the rest of the file was silently not read.
    @Test func aNULCharacterIsRefusedRatherThanEndingTheFileUnread() {
        let found = problems("[loop]\nrate_hz = 250\n\u{0}\n[loop]\nrealtime = maybe\n")
        #expect(found.map(\.line) == [3])
        #expect(found.first?.reason.contains("NUL") == true)
    }
}

/// Found by the fuzzer: a one-line string left open counted its line end
/// twice, and later problems were named a line too far.
@Suite struct TOMLLineCountTests {
    static func lineOfFirstProblem(_ text: String) -> Int? { TOMLCharacterCheck.firstProblem(in: text)?.line }

    @Test func anUnclosedOneLineStringDoesNotShiftTheLinesAfterIt() {
        #expect(Self.lineOfFirstProblem("a = \"open\nb = 1\n[\n") == 3)
        #expect(Self.lineOfFirstProblem("a = '''x\ny'''\nb = 1\n[=\n") == 4)
        #expect(Self.lineOfFirstProblem("a = \"x\\\ny\"\n\u{0}") == 3)
    }
}
