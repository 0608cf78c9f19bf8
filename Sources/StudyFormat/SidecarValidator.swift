import Foundation
import TriageCore

/// Reads typed fields out of a JSON tree, recording every problem with its JSON path and value
/// rather than stopping at the first one.
struct SidecarValidator {
    let file: String
    private(set) var problems: [InputProblem] = []

    init(file: String) {
        self.file = file
    }

    var hasErrors: Bool { problems.contains { $0.severity == .error } }

    mutating func error(_ path: String, _ value: JSONValue? = nil, _ message: String) {
        problems.append(InputProblem(.error, file: file, field: path, value: value?.excerpt, message: message))
    }

    mutating func warning(_ path: String, _ value: JSONValue? = nil, _ message: String) {
        problems.append(InputProblem(.warning, file: file, field: path, value: value?.excerpt, message: message))
    }

    /// Flags keys the schema does not know: a misspelt `patientWeight` must not pass silently.
    mutating func warnAboutUnknownKeys(_ object: [String: JSONValue], at path: String, known: Set<String>) {
        for key in object.keys.sorted() where !known.contains(key) {
            warning("\(path).\(key)", nil, "unknown field (ignored); check its spelling against Docs/StudyFormat.md")
        }
    }

    mutating func object(_ value: JSONValue?, at path: String) -> [String: JSONValue]? {
        guard let value else {
            error(path, nil, "required object is missing")
            return nil
        }
        guard case .object(let fields) = value else {
            error(path, value, "expected an object, found \(value.typeName)")
            return nil
        }
        return fields
    }

    mutating func string(_ fields: [String: JSONValue], _ key: String, at path: String, required: Bool = false) -> String? {
        guard let value = present(fields, key, at: path, required: required) else { return nil }
        guard case .string(let text) = value else {
            error("\(path).\(key)", value, "expected a string, found \(value.typeName)")
            return nil
        }
        if required && text.trimmingCharacters(in: .whitespaces).isEmpty {
            error("\(path).\(key)", value, "must not be empty")
            return nil
        }
        return text
    }

    /// A finite number, optionally required to be above zero (spacings, weights, activities).
    mutating func number(
        _ fields: [String: JSONValue], _ key: String, at path: String, required: Bool = false, positive: Bool = false
    ) -> Double? {
        guard let value = present(fields, key, at: path, required: required) else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            error("\(path).\(key)", value, "expected a number, found \(value.typeName)")
            return nil
        }
        if positive && !(number > 0) {
            error("\(path).\(key)", value, "must be greater than zero")
            return nil
        }
        return number
    }

    /// A length in millimetres (spacing, thickness) within what any scanner can produce. The bounds are
    /// far outside real geometry, but keep every size computed from it (voxel counts, thumbnails,
    /// neighbourhoods) within integers and memory.
    mutating func length(_ fields: [String: JSONValue], _ key: String, at path: String, required: Bool = false) -> Double? {
        guard let value = number(fields, key, at: path, required: required, positive: true) else { return nil }
        guard Self.lengthRangeMm.contains(value) else {
            error("\(path).\(key)", .number(value), Self.lengthRangeMessage)
            return nil
        }
        return value
    }

    static let lengthRangeMm: ClosedRange<Double> = 0.001...1000
    static let lengthRangeMessage = "must be between 0.001 and 1000 mm (1 µm to 1 m)"

    mutating func integer(_ fields: [String: JSONValue], _ key: String, at path: String, required: Bool = false) -> Int? {
        guard let number = number(fields, key, at: path, required: required) else { return nil }
        guard number == number.rounded(), abs(number) < 1e9 else {
            error("\(path).\(key)", .number(number), "expected a whole number")
            return nil
        }
        return Int(number)
    }

    mutating func stringArray(_ fields: [String: JSONValue], _ key: String, at path: String) -> [String]? {
        guard let value = present(fields, key, at: path, required: false) else { return nil }
        guard case .array(let items) = value else {
            error("\(path).\(key)", value, "expected an array of strings, found \(value.typeName)")
            return nil
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                error("\(path).\(key)[\(index)]", item, "expected a string, found \(item.typeName)")
                continue
            }
            strings.append(text)
        }
        return strings
    }

    mutating func dateTime(
        _ fields: [String: JSONValue], _ key: String, at path: String, timeZone: TimeZone, required: Bool = false
    ) -> Date? {
        guard let text = string(fields, key, at: path, required: required) else { return nil }
        guard let date = DateTimeText.parseDateTime(text, timeZone: timeZone) else {
            error("\(path).\(key)", .string(text), "expected an ISO 8601 date-time such as 2026-03-29T01:30:00 or 2026-03-29T01:30:00+01:00")
            return nil
        }
        return date
    }

    /// A file or folder name that must stay inside its parent folder: no separators, no `.` or `..`.
    mutating func plainName(_ fields: [String: JSONValue], _ key: String, at path: String) -> String? {
        guard let name = string(fields, key, at: path, required: true) else { return nil }
        guard !name.contains("/"), !name.contains("\\"), !name.contains("\0"), name != ".", name != ".." else {
            error("\(path).\(key)", .string(name), "must be a plain name inside the study folder (no path separators, no . or ..)")
            return nil
        }
        return name
    }

    private mutating func present(_ fields: [String: JSONValue], _ key: String, at path: String, required: Bool) -> JSONValue? {
        switch fields[key] {
        case nil, .null?:
            if required { error("\(path).\(key)", nil, "required field is missing") }
            return nil
        case let value?:
            return value
        }
    }
}
