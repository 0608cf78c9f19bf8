/// The Image Pixel module of a data set (PS3.3 C.7.6.3), validated.
public struct PixelFormat: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let samplesPerPixel: Int
    public let bitsAllocated: Int
    public let bitsStored: Int
    /// PixelRepresentation 1: two's-complement samples.
    public let isSigned: Bool
    /// PlanarConfiguration 1: each sample's plane in turn (colour only).
    public let isPlanar: Bool
    public let frames: Int
    public let photometricInterpretation: String

    public var bytesPerSample: Int { bitsAllocated / 8 }
    public var samplesPerFrame: Int { rows * columns * samplesPerPixel }
    public var bytesPerFrame: Int { samplesPerFrame * bytesPerSample }

    /// Grayscale 16-bit unsigned samples with every bit stored, on a little-endian machine: a frame's
    /// stored bytes are its `UInt16` samples as they are (read or copied straight into them).
    public var samplesAreStoredBytes: Bool {
        samplesPerPixel == 1 && bitsAllocated == 16 && bitsStored == 16 && !isSigned && 1.littleEndian == 1
    }

    /// A frame radtriage can read as a slice: grayscale, 8 or 16 bits, one the file has.
    func checkGrayscale(frame: Int) throws(DICOMError) {
        guard samplesPerPixel == 1 else {
            throw DICOMError(.unsupported, "SamplesPerPixel (0028,0002) = \(samplesPerPixel), PhotometricInterpretation \(photometricInterpretation): a slice must be grayscale")
        }
        guard bitsAllocated <= 16 else {
            throw DICOMError(.unsupported, "BitsAllocated (0028,0100) = \(bitsAllocated): slices are read as 8- or 16-bit samples")
        }
        guard (0..<frames).contains(frame) else {
            throw DICOMError(.malformed, "frame \(frame) asked for, NumberOfFrames (0028,0008) = \(frames)")
        }
    }

    /// Reads and checks the module; every refusal names the attribute and its value.
    public init(_ dataset: DICOMDataset, limits: PixelLimits = .standard) throws(DICOMError) {
        func required(_ tag: DICOMTag) throws(DICOMError) -> Int {
            guard let value = dataset.integer(tag) else {
                throw DICOMError(.malformed, "\(tag.named) is missing or not a number: the pixels cannot be laid out")
            }
            return value
        }
        rows = try required(.rows)
        columns = try required(.columns)
        bitsAllocated = try required(.bitsAllocated)
        samplesPerPixel = dataset.integer(.samplesPerPixel) ?? 1
        bitsStored = dataset.integer(.bitsStored) ?? bitsAllocated
        isSigned = dataset.integer(.pixelRepresentation) == 1
        isPlanar = dataset.integer(.planarConfiguration) == 1
        frames = dataset.integer(.numberOfFrames) ?? 1
        photometricInterpretation = dataset.string(.photometricInterpretation) ?? "MONOCHROME2"
        guard rows > 0, columns > 0, rows <= limits.maxSide, columns <= limits.maxSide, rows * columns <= limits.maxPixelsPerFrame else {
            throw DICOMError(.limitExceeded, "Rows × Columns = \(rows) × \(columns) is outside 1…\(limits.maxSide) per side and \(limits.maxPixelsPerFrame) pixels")
        }
        guard [8, 16, 32].contains(bitsAllocated) else {
            throw DICOMError(.unsupported, "BitsAllocated (0028,0100) = \(bitsAllocated): only 8, 16 and 32 are decoded")
        }
        guard (1...bitsAllocated).contains(bitsStored) else {
            throw DICOMError(.malformed, "BitsStored (0028,0101) = \(bitsStored) is outside 1…BitsAllocated (\(bitsAllocated))")
        }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else {
            throw DICOMError(.unsupported, "SamplesPerPixel (0028,0002) = \(samplesPerPixel): only 1 or 3 are decoded")
        }
        guard frames >= 1, frames <= limits.maxFrames else {
            throw DICOMError(.limitExceeded, "NumberOfFrames (0028,0008) = \(frames) is outside 1…\(limits.maxFrames)")
        }
        guard frames * bytesPerFrame <= limits.maxDecodedBytes else {
            throw DICOMError(.limitExceeded, "the pixels would take \(frames * bytesPerFrame) bytes, above the \(limits.maxDecodedBytes)-byte limit")
        }
        if photometricInterpretation.hasPrefix("YBR") && photometricInterpretation.hasSuffix("422") {
            throw DICOMError(.unsupported, "PhotometricInterpretation (0028,0004) = \(photometricInterpretation): subsampled colour is not decoded")
        }
    }
}

/// Bounds on what a file may ask to be allocated for its pixels.
public struct PixelLimits: Sendable, Equatable {
    public var maxSide = 16384
    public var maxPixelsPerFrame = 8192 * 8192
    public var maxFrames = 100_000
    public var maxDecodedBytes = 1 << 30

    public init() {}

    public static let standard = PixelLimits()
}
