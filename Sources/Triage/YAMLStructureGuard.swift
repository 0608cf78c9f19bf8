import TriageCore

/// A scan of the configuration's text before Yams composes it, refusing the few YAML constructs whose
/// cost grows faster than the file: Yams hashes every mapping key when it checks for duplicates, so an
/// alias to a nested collection used as a key (directly, inside a flow collection, or under a `?`
/// complex key) costs time exponential in the nesting (a 330-byte file took minutes); and very deep
/// nesting recurses once per level. A configuration needs none of them: aliases remain allowed as
/// plain values (`board: *weekly`, `- *site`, `<<: *defaults`).
///
/// The scan is lexical (quotes, comments and block scalars are skipped), so it may refuse an unusual
/// but harmless file; it never lets one of these constructs through to Yams.
struct YAMLStructureGuard {
    static let maxFlowDepth = 64
    static let maxBlockDepth = 64

    /// What is refused, with its line and column, one per construct found (at most a few).
    static func problems(in text: String, file: String = "configuration") -> [InputProblem] {
        var scanner = YAMLStructureGuard(Array(text.utf8), file: file)
        scanner.scan()
        return scanner.problems
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private let file: String
    private var problems: [InputProblem] = []
    /// Where the next node may begin: a line's first token, after `- `, `: `, `[`, `{`, `,`, an anchor or a tag.
    private var atNodeStart = true
    private var flowDepth = 0
    /// `- ` entries opened on the current line (`- - - x` nests once per dash).
    private var dashesOnLine = 0
    /// The indentation of the line that opened a block scalar (`|`, `>`): deeper lines are its text.
    private var blockScalarParent: Int?

    private init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private func isBreakOrSpace(_ byte: UInt8?) -> Bool { byte == nil || byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private func isFlowIndicator(_ byte: UInt8?) -> Bool { byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") }

    private mutating func refuse(_ message: String) {
        if problems.count < 5 { problems.append(InputProblem(file: file, message: message, line: line, column: index - lineStart + 1)) }
    }

    private mutating func scan() {
        while index < bytes.count {
            if index == lineStart { startLine() }
            guard index < bytes.count else { break }
            let c = bytes[index]
            switch c {
            case 0x0A:
                newLine()
                continue
            case 0x20, 0x09, 0x0D:
                break
            case UInt8(ascii: "#") where index == lineStart || isBreakOrSpace(byte(at: index - 1)):
                skipToEndOfLine()
                continue
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                skipQuoted(c)
                atNodeStart = false
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flowDepth += 1
                if flowDepth > Self.maxFlowDepth { refuse("flow collections nested more than \(Self.maxFlowDepth) deep"); return }
                atNodeStart = true
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flowDepth = max(flowDepth - 1, 0)
                atNodeStart = false
            case UInt8(ascii: ",") where flowDepth > 0:
                atNodeStart = true
            case UInt8(ascii: "-") where atNodeStart && isBreakOrSpace(byte(at: index + 1)):
                dashesOnLine += 1
                if dashesOnLine > Self.maxBlockDepth { refuse("sequences nested more than \(Self.maxBlockDepth) deep on one line"); return }
            case UInt8(ascii: "?") where atNodeStart && isBreakOrSpace(byte(at: index + 1)):
                refuse("complex mapping keys (`? key`) are not accepted in the configuration")
                atNodeStart = true
            case UInt8(ascii: ":") where isBreakOrSpace(byte(at: index + 1)) || (flowDepth > 0 && isFlowIndicator(byte(at: index + 1))):
                atNodeStart = true
            case UInt8(ascii: "*") where atNodeStart:
                alias()
                continue
            case UInt8(ascii: "&") where atNodeStart, UInt8(ascii: "!") where atNodeStart:
                skipToken()  // an anchor or a tag: the node itself follows
                continue
            case UInt8(ascii: "|") where atNodeStart, UInt8(ascii: ">") where atNodeStart:
                blockScalarParent = indentation(ofLineAt: lineStart)
                skipToEndOfLine()
                continue
            default:
                atNodeStart = false
            }
            index += 1
        }
    }

    /// At a line's start: skips a block scalar's text lines, then the indentation.
    private mutating func startLine() {
        dashesOnLine = 0
        let indent = indentation(ofLineAt: index)
        let blank = byte(at: index + indent) == 0x0A || byte(at: index + indent) == nil
        if let parent = blockScalarParent {
            if blank || indent > parent {
                skipToEndOfLine()
                return
            }
            blockScalarParent = nil
        }
        if flowDepth == 0 { atNodeStart = true }
        index += indent
    }

    private func indentation(ofLineAt start: Int) -> Int {
        var count = 0
        while let next = byte(at: start + count), next == 0x20 || next == 0x09 { count += 1 }
        return count
    }

    private mutating func newLine() {
        index += 1
        line += 1
        lineStart = index
    }

    private mutating func skipToEndOfLine() {
        while index < bytes.count, bytes[index] != 0x0A { index += 1 }
    }

    private mutating func skipToken() {
        while index < bytes.count, !isBreakOrSpace(bytes[index]), !isFlowIndicator(bytes[index]) { index += 1 }
    }

    /// A quoted scalar, which may span lines; `''` escapes a quote in single quotes, `\` in double quotes.
    private mutating func skipQuoted(_ quote: UInt8) {
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x0A {
                newLine()
                dashesOnLine = 0
                continue
            }
            if quote == UInt8(ascii: "\""), c == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if c == quote {
                if quote == UInt8(ascii: "'"), byte(at: index + 1) == quote {
                    index += 2
                    continue
                }
                index += 1
                return
            }
            index += 1
        }
    }

    /// An alias: refused inside a flow collection (which may be a key) and where it is itself a key.
    private mutating func alias() {
        let column = index
        // libyaml's anchor names: letters, digits, `-` and `_` (so `*a:` is the alias `a` and a colon).
        index += 1
        while let c = byte(at: index), c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) { index += 1 }
        var next = index
        while let c = byte(at: next), c == 0x20 || c == 0x09 { next += 1 }
        let isKey = byte(at: next) == UInt8(ascii: ":") && (isBreakOrSpace(byte(at: next + 1)) || isFlowIndicator(byte(at: next + 1)))
        if flowDepth > 0 || isKey {
            let saved = index
            index = column
            refuse(flowDepth > 0
                ? "an alias inside a flow collection ([...] or {...}) is not accepted in the configuration: write the values out"
                : "an alias used as a mapping key is not accepted in the configuration")
            index = saved
        }
        atNodeStart = false
    }
}
