import Foundation

/// Builds a DICOM Part 10 file in Explicit VR Little Endian with defined lengths: the preamble, the
/// file meta group, then the data set in ascending tag order. Text is written as given (UTF-8, which
/// is ASCII for the values radtriage writes) and padded to even length as PS3.5 §6.2 requires.
public struct DICOMWriter: Sendable {
    private var elements: [DICOMTag: (vr: ValueRepresentation, value: [UInt8])] = [:]

    public init() {}

    /// A text value (several values joined with backslashes); UIDs pad with NUL, other text with a space.
    public mutating func set(_ tag: DICOMTag, _ vr: ValueRepresentation, _ values: String...) {
        set(tag, vr, values: values)
    }

    public mutating func set(_ tag: DICOMTag, _ vr: ValueRepresentation, values: [String]) {
        var bytes = Array(values.joined(separator: "\\").utf8)
        if bytes.count % 2 == 1 { bytes.append(vr == .UI ? 0 : 0x20) }
        elements[tag] = (vr, bytes)
    }

    /// Decimal strings, at most 16 characters each (the DS limit).
    public mutating func set(_ tag: DICOMTag, decimals: [Double]) {
        set(tag, .DS, values: decimals.map(Self.decimalString))
    }

    public mutating func set(_ tag: DICOMTag, unsignedShorts values: [UInt16]) {
        elements[tag] = (.US, values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    }

    public mutating func set(_ tag: DICOMTag, items: [DICOMWriter]) {
        var bytes: [UInt8] = []
        for item in items {
            let body = item.encodedElements()
            bytes += Self.header(.item, length: body.count) + body
        }
        elements[tag] = (.SQ, bytes)
    }

    /// 16-bit native pixel data (OW).
    public mutating func setPixels(_ samples: [UInt16]) {
        var bytes = [UInt8](repeating: 0, count: samples.count * 2)
        for (index, sample) in samples.enumerated() {
            bytes[2 * index] = UInt8(sample & 0xFF)
            bytes[2 * index + 1] = UInt8(sample >> 8)
        }
        elements[.pixelData] = (.OW, bytes)
    }

    /// Any value as raw bytes (padded to even length with a zero byte).
    public mutating func set(_ tag: DICOMTag, _ vr: ValueRepresentation, raw: [UInt8]) {
        elements[tag] = (vr, raw.count % 2 == 1 ? raw + [0] : raw)
    }

    /// The whole file: 128-byte preamble, "DICM", the meta group, the data set.
    public func fileBytes(sopClassUID: String, sopInstanceUID: String, implementationClassUID: String) -> [UInt8] {
        var meta = DICOMWriter()
        meta.set(DICOMTag(0x0002, 0x0001), .OB, raw: [0, 1])
        meta.set(.mediaStorageSOPClassUID, .UI, sopClassUID)
        meta.set(DICOMTag(0x0002, 0x0003), .UI, sopInstanceUID)
        meta.set(.transferSyntaxUID, .UI, TransferSyntax.explicitLittle.uid)
        meta.set(DICOMTag(0x0002, 0x0012), .UI, implementationClassUID)
        meta.set(DICOMTag(0x0002, 0x0013), .SH, "RADTRIAGE")
        let metaBody = meta.encodedElements()
        var groupLength = DICOMWriter()
        groupLength.elements[DICOMTag(0x0002, 0x0000)] = (.UL, Self.littleEndian32(metaBody.count))
        return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + groupLength.encodedElements() + metaBody + encodedElements()
    }

    /// The elements in ascending tag order, explicit VR little endian.
    public func encodedElements() -> [UInt8] {
        var bytes: [UInt8] = []
        for tag in elements.keys.sorted() {
            let (vr, value) = elements[tag]!
            bytes += Self.littleEndian16(tag.group) + Self.littleEndian16(tag.element)
            bytes += [UInt8(vr.code >> 8), UInt8(vr.code & 0xFF)]
            if vr.hasLongLength {
                bytes += [0, 0] + Self.littleEndian32(value.count)
            } else {
                bytes += Self.littleEndian16(UInt16(value.count))
            }
            bytes += value
        }
        return bytes
    }

    static func header(_ tag: DICOMTag, length: Int) -> [UInt8] {
        littleEndian16(tag.group) + littleEndian16(tag.element) + littleEndian32(length)
    }

    static func littleEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    static func littleEndian32(_ value: Int) -> [UInt8] {
        let raw = UInt32(truncatingIfNeeded: value)
        return [UInt8(raw & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw >> 16 & 0xFF), UInt8(raw >> 24)]
    }

    /// The shortest decimal text of at most 16 characters that reads back as close as DS allows.
    static func decimalString(_ value: Double) -> String {
        for digits in stride(from: 15, through: 1, by: -1) {
            let text = formatted(value, significantDigits: digits)
            if text.count <= 16 { return text }
        }
        return "0"
    }

    private static func formatted(_ value: Double, significantDigits: Int) -> String {
        var text = String(value)
        if text.count > 16 || text.contains("e") {
            text = String(Double(String(format: "%.\(significantDigits)g", value)) ?? value)
            if text.count > 16 { text = String(format: "%.\(significantDigits)g", value) }
        }
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
