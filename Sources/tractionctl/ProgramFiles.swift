import Foundation
import TractionTherapy

/// Reads the program files named on the command line. A directory stands
/// for every `.yaml` / `.yml` file in it (not recursive), in name order.
struct ProgramFiles {
    var sources: [ProgramLibrary.SourceFile] = []
    /// Paths that could not be read, with the reason.
    var unreadable: [(path: String, reason: String)] = []

    init(paths: [String]) {
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                unreadable.append((path, "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let names = (try? manager.contentsOfDirectory(atPath: path)) ?? []
                let programs = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                if programs.isEmpty { unreadable.append((path, "the directory holds no .yaml or .yml file")) }
                for name in programs { read((path as NSString).appendingPathComponent(name)) }
            } else {
                read(path)
            }
        }
    }

    private mutating func read(_ path: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            unreadable.append((path, "cannot be read"))
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            unreadable.append((path, "is not UTF-8 text"))
            return
        }
        sources.append(ProgramLibrary.SourceFile(path: path, text: text))
    }
}

/// Writes JSON to standard output with stable key order.
enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
