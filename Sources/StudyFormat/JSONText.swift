/// A JSON (RFC 8259) reader for the sidecar that says where a problem is: line and column, for a
/// number out of range (`1e999`), a non-JSON literal (`NaN`), nesting deeper than `maxDepth`, or any
/// syntax error. Foundation's decoder reports all of these as "The given data was not valid JSON".
enum JSONText {
    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        let line: Int
        let column: Int
        let message: String
        var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Sidecars nest four levels; anything much deeper is not a sidecar.
    static let maxDepth = 64

    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = Parser(bytes: bytes)
        // A UTF-8 byte order mark is tolerated, as Foundation tolerates it.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        func error(_ message: String, at position: Int? = nil) -> SyntaxError {
            let end = min(position ?? index, bytes.count)
            var line = 1, lineStart = 0
            for offset in 0..<end where bytes[offset] == 0x0A {
                line += 1
                lineStart = offset + 1
            }
            // Columns count characters, not bytes: UTF-8 continuation bytes do not start one.
            let column = bytes[lineStart..<end].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            return SyntaxError(line: line, column: column, message: message)
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard let byte = current else { throw error("unexpected end of the file: a value is missing") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default:
                for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] where matches(word) {
                    index += word.utf8.count
                    return value
                }
                let start = index
                while let next = current, next != 0x2C, next != 0x7D, next != 0x5D, next > 0x20 { index += 1 }
                let word = String(decoding: bytes[start..<min(index, start + 20)], as: UTF8.self)
                let hint = ["NaN", "Infinity", "-Infinity", "inf"].contains(word) ? " (JSON has no NaN or infinity)" : ""
                throw error("\(word.isEmpty ? "this character" : "'\(word)'") is not a JSON value\(hint)", at: start)
            }
        }

        func matches(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            return bytes.count - index >= utf8.count && Array(bytes[index..<(index + utf8.count)]) == utf8
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONText.maxDepth else { throw error("nested more than \(JSONText.maxDepth) levels deep") }
            index += 1
            var fields: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a field name in double quotes") }
                let keyStart = index
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after the field name \"\(key)\"") }
                index += 1
                skipWhitespace()
                let item = try value(depth: depth)
                guard fields.updateValue(item, forKey: key) == nil else { throw error("the field \"\(key)\" appears twice", at: keyStart) }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(fields)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONText.maxDepth else { throw error("nested more than \(JSONText.maxDepth) levels deep") }
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(items)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        /// RFC 8259's grammar, checked here; the conversion is the standard library's, and a number that
        /// does not fit a double (1e999) is refused rather than read as infinity.
        mutating func number() throws(SyntaxError) -> Double {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            func digits(_ parser: inout Parser) -> Int {
                var count = 0
                while let byte = parser.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    parser.index += 1
                    count += 1
                }
                return count
            }
            if current == UInt8(ascii: "0") {
                index += 1
            } else if digits(&self) == 0 {
                throw error("a number needs digits", at: start)
            }
            if current == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw error("a number needs digits after its decimal point", at: start) }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw error("a number needs digits in its exponent", at: start) }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw error("the number \(text.prefix(40)) is out of range (beyond ±1.8e308)", at: start)
            }
            return value
        }

        mutating func string() throws(SyntaxError) -> String {
            let start = index
            index += 1
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flush(_ parser: Parser, _ scalars: inout String.UnicodeScalarView) {
                scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<parser.index], as: UTF8.self).unicodeScalars)
            }
            while true {
                guard let byte = current else { throw error("a string is not closed", at: start) }
                switch byte {
                case UInt8(ascii: "\""):
                    flush(self, &scalars)
                    index += 1
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush(self, &scalars)
                    index += 1
                    scalars.append(try escape())
                    runStart = index
                case 0..<0x20:
                    throw error("a control character in a string must be escaped")
                default:
                    index += 1
                }
            }
        }

        mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
            guard let byte = current else { throw error("a string is not closed") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let high = try hex4()
                if (0xD800..<0xDC00).contains(high), matches("\\u") {
                    index += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) {
                        return scalar
                    }
                    return "\u{FFFD}"
                }
                return Unicode.Scalar(high) ?? "\u{FFFD}"  // a lone surrogate, as Foundation reads it
            default:
                throw error("unknown escape \\\(Character(Unicode.Scalar(byte)))", at: index - 2)
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard bytes.count - index >= 4 else { throw error("\\u needs four hexadecimal digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = current.flatMap({ Character(Unicode.Scalar($0)).hexDigitValue }) else {
                    throw error("\\u needs four hexadecimal digits")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
