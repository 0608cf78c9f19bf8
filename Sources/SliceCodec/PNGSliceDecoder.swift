import CPNGShim
import TriageCore

/// Decodes single-channel grayscale PNG slices through libpng, values exactly as stored.
///
/// The only Swift type that calls the libpng shim. Every call uses its own libpng state, so one
/// decoder value can be used from many threads at once.
public struct PNGSliceDecoder: Sendable {
    public var limits: DecodingLimits

    public init(limits: DecodingLimits = .standard) {
        self.limits = limits
    }

    /// Reads only the header (dimensions, bit depth, colour type), applying the limits.
    public func header(of bytes: [UInt8], file: String) throws(SliceDecodingError) -> PNGHeader {
        try checkNotEmpty(bytes, file: file)
        var limits = cLimits
        var header = pngshim_header()
        var message = MessageBuffer()
        let status = bytes.withUnsafeBufferPointer { data in
            message.withCString { text, size in
                pngshim_read_header(data.baseAddress, data.count, &limits, &header, text, size)
            }
        }
        try check(status, header: header, message: message, file: file)
        return PNGHeader(header)
    }

    public func decode(_ bytes: [UInt8], file: String) throws(SliceDecodingError) -> SliceImage {
        var samples: [UInt16] = []
        let header = try decode(bytes, file: file, into: &samples)
        return SliceImage(width: header.width, height: header.height, bitDepth: header.bitDepth, samples: samples)
    }

    public func decodeFile(atPath path: String) throws(SliceDecodingError) -> SliceImage {
        try decode(readFile(atPath: path), file: path)
    }

    /// The file's bytes, or an error naming the file (missing, unreadable, not a regular file).
    public func readFile(atPath path: String) throws(SliceDecodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        try FileBytes.read(path: path, into: &bytes)
        return bytes
    }

    /// Decodes into `samples`, resized to width × height; its storage is reused from call to call so a
    /// worker decoding a series allocates nothing per slice once the buffer has grown. The common case
    /// (a buffer already the right size) parses the file once; a size change costs one extra header read.
    @discardableResult
    public func decode(_ bytes: [UInt8], file: String, into samples: inout [UInt16]) throws(SliceDecodingError) -> PNGHeader {
        try checkNotEmpty(bytes, file: file)
        var header = try decodeOnce(bytes, file: file, into: &samples)
        if header == nil {
            let declared = try self.header(of: bytes, file: file)
            samples.append(contentsOf: repeatElement(0, count: declared.width * declared.height - samples.count))
            header = try decodeOnce(bytes, file: file, into: &samples)
        }
        guard let header else { throw .corrupt(file: file, reason: "the image size changed between two reads") }
        if samples.count > header.width * header.height {
            samples.removeLast(samples.count - header.width * header.height)
        }
        return header
    }

    /// One decode attempt into the buffer as it is; nil when the buffer is too small for the image.
    /// Well-formed 8- and 16-bit files take the fast path (libdeflate, about twice as fast); any other,
    /// and any the fast path declines, go through libpng, which also words every error.
    private func decodeOnce(_ bytes: [UInt8], file: String, into samples: inout [UInt16]) throws(SliceDecodingError) -> PNGHeader? {
        switch fastDecode(bytes, into: &samples) {
        case .decoded(let header): return header
        case .bufferTooSmall: return nil
        case .declined: break
        }
        return try libpngDecode(bytes, file: file, into: &samples)
    }

    /// The libpng path alone; nil when the buffer is too small for the image.
    func libpngDecode(_ bytes: [UInt8], file: String, into samples: inout [UInt16]) throws(SliceDecodingError) -> PNGHeader? {
        var limits = cLimits
        var decoded = pngshim_header()
        var message = MessageBuffer()
        let status = bytes.withUnsafeBufferPointer { data in
            samples.withUnsafeMutableBufferPointer { out in
                message.withCString { text, size in
                    pngshim_decode_gray(data.baseAddress, data.count, &limits, out.baseAddress, out.count, &decoded, text, size)
                }
            }
        }
        if status == PNGSHIM_ERR_BUFFER { return nil }
        try check(status, header: decoded, message: message, file: file)
        return PNGHeader(decoded)
    }

    /// Decodes `bytes` on both paths and says how they disagree, or nil when they agree: a file the fast
    /// path takes must decode through libpng to the same header and samples. For the differential test
    /// over the corpus and the fuzzer. Sample buffers are sized only from a header that passed the limits.
    public func pathDisagreement(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty, let declared = try? header(of: bytes, file: "input") else {
            var probe: [UInt16] = []
            if case .decoded(let header) = fastDecode(bytes, into: &probe) { return "fast path decoded \(header), libpng refused the header" }
            return nil
        }
        var fast = [UInt16](repeating: 0, count: declared.width * declared.height)
        guard case .decoded(let fastHeader) = fastDecode(bytes, into: &fast) else { return nil }
        var slow = [UInt16](repeating: 0, count: fast.count)
        do {
            guard let slowHeader = try libpngDecode(bytes, file: "input", into: &slow) else { return "libpng found the image larger than its header" }
            if slowHeader != fastHeader { return "headers differ: fast \(fastHeader), libpng \(slowHeader)" }
            if slow != fast { return "samples differ (first at \(slow.indices.first { slow[$0] != fast[$0] } ?? -1))" }
            return nil
        } catch {
            return "fast path decoded the file, libpng refused it: \(error.reason)"
        }
    }

    enum FastPathResult: Equatable {
        case decoded(PNGHeader)
        case bufferTooSmall
        case declined
    }

    /// The fast path alone (internal: tests check which files it takes and that it agrees with libpng).
    func fastDecode(_ bytes: [UInt8], into samples: inout [UInt16]) -> FastPathResult {
        var limits = cLimits
        var decoded = pngshim_header()
        let status = bytes.withUnsafeBufferPointer { data in
            samples.withUnsafeMutableBufferPointer { out in
                pngshim_fast_decode_gray(data.baseAddress, data.count, &limits, out.baseAddress, out.count, &decoded)
            }
        }
        switch status {
        case PNGSHIM_OK:
            return .decoded(PNGHeader(decoded))  // gray, not interlaced: the only kind the fast path takes
        case PNGSHIM_ERR_BUFFER: return .bufferTooSmall
        default: return .declined
        }
    }

    /// Reads the file into `bytes` (reused) and decodes it into `samples` (reused).
    @discardableResult
    public func decodeFile(
        atPath path: String, bytes: inout [UInt8], into samples: inout [UInt16]
    ) throws(SliceDecodingError) -> PNGHeader {
        try FileBytes.read(path: path, into: &bytes)
        return try decode(bytes, file: path, into: &samples)
    }

    private var cLimits: pngshim_limits {
        pngshim_limits(
            max_width: UInt32(clamping: limits.maxWidth), max_height: UInt32(clamping: limits.maxHeight),
            max_pixels: UInt64(clamping: limits.maxPixels), max_chunk_bytes: UInt64(clamping: limits.maxAncillaryChunkBytes),
            max_chunk_count: UInt32(clamping: limits.maxAncillaryChunkCount))
    }

    private func checkNotEmpty(_ bytes: [UInt8], file: String) throws(SliceDecodingError) {
        if bytes.isEmpty { throw .emptyFile(file: file) }
    }

    /// Maps the shim's status to the error a reader can act on.
    private func check(
        _ status: pngshim_status, header: pngshim_header, message: MessageBuffer, file: String
    ) throws(SliceDecodingError) {
        switch status {
        case PNGSHIM_OK:
            return
        case PNGSHIM_ERR_SIGNATURE:
            throw .notPNG(file: file)
        case PNGSHIM_ERR_TOO_LARGE:
            throw .tooLarge(file: file, width: Int(header.width), height: Int(header.height), limits: limits)
        case PNGSHIM_ERR_UNSUPPORTED:
            throw .unsupportedColorType(file: file, colorType: PNGColorType(code: header.color_type), bitDepth: Int(header.bit_depth))
        case PNGSHIM_ERR_NOMEM:
            throw .corrupt(file: file, reason: "out of memory")
        default:
            throw .corrupt(file: file, reason: message.text)
        }
    }
}

extension PNGHeader {
    init(_ header: pngshim_header) {
        self.init(
            width: Int(header.width), height: Int(header.height), bitDepth: Int(header.bit_depth),
            colorType: PNGColorType(code: header.color_type), interlaced: header.interlaced != 0)
    }
}
