/// One grayscale frame widened to 16 bits, with the offset that gives back the stored value.
public struct GrayscaleFrame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Signed samples are stored shifted by +32768 so they fit `UInt16`; the true stored value is
    /// `sample + storedValueOffset` (−32768 for signed pixels, 0 for unsigned).
    public let storedValueOffset: Int

    public init(width: Int, height: Int, storedValueOffset: Int) {
        self.width = width
        self.height = height
        self.storedValueOffset = storedValueOffset
    }
}

/// Decodes native (little and big endian) and RLE Lossless pixel data; other encapsulated syntaxes
/// are refused naming the transfer syntax. Reads only within the pixel element's checked range.
public struct DICOMPixelDecoder: Sendable {
    public var limits: PixelLimits

    public init(limits: PixelLimits = .standard) {
        self.limits = limits
    }

    /// Every frame as little-endian samples, pixel-interleaved, the bits above BitsStored cleared or
    /// sign-extended: the layout and values of pydicom's `pixel_array`.
    public func allFrames(of file: DICOMFile) throws(DICOMError) -> (format: PixelFormat, bytes: [UInt8]) {
        try checkDecodable(file)
        let format = try PixelFormat(file.dataset, limits: limits)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(format.frames * format.bytesPerFrame)
        for frame in 0..<format.frames {
            var data = try littleEndianFrame(frame, of: file, format: format)
            if format.isPlanar && format.samplesPerPixel > 1 { data = Self.interleave(data, format: format) }
            if format.bitsStored < format.bitsAllocated { Self.correctUnusedBits(&data, format: format) }
            bytes += data
        }
        return (format, bytes)
    }

    /// One grayscale frame as 16-bit samples in `samples` (resized, storage reused). Unsigned samples
    /// keep only their BitsStored bits; signed ones are sign-extended and shifted (see `GrayscaleFrame`).
    @discardableResult
    public func grayscaleFrame(_ frame: Int, of file: DICOMFile, into samples: inout [UInt16]) throws(DICOMError) -> GrayscaleFrame {
        try checkDecodable(file)
        let format = try PixelFormat(file.dataset, limits: limits)
        try format.checkGrayscale(frame: frame)
        if file.transferSyntax.pixels == .native, !file.transferSyntax.bigEndian {
            let element = try pixelElement(of: file)
            guard element.fragments == nil else { throw Self.encapsulatedButNative(file.transferSyntax) }
            return try Self.grayscale(frame, format: format, value: element.value, of: file.dataset.bytes, into: &samples)
        }
        let data = try littleEndianFrame(frame, of: file, format: format)
        let count = format.rows * format.columns
        if samples.count != count { samples = [UInt16](repeating: 0, count: count) }
        Self.widen(data[...], format: format, into: &samples)
        return GrayscaleFrame(width: format.columns, height: format.rows, storedValueOffset: format.isSigned ? -32768 : 0)
    }

    /// The same frame from the file's bytes and the location its header-only parse found, without
    /// parsing the header again. nil when `bytes` no longer hold the PixelData element there (the file
    /// changed since its header was read): parse it whole then.
    @discardableResult
    public func grayscaleFrame(
        _ frame: Int, at location: NativePixelLocation, in bytes: [UInt8], into samples: inout [UInt16]
    ) throws(DICOMError) -> GrayscaleFrame? {
        let offset = location.elementOffset
        guard bytes.count == location.fileSize, offset >= 0, offset < bytes.count,
              let range = try location.frameRange(frame, header: bytes[offset..<min(bytes.count, offset + NativePixelLocation.elementHeaderBytes)])
        else { return nil }
        return Self.grayscale(bytes[range], format: location.format, into: &samples)
    }

    /// Native little-endian pixels: the frame's bytes read in place from the element's value.
    private static func grayscale(
        _ frame: Int, format: PixelFormat, value: Range<Int>, of bytes: [UInt8], into samples: inout [UInt16]
    ) throws(DICOMError) -> GrayscaleFrame {
        grayscale(bytes[try frameRange(frame, format: format, value: value)], format: format, into: &samples)
    }

    /// One frame's little-endian stored bytes (checked to be the whole frame) as samples in `samples`.
    public static func grayscale(_ frameBytes: ArraySlice<UInt8>, format: PixelFormat, into samples: inout [UInt16]) -> GrayscaleFrame {
        let count = format.rows * format.columns
        if samples.count != count { samples = [UInt16](repeating: 0, count: count) }
        if format.samplesAreStoredBytes {
            // The common case: the stored bytes are the samples.
            samples.withUnsafeMutableBytes { target in
                frameBytes.withUnsafeBytes { source in target.copyMemory(from: source) }
            }
            return GrayscaleFrame(width: format.columns, height: format.rows, storedValueOffset: 0)
        }
        widen(frameBytes, format: format, into: &samples)
        return GrayscaleFrame(width: format.columns, height: format.rows, storedValueOffset: format.isSigned ? -32768 : 0)
    }

    // MARK: - Frames

    /// The transfer syntax is the first thing a refusal names: nothing else matters if it is not decoded.
    private func checkDecodable(_ file: DICOMFile) throws(DICOMError) {
        if file.transferSyntax.pixels == .compressed {
            throw DICOMError(.unsupported, "pixels in \(file.transferSyntax) are not decoded: only native and RLE Lossless pixel data are")
        }
    }

    private func pixelElement(of file: DICOMFile) throws(DICOMError) -> DICOMElement {
        guard let element = file.dataset.element(.pixelData) else {
            if file.dataset.contains(.floatPixelData) || file.dataset.contains(.doubleFloatPixelData) {
                throw DICOMError(.unsupported, "the image holds float pixel data (7FE0,0008/0009), which is not read")
            }
            throw DICOMError(.malformed, "no PixelData (7FE0,0010): the file holds no image")
        }
        return element
    }

    /// The byte range of native frame `frame`, after checking the element holds every frame.
    private func nativeRange(_ frame: Int, of file: DICOMFile, format: PixelFormat) throws(DICOMError) -> Range<Int> {
        let element = try pixelElement(of: file)
        guard element.fragments == nil else { throw Self.encapsulatedButNative(file.transferSyntax) }
        return try Self.frameRange(frame, format: format, value: element.value)
    }

    static func frameRange(_ frame: Int, format: PixelFormat, value: Range<Int>) throws(DICOMError) -> Range<Int> {
        let needed = format.frames * format.bytesPerFrame
        guard value.count >= needed else {
            throw DICOMError(.truncated, "PixelData (7FE0,0010) holds \(value.count) bytes; Rows × Columns × SamplesPerPixel × \(format.bytesPerSample) bytes × \(format.frames) frame(s) = \(format.rows) × \(format.columns) × \(format.samplesPerPixel) × \(format.bytesPerSample) × \(format.frames) needs \(needed)")
        }
        let start = value.lowerBound + frame * format.bytesPerFrame
        return start..<start + format.bytesPerFrame
    }

    static func encapsulatedButNative(_ syntax: TransferSyntax) -> DICOMError {
        DICOMError(.malformed, "PixelData (7FE0,0010) is encapsulated, but the transfer syntax \(syntax) is native")
    }

    private func littleEndianFrame(_ frame: Int, of file: DICOMFile, format: PixelFormat) throws(DICOMError) -> [UInt8] {
        switch file.transferSyntax.pixels {
        case .compressed:
            try checkDecodable(file)
            return []
        case .rle:
            return try rleFrame(frame, of: file, format: format)
        case .native:
            let range = try nativeRange(frame, of: file, format: format)
            guard file.transferSyntax.bigEndian else { return Array(file.dataset.bytes[range]) }
            // Swapped over the whole element: 8-bit OW words may straddle a frame's end.
            let element = try pixelElement(of: file)
            var data = Array(file.dataset.bytes[element.value])
            Self.swapToLittle(&data, of: file, format: format)
            let start = range.lowerBound - element.value.lowerBound
            return Array(data[start..<start + range.count])
        }
    }

    /// Big endian: swap each sample; 8-bit samples written as OW were swapped in 16-bit words.
    private static func swapToLittle(_ data: inout [UInt8], of file: DICOMFile, format: PixelFormat) {
        let vr = file.dataset.element(.pixelData)?.vr
        let width = format.bitsAllocated == 8 ? (vr == .OW ? 2 : 1) : format.bytesPerSample
        guard width > 1 else { return }
        var index = 0
        while index + width <= data.count {
            data[index..<index + width].reverse()
            index += width
        }
    }

    // MARK: - RLE Lossless (PS3.5 Annex G)

    private func rleFrame(_ frame: Int, of file: DICOMFile, format: PixelFormat) throws(DICOMError) -> [UInt8] {
        let element = try pixelElement(of: file)
        guard let fragments = element.fragments, fragments.count >= 2 else {
            throw DICOMError(.malformed, "RLE Lossless pixel data must be encapsulated with at least one fragment")
        }
        let bytes = file.dataset.bytes
        let data: ArraySlice<UInt8>
        if fragments.count - 1 == format.frames {
            data = bytes[fragments[frame + 1]]
        } else if format.frames == 1 {
            data = ArraySlice(fragments.dropFirst().flatMap { bytes[$0] })
        } else {
            throw DICOMError(.unsupported, "RLE pixel data with \(fragments.count - 1) fragments for \(format.frames) frames: one fragment per frame is read")
        }
        return try Self.decodeRLE(data, format: format, frame: frame)
    }

    static func decodeRLE(_ data: ArraySlice<UInt8>, format: PixelFormat, frame: Int) throws(DICOMError) -> [UInt8] {
        let base = data.startIndex
        guard data.count >= 64 else {
            throw DICOMError(.truncated, "RLE frame \(frame) is \(data.count) bytes, shorter than its 64-byte header")
        }
        func word(_ index: Int) -> Int {
            let at = base + 4 * index
            return Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
        }
        let segments = word(0)
        let expected = format.samplesPerPixel * format.bytesPerSample
        guard segments == expected else {
            throw DICOMError(.malformed, "RLE frame \(frame) has \(segments) segments; \(format.samplesPerPixel) sample(s) × \(format.bytesPerSample) byte(s) need \(expected)")
        }
        let pixels = format.rows * format.columns
        var output = [UInt8](repeating: 0, count: pixels * expected)
        for segment in 0..<segments {
            let start = word(1 + segment)
            let end = segment + 1 < segments ? word(2 + segment) : data.count
            guard start >= 64, start <= end, end <= data.count else {
                throw DICOMError(.malformed, "RLE frame \(frame): segment \(segment) runs from byte \(start) to \(end) of a \(data.count)-byte frame")
            }
            // Segments run sample by sample, most significant byte first; output is little-endian, interleaved.
            let sample = segment / format.bytesPerSample
            let significance = segment % format.bytesPerSample
            let first = sample * format.bytesPerSample + (format.bytesPerSample - 1 - significance)
            let produced = unpackBits(data[(base + start)..<(base + end)], into: &output, first: first, stride: expected, count: pixels)
            guard produced == pixels else {
                throw DICOMError(.truncated, "RLE frame \(frame): segment \(segment) decodes to \(produced) bytes; Rows × Columns = \(pixels)")
            }
        }
        return output
    }

    /// PackBits: n ≥ 0 copies n + 1 literal bytes, −127…−1 repeats the next byte 1 − n times, −128 is a no-op.
    /// Writes at most `count` bytes, `stride` apart from `first`; returns how many it wrote.
    private static func unpackBits(_ input: ArraySlice<UInt8>, into output: inout [UInt8], first: Int, stride: Int, count: Int) -> Int {
        var written = 0
        var index = input.startIndex
        while written < count && index < input.endIndex {
            let control = Int(Int8(bitPattern: input[index]))
            index += 1
            if control >= 0 {
                let run = min(control + 1, input.endIndex - index, count - written)
                for offset in 0..<run { output[first + (written + offset) * stride] = input[index + offset] }
                index += control + 1
                written += run
            } else if control != -128 {
                guard index < input.endIndex else { break }
                let value = input[index]
                index += 1
                let run = min(1 - control, count - written)
                for offset in 0..<run { output[first + (written + offset) * stride] = value }
                written += run
            }
        }
        return written
    }

    // MARK: - Sample layout

    private static func interleave(_ data: [UInt8], format: PixelFormat) -> [UInt8] {
        let pixels = format.rows * format.columns
        let size = format.bytesPerSample
        var output = [UInt8](repeating: 0, count: data.count)
        for sample in 0..<format.samplesPerPixel {
            for pixel in 0..<pixels {
                for byte in 0..<size {
                    output[(pixel * format.samplesPerPixel + sample) * size + byte] = data[(sample * pixels + pixel) * size + byte]
                }
            }
        }
        return output
    }

    /// Samples narrower than their container: the bits above BitsStored are not pixel data, so they are
    /// cleared (unsigned) or filled with the sign bit (two's complement).
    private static func correctUnusedBits(_ data: inout [UInt8], format: PixelFormat) {
        let size = format.bytesPerSample
        let shift = UInt64(64 - format.bitsStored)
        var index = 0
        while index + size <= data.count {
            var raw: UInt64 = 0
            for byte in 0..<size { raw |= UInt64(data[index + byte]) << (8 * UInt64(byte)) }
            let extended = format.isSigned ? UInt64(bitPattern: Int64(bitPattern: raw << shift) >> Int64(shift)) : (raw << shift) >> shift
            for byte in 0..<size { data[index + byte] = UInt8(truncatingIfNeeded: extended >> (8 * UInt64(byte))) }
            index += size
        }
    }

    /// Little-endian 8- or 16-bit samples to `UInt16`: masked to BitsStored, or sign-extended and shifted.
    private static func widen(_ data: ArraySlice<UInt8>, format: PixelFormat, into samples: inout [UInt16]) {
        let stored = format.bitsStored
        let mask = UInt16(truncatingIfNeeded: (1 << stored) - 1)
        let shift = UInt16(16 - stored)
        let wide = format.bitsAllocated == 16
        let signed = format.isSigned
        data.withUnsafeBufferPointer { input in
            samples.withUnsafeMutableBufferPointer { out in
                for index in out.indices {
                    let raw = wide ? UInt16(input[2 * index]) | UInt16(input[2 * index + 1]) << 8 : UInt16(input[index])
                    if signed {
                        let value = Int16(bitPattern: raw << shift) >> Int16(shift)
                        out[index] = UInt16(bitPattern: value) ^ 0x8000
                    } else {
                        out[index] = raw & mask
                    }
                }
            }
        }
    }
}
