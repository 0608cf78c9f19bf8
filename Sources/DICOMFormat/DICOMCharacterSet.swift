import Foundation

/// Decodes names and free text in the repertoire that Specific Character Set (0008,0005) declares
/// (PS3.3 C.12.1.1.2, PS3.5 §6.1).
///
/// Single-byte sets, UTF-8 and GB18030/GBK are one encoding for the whole value. With ISO 2022 code
/// extensions, escape sequences switch the G0 set (bytes below 0x80) and the G1 set (bytes from 0xA0)
/// within the value, and each run is decoded in its set through the system's iconv. A term not listed
/// here reads as Latin-1, so text never fails to decode, and `isUnderstood` says so.
public struct DICOMCharacterSet: Sendable, Equatable {
    /// A graphic character set a run of bytes is decoded in.
    enum CodeSet: Sendable, Equatable {
        case ascii
        /// One iconv encoding for the run (single-byte sets in GR, EUC forms of KS X 1001 and GB 2312).
        case iconv(String)
        /// Two-byte JIS X 0208 / 0212 in GL, decoded by iconv as ISO-2022-JP-2 after their escape sequence.
        case jis(escape: [UInt8])
    }

    /// The set bytes below 0x80 and from 0x80 are read in before any escape sequence.
    let initialG0: CodeSet
    let initialG1: CodeSet?
    /// ISO 2022 code extensions are in use: escape sequences switch sets.
    let usesCodeExtensions: Bool
    /// False when a term was not recognised and Latin-1 stood in for it.
    public let isUnderstood: Bool

    public static let defaultRepertoire = DICOMCharacterSet(initialG0: .ascii, initialG1: nil, usesCodeExtensions: false, isUnderstood: true)

    init(initialG0: CodeSet, initialG1: CodeSet?, usesCodeExtensions: Bool, isUnderstood: Bool) {
        self.initialG0 = initialG0
        self.initialG1 = initialG1
        self.usesCodeExtensions = usesCodeExtensions
        self.isUnderstood = isUnderstood
    }

    public init(specificCharacterSet text: String) {
        let terms = text.split(separator: "\\", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")).uppercased() }
        let first = terms.first ?? ""
        let extensions = terms.contains { $0.hasPrefix("ISO 2022") }
        if first.isEmpty || first == "ISO_IR 6" || first == "ISO 2022 IR 6" {
            self.init(initialG0: .ascii, initialG1: nil, usesCodeExtensions: extensions, isUnderstood: true)
            return
        }
        let key = first.replacingOccurrences(of: "ISO 2022 IR ", with: "ISO_IR ")
        if key == "ISO_IR 13" && extensions {
            self.init(initialG0: .ascii, initialG1: .iconv("SHIFT_JIS"), usesCodeExtensions: true, isUnderstood: true)
        } else if let name = Self.wholeValueEncodings[key] {
            self.init(initialG0: extensions ? .ascii : .iconv(name), initialG1: extensions ? .iconv(name) : nil,
                      usesCodeExtensions: extensions, isUnderstood: true)
        } else {
            self.init(initialG0: extensions ? .ascii : .iconv("ISO-8859-1"), initialG1: .iconv("ISO-8859-1"),
                      usesCodeExtensions: extensions, isUnderstood: false)
        }
    }

    public func decode(_ bytes: ArraySlice<UInt8>) -> String {
        if !bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) { return String(decoding: bytes, as: UTF8.self) }
        guard usesCodeExtensions else {
            if case .iconv(let name) = initialG0 { return Self.convert(bytes, from: name) }
            return Self.convert(bytes, from: "ISO-8859-1")
        }
        var text = ""
        var g0 = initialG0
        var g1 = initialG1
        var run: [UInt8] = []
        var runSet = CodeSet.ascii
        func flush() {
            guard !run.isEmpty else { return }
            switch runSet {
            case .ascii: text += String(decoding: run, as: UTF8.self)
            case .iconv(let name): text += Self.convert(run[...], from: name)
            case .jis(let escape): text += Self.convert((escape + run)[...], from: "ISO-2022-JP-2")
            }
            run.removeAll(keepingCapacity: true)
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x1B, let (length, target, set) = Self.escape(bytes[index...]) {
                flush()
                if target == 0 { g0 = set } else { g1 = set }
                index += length
                continue
            }
            let set = byte >= 0x80 ? (g1 ?? .iconv("ISO-8859-1")) : g0
            if set != runSet { flush(); runSet = set }
            run.append(byte)
            index += 1
        }
        flush()
        return text
    }

    /// The escape sequence at the start of `bytes`: its length, the set it designates (0 = G0, 1 = G1) and which.
    private static func escape(_ bytes: ArraySlice<UInt8>) -> (Int, Int, CodeSet)? {
        let tail = Array(bytes.prefix(4))
        for (sequence, target, set) in escapes where tail.starts(with: sequence) {
            return (sequence.count, target, set)
        }
        return nil
    }

    private static let escapes: [([UInt8], Int, CodeSet)] = [
        ([0x1B, 0x28, 0x42], 0, .ascii),                                   // ESC ( B  ISO-IR 6
        ([0x1B, 0x28, 0x4A], 0, .ascii),                                   // ESC ( J  ISO-IR 14 (JIS X 0201 Roman)
        ([0x1B, 0x24, 0x42], 0, .jis(escape: [0x1B, 0x24, 0x42])),         // ESC $ B  ISO-IR 87
        ([0x1B, 0x24, 0x28, 0x44], 0, .jis(escape: [0x1B, 0x24, 0x28, 0x44])), // ESC $ ( D  ISO-IR 159
        ([0x1B, 0x29, 0x49], 1, .iconv("SHIFT_JIS")),                      // ESC ) I  ISO-IR 13 (katakana)
        ([0x1B, 0x24, 0x29, 0x43], 1, .iconv("EUC-KR")),                   // ESC $ ) C  ISO-IR 149
        ([0x1B, 0x24, 0x29, 0x41], 1, .iconv("GB2312")),                   // ESC $ ) A  ISO-IR 58
        ([0x1B, 0x2D, 0x41], 1, .iconv("ISO-8859-1")), ([0x1B, 0x2D, 0x42], 1, .iconv("ISO-8859-2")),
        ([0x1B, 0x2D, 0x43], 1, .iconv("ISO-8859-3")), ([0x1B, 0x2D, 0x44], 1, .iconv("ISO-8859-4")),
        ([0x1B, 0x2D, 0x4C], 1, .iconv("ISO-8859-5")), ([0x1B, 0x2D, 0x47], 1, .iconv("ISO-8859-6")),
        ([0x1B, 0x2D, 0x46], 1, .iconv("ISO-8859-7")), ([0x1B, 0x2D, 0x48], 1, .iconv("ISO-8859-8")),
        ([0x1B, 0x2D, 0x4D], 1, .iconv("ISO-8859-9")), ([0x1B, 0x2D, 0x54], 1, .iconv("TIS-620")),
        ([0x1B, 0x2D, 0x62], 1, .iconv("ISO-8859-15")),
    ]

    /// DICOM defined terms to iconv names, for sets that encode a whole value (or its G1 half).
    private static let wholeValueEncodings: [String: String] = [
        "ISO_IR 100": "ISO-8859-1", "ISO_IR 101": "ISO-8859-2", "ISO_IR 109": "ISO-8859-3",
        "ISO_IR 110": "ISO-8859-4", "ISO_IR 144": "ISO-8859-5", "ISO_IR 127": "ISO-8859-6",
        "ISO_IR 126": "ISO-8859-7", "ISO_IR 138": "ISO-8859-8", "ISO_IR 148": "ISO-8859-9",
        "ISO_IR 203": "ISO-8859-15", "ISO_IR 166": "TIS-620", "ISO_IR 13": "SHIFT_JIS",
        "ISO_IR 192": "UTF-8", "GB18030": "GB18030", "GBK": "GBK", "ISO_IR 149": "EUC-KR", "ISO_IR 58": "GB2312",
    ]

    /// Converts through iconv into UTF-8; Latin-1 when the bytes are not valid in the encoding.
    private static func convert(_ input: ArraySlice<UInt8>, from encoding: String) -> String {
        if encoding == "UTF-8" { return String(decoding: input, as: UTF8.self) }
        let converter = iconv_open("UTF-8", encoding)
        guard converter != iconv_t(bitPattern: -1) else { return latin1(input) }
        defer { iconv_close(converter) }
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        var source = input.map { CChar(bitPattern: $0) }
        let produced: Int? = source.withUnsafeMutableBufferPointer { sourceBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = sourceBuffer.baseAddress
                var inLeft = sourceBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outputBuffer.count
                let result = Glibc.iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return result == -1 ? nil : outputBuffer.count - outLeft
            }
        }
        guard let produced else { return latin1(input) }
        return String(decoding: output[..<produced], as: UTF8.self)
    }

    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
