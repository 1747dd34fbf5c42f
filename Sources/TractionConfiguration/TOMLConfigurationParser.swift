import TOMLKit

/// Turns TOML text into a `ConfigurationNode` tree. TOMLKit reports the
/// line of a syntax error but not the line of each value, so the lines of
/// keys come from `TOMLLineLocator`.
enum TOMLConfigurationParser {
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> ConfigurationNode {
        if let found = TOMLCharacterCheck.firstProblem(in: text) {
            throw ConfigurationError(file: file, problems: [
                ConfigurationProblem(keyPath: "", line: found.line, value: nil, reason: found.reason),
            ])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, problems: [
                ConfigurationProblem(keyPath: "", line: error.source.begin.line, value: nil,
                                     reason: "TOML syntax: \(error.description)"),
            ])
        } catch {
            throw ConfigurationError(file: file, problems: [
                ConfigurationProblem(keyPath: "", line: nil, value: nil, reason: "cannot be read as TOML: \(error)"),
            ])
        }
        let lines = TOMLLineLocator.lines(of: text)
        return convert(table.tomlValue, path: "", lines: lines)
    }

    private static func convert(_ value: TOMLValue, path: String, lines: [String: Int]) -> ConfigurationNode {
        let line = lines[path]
        switch value.type {
        case .table:
            guard let table = value.table else { return ConfigurationNode(.null, line: line) }
            // TOMLKit's key order is not the file's; sorting by line restores it.
            let entries = table.keys.compactMap { key -> ConfigurationNode.Entry? in
                guard let child = table[key]?.tomlValue else { return nil }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                return ConfigurationNode.Entry(key: key, node: convert(child, path: childPath, lines: lines))
            }.sorted { ($0.node.line ?? Int.max, $0.key) < ($1.node.line ?? Int.max, $1.key) }
            return ConfigurationNode(.table(entries), line: line)
        case .array:
            let elements = value.array.map { array in array.map { convert($0.tomlValue, path: path, lines: lines) } } ?? []
            return ConfigurationNode(.array(elements), line: line)
        case .string: return ConfigurationNode(.string(value.string ?? ""), line: line)
        case .int: return ConfigurationNode(.integer(value.int ?? 0), line: line)
        case .double: return ConfigurationNode(.float(value.double ?? .nan), line: line)
        case .bool: return ConfigurationNode(.bool(value.bool ?? false), line: line)
        case .date, .time, .dateTime:
            // No key takes a date; keeping it as text lets the decoder name it.
            return ConfigurationNode(.string(value.debugDescription), line: line)
        }
    }
}

/// Finds the line of each `[table]` header and `key = value` in TOML text.
/// Hand-written because TOMLKit exposes no source positions for values; it
/// only serves error messages, so it covers the plain forms the shipped file
/// uses (bare keys, dotted headers) and simply gives no line for others.
enum TOMLLineLocator {
    static func lines(of text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        var table = ""
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("["), !line.hasPrefix("[["), let close = line.firstIndex(of: "]") {
                table = line[line.index(after: line.startIndex)..<close]
                    .split(separator: ".").map { $0.trimmingSpaces() }.joined(separator: ".")
                if result[table] == nil { result[table] = lineNumber }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
            else { continue }
            let path = table.isEmpty ? key : "\(table).\(key)"
            if result[path] == nil { result[path] = lineNumber }
        }
        return result
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
