/// One decoded image slice: the stored values exactly as the file holds them, before any rescale.
///
/// Samples are row-major, `width` values per row, widened to `UInt16` whatever the file's bit depth
/// (an 8-bit slice keeps its 0...255 values; nothing is scaled up).
public struct SliceImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Bits per sample in the file (1, 2, 4, 8 or 16).
    public let bitDepth: Int
    public var samples: [UInt16]

    public init(width: Int, height: Int, bitDepth: Int = 16, samples: [UInt16]) {
        precondition(width > 0 && height > 0, "slice dimensions must be positive")
        precondition(samples.count == width * height, "sample count must equal width × height")
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// The stored value at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> UInt16 {
        samples[y * width + x]
    }
}
