import CYaml

/// Checks the structure of a YAML text in one pass of the event parser,
/// before it is composed into a node tree, for what neither program files
/// nor the daemon's configuration use and what composing handles badly:
///
/// - an alias (`*name`) repeats the node its anchor names, and aliases of
///   aliases multiply: a few hundred bytes can stand for a billion nodes,
///   which composing (its duplicate-key check hashes whole keys) and any
///   walk of the tree would take for ever;
/// - a key that is not plain text (a list or a mapping as a key);
/// - a key repeated in one mapping. Composing refuses it too, but names one
///   of the repeats picked by hash order, so the same file could be refused
///   at a different line each time; here the first repeat in the file is
///   named, always the same.
public enum YAMLStructureCheck {
    public enum Problem: Sendable, Hashable {
        case alias
        case keyNotPlainText
        case repeatedKey(String)
    }

    /// The first problem in document order, with its line and column (from
    /// 1), or nil when there is none or when the text stops being
    /// well-formed before one (composing then reports the syntax error).
    public static func firstProblem(in text: String) -> (problem: Problem, line: Int, column: Int)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        return bytes.withUnsafeMutableBufferPointer { buffer -> (problem: Problem, line: Int, column: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var walk = Walk()
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let problem = walk.take(event)
                let mark = event.start_mark
                let type = event.type
                yaml_event_delete(&event)
                if let problem { return (problem, Int(mark.line) + 1, Int(mark.column) + 1) }
                if type == YAML_STREAM_END_EVENT { return nil }
            }
            return nil
        }
    }

    /// The open collections, innermost last. A mapping counts the nodes it
    /// has finished: an even count means the next node is a key.
    private struct Walk {
        enum Frame {
            case mapping(keys: Set<String>, finished: Int)
            case sequence
        }

        var stack: [Frame] = []

        mutating func take(_ event: yaml_event_t) -> Problem? {
            switch event.type {
            case YAML_ALIAS_EVENT:
                return .alias
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                } ?? ""
                if let problem = begin(key: text) { return problem }
                finish()
            case YAML_SEQUENCE_START_EVENT:
                if let problem = begin(key: nil) { return problem }
                stack.append(.sequence)
            case YAML_MAPPING_START_EVENT:
                if let problem = begin(key: nil) { return problem }
                stack.append(.mapping(keys: [], finished: 0))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                _ = stack.popLast()
                finish()
            default:
                break
            }
            return nil
        }

        /// A node begins: as a key of the innermost mapping it must be a
        /// scalar (`key`) not seen before in that mapping.
        private mutating func begin(key: String?) -> Problem? {
            guard case .mapping(var keys, let finished) = stack.last, finished % 2 == 0 else { return nil }
            guard let key else { return .keyNotPlainText }
            guard keys.insert(key).inserted else { return .repeatedKey(key) }
            stack[stack.count - 1] = .mapping(keys: keys, finished: finished)
            return nil
        }

        private mutating func finish() {
            guard case .mapping(let keys, let finished) = stack.last else { return }
            stack[stack.count - 1] = .mapping(keys: keys, finished: finished + 1)
        }
    }
}
