/// Why a slice file could not be decoded. Every message names the file and the reason, so that a
/// failed study on the worklist tells IT staff exactly which file to look at.
public enum SliceDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case emptyFile(file: String)
    case notPNG(file: String)
    /// Colour, palette or alpha: radtriage reads single-channel grayscale only.
    case unsupportedColorType(file: String, colorType: PNGColorType, bitDepth: Int)
    /// The declared dimensions exceed the decoder's limits; refused before any allocation.
    case tooLarge(file: String, width: Int, height: Int, limits: DecodingLimits)
    /// libpng found damage: CRC or Adler-32 mismatch, truncation, invalid zlib data, an oversized chunk.
    case corrupt(file: String, reason: String)

    public var file: String {
        switch self {
        case .unreadable(let file, _), .emptyFile(let file), .notPNG(let file), .unsupportedColorType(let file, _, _),
             .tooLarge(let file, _, _, _), .corrupt(let file, _):
            file
        }
    }

    /// The reason without the file name, for reports that show the file in a column of its own.
    public var reason: String {
        switch self {
        case .unreadable(_, let reason):
            "cannot read the file: \(reason)"
        case .emptyFile:
            "the file is empty"
        case .notPNG:
            "not a PNG file (the PNG signature is missing)"
        case .unsupportedColorType(_, let colorType, let bitDepth):
            "colour type \(colorType) (\(bitDepth)-bit) is not supported: slices must be single-channel grayscale"
        case .tooLarge(_, let width, let height, let limits):
            "declared size \(width) × \(height) exceeds the limit of \(limits.maxWidth) × \(limits.maxHeight) (\(limits.maxPixels) pixels)"
        case .corrupt(_, let reason):
            "damaged PNG: \(reason)"
        }
    }

    public var description: String { "\(file): \(reason)" }
}
