import Foundation

/// One element of a data set: where its value lies in the file's bytes, or its items for a sequence.
public struct DICOMElement: Sendable {
    public let tag: DICOMTag
    /// The VR as written; for implicit-VR files and explicit `UN`, the dictionary's VR when it has one.
    public let vr: ValueRepresentation
    /// The value's byte range in the data set's bytes (for a sequence, its items' extent).
    public let value: Range<Int>
    /// The items of a sequence (empty otherwise).
    public let items: [DICOMDataset]
    /// The fragments of encapsulated pixel data, the basic offset table first; nil for native values.
    public let fragments: [Range<Int>]?
}

/// A parsed data set: its elements in ascending tag order, values still bytes until asked for.
///
/// Nested items share the file's byte buffer; nothing is copied while parsing.
public struct DICOMDataset: Sendable {
    public let bytes: [UInt8]
    public let bigEndian: Bool
    public let elements: [DICOMElement]
    /// The character set names are decoded with: the data set's own (0008,0005), else its parent's.
    public let characterSet: DICOMCharacterSet

    init(bytes: [UInt8], bigEndian: Bool, elements: [DICOMElement], inherited: DICOMCharacterSet) {
        self.bytes = bytes
        self.bigEndian = bigEndian
        self.elements = elements
        var characterSet = inherited
        if let index = Self.index(of: .specificCharacterSet, in: elements) {
            let raw = bytes[elements[index].value]
            characterSet = DICOMCharacterSet(specificCharacterSet: String(decoding: raw, as: UTF8.self))
        }
        self.characterSet = characterSet
    }

    public func element(_ tag: DICOMTag) -> DICOMElement? {
        Self.index(of: tag, in: elements).map { elements[$0] }
    }

    public func contains(_ tag: DICOMTag) -> Bool { element(tag) != nil }

    /// Binary search: elements are in ascending order (the parser enforces it).
    private static func index(of tag: DICOMTag, in elements: [DICOMElement]) -> Int? {
        var low = 0
        var high = elements.count
        while low < high {
            let middle = (low + high) / 2
            if elements[middle].tag < tag { low = middle + 1 } else { high = middle }
        }
        return low < elements.count && elements[low].tag == tag ? low : nil
    }

    public func rawValue(_ tag: DICOMTag) -> ArraySlice<UInt8>? {
        element(tag).map { bytes[$0.value] }
    }

    // MARK: - Text

    /// The whole value as text, leading and trailing spaces and NULs removed; nil if absent or empty.
    /// Person names and other free text are decoded in the data set's character set.
    public func string(_ tag: DICOMTag) -> String? {
        guard let element = element(tag), element.items.isEmpty, element.fragments == nil else { return nil }
        var raw = Self.trimmed(bytes[element.value])
        // A person name's trailing "=" only opens an empty component group.
        if element.vr == .PN { while raw.last == UInt8(ascii: "=") { raw = Self.trimmed(raw.dropLast()) } }
        guard !raw.isEmpty else { return nil }
        return Self.textVRs.contains(element.vr) ? characterSet.decode(raw) : String(decoding: raw, as: UTF8.self)
    }

    /// A multi-valued text attribute split at backslashes, each value trimmed.
    public func strings(_ tag: DICOMTag) -> [String]? {
        guard let text = string(tag) else { return nil }
        return text.split(separator: "\\", omittingEmptySubsequences: false).map {
            String(decoding: Self.trimmed(ArraySlice($0.utf8)), as: UTF8.self)
        }
    }

    /// Without leading and trailing spaces and NULs, the padding DICOM values carry (bytes, before
    /// decoding: both are single bytes in every character set DICOM allows).
    private static func trimmed(_ raw: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = raw
        while let first = slice.first, first == 0x20 || first == 0 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0 { slice = slice.dropLast() }
        return slice
    }

    /// The first value of a decimal string (DS) or integer string (IS), or of a binary number.
    public func double(_ tag: DICOMTag) -> Double? {
        doubles(tag)?.first
    }

    /// Every value of a numeric attribute; nil when absent, empty, or any value is not a number.
    public func doubles(_ tag: DICOMTag) -> [Double]? {
        guard let element = element(tag) else { return nil }
        if let binary = binaryNumbers(element) { return binary.isEmpty ? nil : binary }
        guard element.items.isEmpty, element.fragments == nil else { return nil }
        // Decimal and integer strings are ASCII: split and read on the bytes, without decoding text.
        let raw = Self.trimmed(bytes[element.value])
        guard !raw.isEmpty else { return nil }
        var numbers: [Double] = []
        for value in raw.split(separator: UInt8(ascii: "\\"), omittingEmptySubsequences: false) {
            guard let number = Double(String(decoding: Self.trimmed(value), as: UTF8.self)), number.isFinite else { return nil }
            numbers.append(number)
        }
        return numbers
    }

    /// The first value of an integer attribute (US, UL, SS, SL binary; IS text).
    public func integer(_ tag: DICOMTag) -> Int? {
        guard let value = double(tag), value == value.rounded(), abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// The items of a sequence attribute (empty when absent or not a sequence).
    public func items(_ tag: DICOMTag) -> [DICOMDataset] {
        element(tag)?.items ?? []
    }

    /// Binary numeric values by VR, in the data set's byte order; nil for text VRs.
    private func binaryNumbers(_ element: DICOMElement) -> [Double]? {
        let size: Int
        switch element.vr {
        case .US, .SS: size = 2
        case .UL, .SL, .FL: size = 4
        case .FD: size = 8
        default: return nil
        }
        let range = element.value
        var values: [Double] = []
        values.reserveCapacity(range.count / size)
        var offset = range.lowerBound
        while offset + size <= range.upperBound {
            var raw: UInt64 = 0
            for index in 0..<size {
                let byte = UInt64(bytes[offset + (bigEndian ? size - 1 - index : index)])
                raw |= byte << (8 * UInt64(index))
            }
            switch element.vr {
            case .US, .UL: values.append(Double(raw))
            case .SS: values.append(Double(Int16(truncatingIfNeeded: raw)))
            case .SL: values.append(Double(Int32(truncatingIfNeeded: raw)))
            case .FL: values.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))))
            default: values.append(Double(bitPattern: raw))
            }
            offset += size
        }
        return values
    }

    private static let textVRs: Set<ValueRepresentation> = [.PN, .LO, .SH, .LT, .ST, .UT, .UC]
}
