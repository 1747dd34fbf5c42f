import CYaml

/// Finds the first YAML alias (`*name`) in a text, before the text is
/// composed into a node tree. An alias repeats the node its anchor names,
/// and aliases of aliases multiply: a few hundred bytes can stand for a
/// billion nodes, which composing (its duplicate-key check hashes whole
/// keys) and any walk of the tree would take for ever. Neither program files
/// nor the daemon's configuration need aliases, so both refuse them at the
/// alias's line and column; one pass of the YAML event parser finds them.
public enum YAMLAliasCheck {
    /// Line and column (from 1) of the first alias, or nil when there is
    /// none or when the text stops being well-formed before one (composing
    /// then reports the syntax error).
    public static func firstAlias(in text: String) -> (line: Int, column: Int)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, column: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let type = event.type
                let mark = event.start_mark
                yaml_event_delete(&event)
                if type == YAML_ALIAS_EVENT { return (Int(mark.line) + 1, Int(mark.column) + 1) }
                if type == YAML_STREAM_END_EVENT { return nil }
            }
            return nil
        }
    }
}
