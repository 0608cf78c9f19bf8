import Foundation

/// The two ways radtriage writes JSON, set up here once.
public enum JSONFormat {
    /// For people and integrations (worklist.json, `--json` output, a synthetic study's study.json):
    /// indented, keys sorted, slashes left as they are, dates in ISO 8601.
    public static func readable() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// For what radtriage reads back itself (stored results, shard results): one line, keys sorted so
    /// that equal values give equal bytes, slashes left as they are, dates as Foundation's default (the
    /// decoders read them so).
    public static func compact() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
