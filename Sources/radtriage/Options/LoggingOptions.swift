import ArgumentParser
import Foundation
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Log options: logs go to stderr, one line per event, as text or JSON.
struct LoggingOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Lowest level logged to stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log lines as text or as one JSON object per line.")
    var logFormat: Format = .text

    @Flag(help: "Also log patient identifiers (patient id, accession) and file paths. Off by default.")
    var logIdentifiers = false

    /// The only call to `LoggingSystem.bootstrap` (it may be called once per process).
    func bootstrap() {
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler(label: label, stream: StandardErrorLines())
                handler.logLevel = level
                return ControlEscapingLogHandler(handler)
            case .json:
                return JSONLineLogHandler(label: label, logLevel: level)
            }
        }
    }
}

/// Standard error for StreamLogHandler, which writes each log line in one call: above the progress line.
struct StandardErrorLines: TextOutputStream, Sendable {
    mutating func write(_ string: String) {
        StandardError.shared.writeLines(string)
    }
}

/// One JSON object per line on stderr: `time`, `level`, `label`, `message` and the metadata keys.
struct JSONLineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = ["time": Date().formatted(.iso8601), "level": event.level.rawValue, "label": label,
                                         "message": event.message.description]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = value.description }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        StandardError.shared.writeLines(String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// Text log lines that an input cannot forge: control characters in the message and in metadata values
/// (a newline in a study id would start a second line) are written as escapes (`\n`, `\u{1B}`), as the
/// JSON format escapes them.
struct ControlEscapingLogHandler: LogHandler {
    var inner: StreamLogHandler

    init(_ inner: StreamLogHandler) {
        self.inner = inner
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = "\(Self.escape(event.message.description))"
        escaped.metadata = event.metadata?.mapValues { .string(Self.escape($0.description)) }
        inner.log(event: escaped)
    }

    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(text.unicodeScalars.flatMap { scalar -> [Unicode.Scalar] in
            guard scalar.properties.generalCategory == .control else { return [scalar] }
            switch scalar {
            case "\n": return ["\\", "n"]
            case "\r": return ["\\", "r"]
            case "\t": return ["\\", "t"]
            default: return Array("\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            }
        }.map(Character.init))
    }
}
