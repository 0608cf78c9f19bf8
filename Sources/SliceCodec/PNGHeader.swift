/// The facts of a PNG's IHDR chunk that decide whether radtriage can read it.
public struct PNGHeader: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let bitDepth: Int
    public let colorType: PNGColorType
    public let interlaced: Bool
}

/// PNG colour types (PNG specification, table 11.1), named as a reader would say them.
public enum PNGColorType: Sendable, Equatable, CustomStringConvertible {
    case gray, rgb, palette, grayAlpha, rgba
    case unknown(Int)

    init(code: Int32) {
        switch code {
        case 0: self = .gray
        case 2: self = .rgb
        case 3: self = .palette
        case 4: self = .grayAlpha
        case 6: self = .rgba
        default: self = .unknown(Int(code))
        }
    }

    public var description: String {
        switch self {
        case .gray: "grayscale"
        case .rgb: "RGB"
        case .palette: "palette"
        case .grayAlpha: "grayscale+alpha"
        case .rgba: "RGBA"
        case .unknown(let code): "unknown (\(code))"
        }
    }
}

/// Limits that a hostile or broken header cannot get past: checked before any pixel buffer exists.
public struct DecodingLimits: Sendable, Equatable {
    public var maxWidth: Int
    public var maxHeight: Int
    public var maxPixels: Int
    /// Largest ancillary chunk accepted, also the bound on decompressed iCCP/zTXt data (a zip bomb in a
    /// chunk); 8 MiB is far above any real ICC profile (typically under 1 MiB) or text.
    public var maxAncillaryChunkBytes: Int
    /// Most ancillary chunks accepted in one file.
    public var maxAncillaryChunkCount: Int

    public init(
        maxWidth: Int = 8192, maxHeight: Int = 8192, maxPixels: Int = 8192 * 8192,
        maxAncillaryChunkBytes: Int = 8 << 20, maxAncillaryChunkCount: Int = 1000
    ) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxPixels = maxPixels
        self.maxAncillaryChunkBytes = maxAncillaryChunkBytes
        self.maxAncillaryChunkCount = maxAncillaryChunkCount
    }

    public static let standard = DecodingLimits()
}
