/// Limits that keep a hostile file from exhausting memory or the stack.
public struct DICOMParseLimits: Sendable, Equatable {
    /// Sequences nested deeper than this are refused (real files nest a handful of levels).
    public var maxSequenceDepth: Int
    /// A deflated data set inflating past this many bytes is refused (a decompression bomb).
    public var maxInflatedBytes: Int
    /// Most elements, items and fragments in one file, all levels together.
    public var maxElements: Int

    public init(maxSequenceDepth: Int = 32, maxInflatedBytes: Int = 1 << 30, maxElements: Int = 1 << 21) {
        self.maxSequenceDepth = maxSequenceDepth
        self.maxInflatedBytes = maxInflatedBytes
        self.maxElements = maxElements
    }

    public static let standard = DICOMParseLimits()
}

/// A DICOM Part 10 file (or a bare data set without preamble and meta group), parsed.
public struct DICOMFile: Sendable {
    /// The file meta information group (0002,xxxx); empty when the file has none.
    public let meta: DICOMDataset
    public let dataset: DICOMDataset
    public let transferSyntax: TransferSyntax
    public let hasPreamble: Bool
    /// The meta group named no transfer syntax, so it was inferred from the first data element.
    public let transferSyntaxInferred: Bool
    /// A header-only parse stopped at a PixelData element starting at this offset.
    public let pixelDataOffset: Int?

    /// The file has pixel data, whether it was parsed or only reached.
    public var hasPixelData: Bool { pixelDataOffset != nil || dataset.contains(.pixelData) }
}

/// What a header that failed to parse still gave: the error, and the top-level attributes before it.
public struct SalvagedHeader: Error, Sendable {
    public let error: DICOMError
    public let dataset: DICOMDataset?
}

/// Parses DICOM Part 10 files: implicit and explicit VR, little and big endian, deflated, with
/// defined and undefined lengths. Every length is checked against the bytes that remain before it is
/// used, nesting is bounded, and elements must come in ascending order; anything else is a `DICOMError`.
public struct DICOMParser: Sendable {
    public var limits: DICOMParseLimits

    public init(limits: DICOMParseLimits = .standard) {
        self.limits = limits
    }

    /// Parses a whole file, or with `headerOnly`, up to the top-level PixelData element (which is then
    /// absent from the data set), so that a prefix of a file is enough to read its attributes.
    public func parse(_ bytes: [UInt8], headerOnly: Bool = false) throws(DICOMError) -> DICOMFile {
        var brokenElement: Int?
        return try parse(bytes, headerOnly: headerOnly, brokenElement: &brokenElement)
    }

    /// A header-only parse that fails keeps what it read: the top-level attributes before the element
    /// that broke it, enough to tell which study a broken file belongs to (nil when none read).
    public func parseHeaderSalvaging(_ bytes: [UInt8]) -> Result<DICOMFile, SalvagedHeader> {
        var brokenElement: Int?
        do {
            return .success(try parse(bytes, headerOnly: true, brokenElement: &brokenElement))
        } catch {
            // The elements before the broken one parse alone: the bytes up to it end at an element's end.
            let partial = brokenElement.flatMap { start in try? parse(Array(bytes[..<start]), headerOnly: true) }
            return .failure(SalvagedHeader(error: error, dataset: partial?.dataset))
        }
    }

    /// `brokenElement`: where the top-level element that a failure lies in starts (not for deflated data sets).
    private func parse(_ bytes: [UInt8], headerOnly: Bool, brokenElement: inout Int?) throws(DICOMError) -> DICOMFile {
        var reader = ElementReader(bytes: bytes, limits: limits)
        reader.stopAtPixelData = headerOnly
        var offset = 0
        let hasPreamble = bytes.count >= 132 && bytes[128] == 0x44 && bytes[129] == 0x49 && bytes[130] == 0x43 && bytes[131] == 0x4D
        if hasPreamble { offset = 132 }
        let metaLittle = ElementReader.Encoding(explicitVR: true, bigEndian: false)
        let (metaElements, afterMeta) = try reader.readElements(
            from: offset, to: bytes.count, encoding: metaLittle, depth: 0, charset: .defaultRepertoire, onlyGroup: 0x0002)
        let meta = DICOMDataset(bytes: bytes, bigEndian: false, elements: metaElements, inherited: .defaultRepertoire)
        if !hasPreamble && metaElements.isEmpty {
            try Self.checkLooksLikeDataSet(bytes)
        }

        let syntax: TransferSyntax
        let inferred: Bool
        if let uid = meta.string(.transferSyntaxUID) {
            syntax = TransferSyntax(uid: uid)
            inferred = false
        } else {
            syntax = try Self.inferSyntax(bytes, at: afterMeta)
            inferred = true
        }
        var body = bytes
        var start = afterMeta
        if syntax.deflated {
            body = try Inflater.inflateRaw(bytes[afterMeta...], maxBytes: limits.maxInflatedBytes)
            start = 0
            reader = ElementReader(bytes: body, limits: limits, elementCount: reader.elementCount)
            reader.stopAtPixelData = headerOnly
        }
        if start >= body.count {
            throw DICOMError(.truncated, at: start, "the file ends after the meta group: it has no data set")
        }
        let encoding = ElementReader.Encoding(explicitVR: syntax.explicitVR, bigEndian: syntax.bigEndian)
        let elements: [DICOMElement]
        do {
            (elements, _) = try reader.readElements(
                from: start, to: body.count, encoding: encoding, depth: 0, charset: .defaultRepertoire, onlyGroup: nil)
        } catch {
            if !syntax.deflated, let element = reader.topLevelElementStart, element > start { brokenElement = element }
            throw error
        }
        let dataset = DICOMDataset(bytes: body, bigEndian: syntax.bigEndian, elements: elements, inherited: .defaultRepertoire)
        return DICOMFile(meta: meta, dataset: dataset, transferSyntax: syntax, hasPreamble: hasPreamble,
                         transferSyntaxInferred: inferred, pixelDataOffset: reader.pixelDataOffset)
    }

    /// Without a preamble or meta group, the file must start with a plausible data element, or it is not DICOM.
    private static func checkLooksLikeDataSet(_ bytes: [UInt8]) throws(DICOMError) {
        guard bytes.count >= 8 else {
            throw DICOMError(.malformed, at: 0, "not a DICOM file: \(bytes.count) bytes, no DICM marker and no data element")
        }
        let little = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        let big = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard plausibleFirstGroups.contains(little) || plausibleFirstGroups.contains(big) else {
            throw DICOMError(.malformed, at: 0, "not a DICOM file: no DICM marker at byte 128 and the first bytes are not a data element")
        }
    }

    /// Groups a data set without meta information can start with (identifying, patient, acquisition).
    private static let plausibleFirstGroups: Set<UInt16> = [0x0008, 0x0010, 0x0018, 0x0020, 0x0028]

    /// No TransferSyntaxUID: the byte order from the first group number, explicit VR if bytes 4–5 are a VR.
    private static func inferSyntax(_ bytes: [UInt8], at offset: Int) throws(DICOMError) -> TransferSyntax {
        guard bytes.count - offset >= 8 else {
            throw DICOMError(.truncated, at: offset, "no transfer syntax in the meta group, and too few bytes to infer one")
        }
        let little = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
        let big = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        let bigEndian = big < little && big <= 0x0FFF
        let explicit = ValueRepresentation(first: bytes[offset + 4], second: bytes[offset + 5]) != nil
        switch (explicit, bigEndian) {
        case (_, true): return .explicitBig
        case (true, false): return .explicitLittle
        case (false, false): return .implicitLittle
        }
    }
}

/// Reads elements, sequences and fragments from one byte buffer. Recursion is bounded by the
/// sequence depth limit; every element advances the offset, so parsing always ends.
struct ElementReader {
    struct Encoding {
        var explicitVR: Bool
        var bigEndian: Bool
        /// The contents of `UN` sequences (CP-246) and of elements written as implicit.
        static let implicitLittle = Encoding(explicitVR: false, bigEndian: false)
    }

    private struct Header {
        var tag: DICOMTag
        var vr: ValueRepresentation
        /// 0xFFFFFFFF is an undefined length.
        var length: UInt32
        var size: Int
        /// Written as UN (or with no VR): a sequence inside is implicit VR little endian.
        var unknownVR: Bool
    }

    private static let undefinedLength: UInt32 = 0xFFFF_FFFF

    let bytes: [UInt8]
    let limits: DICOMParseLimits
    private(set) var elementCount: Int
    /// Stop before the top-level PixelData element (reading headers only).
    var stopAtPixelData = false
    /// Where the top-level PixelData element starts, when reading stopped there.
    private(set) var pixelDataOffset: Int?
    /// Where the top-level element being read starts (the one a failure lies in).
    private(set) var topLevelElementStart: Int?

    init(bytes: [UInt8], limits: DICOMParseLimits, elementCount: Int = 0) {
        self.bytes = bytes
        self.limits = limits
        self.elementCount = elementCount
    }

    /// The elements from `start` up to `end`, or up to an item delimiter when `untilDelimiter`; with
    /// `onlyGroup`, stops before the first element of another group. Returns the offset after the last.
    mutating func readElements(
        from start: Int, to end: Int, encoding: Encoding, depth: Int, charset: DICOMCharacterSet,
        onlyGroup: UInt16?, untilDelimiter: Bool = false
    ) throws(DICOMError) -> ([DICOMElement], Int) {
        var offset = start
        var elements: [DICOMElement] = []
        var charset = charset
        var previous: DICOMTag?
        while offset < end {
            if let onlyGroup {
                guard end - offset >= 2, read16(offset, bigEndian: false) == onlyGroup else { break }
            }
            if depth == 0 { topLevelElementStart = offset }
            let header = try readHeader(at: offset, end: end, encoding: encoding)
            if stopAtPixelData && depth == 0 && header.tag >= .pixelData {
                if header.tag == .pixelData { pixelDataOffset = offset }
                break
            }
            if header.tag.group == 0xFFFE {
                if header.tag == .itemDelimitation && untilDelimiter { return (elements, offset + 8) }
                if header.tag == .itemDelimitation || header.tag == .sequenceDelimitation, header.length == 0 {
                    offset += 8  // a stray delimiter, as some writers leave them: harmless
                    continue
                }
                throw DICOMError(.malformed, at: offset, "unexpected \(header.tag) with length \(header.length) among data elements")
            }
            if let previous, header.tag <= previous {
                throw DICOMError(.malformed, at: offset, "element \(header.tag.named) follows \(previous.named): elements must be in ascending tag order")
            }
            try count(at: offset)
            let valueStart = offset + header.size
            var items: [DICOMDataset] = []
            var fragments: [Range<Int>]?
            let valueEnd: Int
            let itemEncoding = header.unknownVR ? Encoding.implicitLittle : encoding
            if header.length == Self.undefinedLength {
                if header.tag == .pixelData {
                    let (list, next) = try readFragments(from: valueStart, to: end, encoding: encoding)
                    fragments = list
                    valueEnd = next
                } else if header.vr == .SQ || header.vr == .UN || header.unknownVR {
                    (items, valueEnd) = try readSequence(
                        from: valueStart, to: end, undefined: true, encoding: itemEncoding, depth: depth + 1, charset: charset, tag: header.tag)
                } else {
                    throw DICOMError(.malformed, at: offset, "element \(header.tag.named) (VR \(header.vr)) has an undefined length, which only sequences and pixel data may have")
                }
            } else {
                let length = Int(header.length)
                guard length <= end - valueStart else {
                    throw DICOMError(.truncated, at: offset, "element \(header.tag.named) declares \(length) bytes but only \(end - valueStart) remain\(untilDelimiter || depth > 0 ? " in its item" : "")")
                }
                valueEnd = valueStart + length
                if header.vr == .SQ {
                    (items, _) = try readSequence(
                        from: valueStart, to: valueEnd, undefined: false, encoding: itemEncoding, depth: depth + 1, charset: charset, tag: header.tag)
                }
            }
            if header.tag == .specificCharacterSet {
                charset = DICOMCharacterSet(specificCharacterSet: String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self))
            }
            elements.append(DICOMElement(tag: header.tag, vr: header.vr, value: valueStart..<valueEnd, items: items, fragments: fragments))
            previous = header.tag
            offset = valueEnd
        }
        if untilDelimiter {
            throw DICOMError(.truncated, at: start, "an item of undefined length has no item delimiter (FFFE,E00D) before the end")
        }
        return (elements, offset)
    }

    private mutating func readSequence(
        from start: Int, to end: Int, undefined: Bool, encoding: Encoding, depth: Int, charset: DICOMCharacterSet, tag: DICOMTag
    ) throws(DICOMError) -> ([DICOMDataset], Int) {
        guard depth <= limits.maxSequenceDepth else {
            throw DICOMError(.limitExceeded, at: start, "sequence \(tag.named) is nested more than \(limits.maxSequenceDepth) levels deep")
        }
        var offset = start
        var items: [DICOMDataset] = []
        while true {
            if offset >= end {
                if undefined {
                    throw DICOMError(.truncated, at: start, "sequence \(tag.named) of undefined length has no sequence delimiter (FFFE,E0DD) before the end")
                }
                return (items, offset)
            }
            guard end - offset >= 8 else {
                throw DICOMError(.truncated, at: offset, "sequence \(tag.named): an item header needs 8 bytes, \(end - offset) remain")
            }
            let itemTag = DICOMTag(read16(offset, bigEndian: encoding.bigEndian), read16(offset + 2, bigEndian: encoding.bigEndian))
            let length = read32(offset + 4, bigEndian: encoding.bigEndian)
            if itemTag == .sequenceDelimitation {
                if undefined { return (items, offset + 8) }
                offset += 8
                continue
            }
            if itemTag == .itemDelimitation {
                offset += 8
                continue
            }
            guard itemTag == .item else {
                throw DICOMError(.malformed, at: offset, "sequence \(tag.named) holds \(itemTag) where an item (FFFE,E000) must be")
            }
            try count(at: offset)
            let elements: [DICOMElement]
            if length == Self.undefinedLength {
                (elements, offset) = try readElements(
                    from: offset + 8, to: end, encoding: encoding, depth: depth, charset: charset, onlyGroup: nil, untilDelimiter: true)
            } else {
                guard Int(length) <= end - offset - 8 else {
                    throw DICOMError(.truncated, at: offset, "an item of sequence \(tag.named) declares \(length) bytes but only \(end - offset - 8) remain")
                }
                let itemEnd = offset + 8 + Int(length)
                (elements, _) = try readElements(
                    from: offset + 8, to: itemEnd, encoding: encoding, depth: depth, charset: charset, onlyGroup: nil)
                offset = itemEnd
            }
            items.append(DICOMDataset(bytes: bytes, bigEndian: encoding.bigEndian, elements: elements, inherited: charset))
        }
    }

    /// Encapsulated pixel data: items (the basic offset table, then fragments) up to a sequence delimiter.
    private mutating func readFragments(from start: Int, to end: Int, encoding: Encoding) throws(DICOMError) -> ([Range<Int>], Int) {
        var offset = start
        var fragments: [Range<Int>] = []
        while true {
            guard end - offset >= 8 else {
                throw DICOMError(.truncated, at: offset, "encapsulated pixel data ends without a sequence delimiter (FFFE,E0DD)")
            }
            let tag = DICOMTag(read16(offset, bigEndian: encoding.bigEndian), read16(offset + 2, bigEndian: encoding.bigEndian))
            let length = read32(offset + 4, bigEndian: encoding.bigEndian)
            if tag == .sequenceDelimitation { return (fragments, offset + 8) }
            guard tag == .item else {
                throw DICOMError(.malformed, at: offset, "encapsulated pixel data holds \(tag) where a fragment item (FFFE,E000) must be")
            }
            guard length != Self.undefinedLength, Int(length) <= end - offset - 8 else {
                throw DICOMError(.truncated, at: offset, "a pixel data fragment declares \(length) bytes but only \(end - offset - 8) remain")
            }
            try count(at: offset)
            fragments.append(offset + 8..<offset + 8 + Int(length))
            offset += 8 + Int(length)
        }
    }

    private func readHeader(at offset: Int, end: Int, encoding: Encoding) throws(DICOMError) -> Header {
        guard end - offset >= 8 else {
            throw DICOMError(.truncated, at: offset, "an element header needs 8 bytes, \(end - offset) remain")
        }
        let big = encoding.bigEndian
        let tag = DICOMTag(read16(offset, bigEndian: big), read16(offset + 2, bigEndian: big))
        if tag.group == 0xFFFE {
            return Header(tag: tag, vr: .UN, length: read32(offset + 4, bigEndian: big), size: 8, unknownVR: true)
        }
        // Bytes 4–5 that are not a VR mean the element was written implicitly, whatever the syntax says.
        if encoding.explicitVR, let written = ValueRepresentation(first: bytes[offset + 4], second: bytes[offset + 5]) {
            let dictionaryVR = written == .UN ? DICOMDictionary.entry(tag)?.vr : nil
            if written.hasLongLength {
                guard end - offset >= 12 else {
                    throw DICOMError(.truncated, at: offset, "element \(tag.named) (VR \(written)) needs a 12-byte header, \(end - offset) bytes remain")
                }
                return Header(tag: tag, vr: dictionaryVR ?? written, length: read32(offset + 8, bigEndian: big), size: 12, unknownVR: written == .UN)
            }
            return Header(tag: tag, vr: written, length: UInt32(read16(offset + 6, bigEndian: big)), size: 8, unknownVR: false)
        }
        let vr = DICOMDictionary.entry(tag)?.vr ?? .UN
        return Header(tag: tag, vr: vr, length: read32(offset + 4, bigEndian: big), size: 8, unknownVR: vr == .UN || !encoding.explicitVR)
    }

    private mutating func count(at offset: Int) throws(DICOMError) {
        elementCount += 1
        if elementCount > limits.maxElements {
            throw DICOMError(.limitExceeded, at: offset, "more than \(limits.maxElements) elements, items and fragments in one file")
        }
    }

    private func read16(_ offset: Int, bigEndian: Bool) -> UInt16 {
        bigEndian ? UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) : UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private func read32(_ offset: Int, bigEndian: Bool) -> UInt32 {
        let b0 = UInt32(bytes[offset]), b1 = UInt32(bytes[offset + 1]), b2 = UInt32(bytes[offset + 2]), b3 = UInt32(bytes[offset + 3])
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b0 | b1 << 8 | b2 << 16 | b3 << 24
    }
}
