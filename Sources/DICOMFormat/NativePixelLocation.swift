/// Where a native little-endian file's pixels are, as a header-only parse found them, with the
/// layout they were checked against: enough to decode the slice later without parsing its header
/// again (discovery reads every header once; the slice decode then only reads the pixels).
public struct NativePixelLocation: Sendable, Equatable {
    public let format: PixelFormat
    /// The offset of the top-level PixelData element's header in the file.
    public let elementOffset: Int
    /// Native little endian, implicit or explicit VR (the element header's form).
    public let transferSyntax: TransferSyntax
    /// The file's size when its header was read: a file of another size has changed since.
    public let fileSize: Int

    /// The most bytes a PixelData element header takes (explicit VR with a 4-byte length).
    public static let elementHeaderBytes = 12

    /// nil when the pixels are not simply at an offset of the file (deflated, big endian, RLE or
    /// compressed, PixelData not reached) or their layout does not check: a full parse decodes those,
    /// and names what is wrong.
    public init?(_ file: DICOMFile, fileSize: Int, limits: PixelLimits = .standard) {
        let syntax = file.transferSyntax
        guard syntax.pixels == .native, !syntax.bigEndian, !syntax.deflated, let offset = file.pixelDataOffset,
              let format = try? PixelFormat(file.dataset, limits: limits) else { return nil }
        self.format = format
        elementOffset = offset
        transferSyntax = syntax
        self.fileSize = fileSize
    }

    /// Where grayscale frame `frame`'s bytes are in the file, from `header`: the file's bytes at
    /// `elementOffset`, `elementHeaderBytes` of them or up to its end. nil when they no longer start a
    /// PixelData element (the file changed since its header was read: parse it whole); an error, as the
    /// whole parse would give it, when the element is truncated or shorter than the frames need.
    public func frameRange(_ frame: Int, header: ArraySlice<UInt8>) throws(DICOMError) -> Range<Int>? {
        let h = header.startIndex
        guard header.count >= 8, header[h] == 0xE0, header[h + 1] == 0x7F, header[h + 2] == 0x10, header[h + 3] == 0x00 else { return nil }
        func word(_ at: Int) -> UInt32 {
            UInt32(header[h + at]) | UInt32(header[h + at + 1]) << 8 | UInt32(header[h + at + 2]) << 16 | UInt32(header[h + at + 3]) << 24
        }
        // The element header as the parser reads it: bytes 4–5 that are not a VR mean implicit VR.
        let length: UInt32
        let headerSize: Int
        if transferSyntax.explicitVR, let vr = ValueRepresentation(first: header[h + 4], second: header[h + 5]) {
            if vr.hasLongLength {
                guard header.count >= 12 else { return nil }
                (length, headerSize) = (word(8), 12)
            } else {
                (length, headerSize) = (UInt32(header[h + 6]) | UInt32(header[h + 7]) << 8, 8)
            }
        } else {
            (length, headerSize) = (word(4), 8)
        }
        guard length != 0xFFFF_FFFF else { throw DICOMPixelDecoder.encapsulatedButNative(transferSyntax) }
        let valueStart = elementOffset + headerSize
        guard Int(length) <= fileSize - valueStart else {
            throw DICOMError(.truncated, at: elementOffset, "element \(DICOMTag.pixelData.named) declares \(length) bytes but only \(fileSize - valueStart) remain")
        }
        try format.checkGrayscale(frame: frame)
        return try DICOMPixelDecoder.frameRange(frame, format: format, value: valueStart..<valueStart + Int(length))
    }
}
