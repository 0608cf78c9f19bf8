import CPNGShim
import TriageCore

/// Writes grayscale slices (and thumbnails) as PNG through libpng.
public struct PNGSliceEncoder: Sendable {
    /// Which PNG row filters libpng may choose from. Fewer filters encode faster; `adaptive` lets
    /// libpng pick per row (smallest files, slowest).
    public enum Filters: Sendable {
        case adaptive, none, sub, up

        var mask: Int32 {
            switch self {
            case .adaptive: pngshim_filter_all()
            case .none: pngshim_filter_none()
            case .sub: pngshim_filter_sub()
            case .up: pngshim_filter_up()
            }
        }
    }

    public struct EncodingError: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { "PNG encoding failed: \(reason)" }
    }

    /// zlib level 0...9.
    public var compressionLevel: Int
    public var filters: Filters
    /// zlib's Huffman-only strategy: no string matching, several times faster to encode; on noisy
    /// 16-bit slices the files are barely larger.
    public var huffmanOnly: Bool

    public init(compressionLevel: Int = 6, filters: Filters = .adaptive, huffmanOnly: Bool = false) {
        self.compressionLevel = min(max(compressionLevel, 0), 9)
        self.filters = filters
        self.huffmanOnly = huffmanOnly
    }

    /// An 8-bit PNG when `image.bitDepth` ≤ 8 (samples must then be ≤ 255), otherwise 16-bit.
    public func encode(_ image: SliceImage) throws(EncodingError) -> [UInt8] {
        let bitDepth: Int32 = image.bitDepth <= 8 ? 8 : 16
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = MessageBuffer()
        let status = image.samples.withUnsafeBufferPointer { samples in
            message.withCString { text, length in
                pngshim_encode_gray(
                    samples.baseAddress, UInt32(image.width), UInt32(image.height), bitDepth, Int32(compressionLevel),
                    filters.mask, huffmanOnly ? 1 : 0, &output, &size, text, length)
            }
        }
        defer { pngshim_free(output) }
        guard status == PNGSHIM_OK, let output else { throw EncodingError(reason: message.text) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
