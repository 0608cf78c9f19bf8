import Foundation

/// A JSON document as a tree, so that the sidecar can be validated field by field with a path to each
/// problem, instead of stopping at the first mismatch as `Decodable` would.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value as it would appear in the file, shortened for error messages.
    var excerpt: String {
        let text: String
        switch self {
        case .null: text = "null"
        case .bool(let value): text = String(value)
        case .number(let value): text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): text = "\"\(value)\""
        case .array(let items): text = "[" + items.map(\.excerpt).joined(separator: ", ") + "]"
        case .object(let fields): text = "{" + fields.keys.sorted().joined(separator: ", ") + "}"
        }
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    /// The JSON type's name, for "expected a number, found a string".
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}
