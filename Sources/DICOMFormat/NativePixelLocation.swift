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
}
