/// Writes PNG files byte by byte without libpng, so that decoder tests compare libpng's output with an
/// independent encoder: chunks with their own CRC-32, a zlib stream of stored deflate blocks with its
/// own Adler-32, filter type 0 scanlines, and Adam7 interlacing. Also makes the damaged files
/// (bad CRC, bad Adler-32, truncation) that the decoder must reject.
public struct PNGFixture: Sendable {
    public enum ColorType: UInt8, Sendable {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        public var channels: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    public var width: Int
    public var height: Int
    public var bitDepth: Int
    public var colorType: ColorType
    public var interlaced: Bool
    /// Row-major samples, `channels` per pixel, each below 2^bitDepth.
    public var samples: [UInt16]
    /// Chunks written between IHDR and IDAT, e.g. `("gAMA", [0, 0, 0xB1, 0x8F])`.
    public var extraChunks: [(type: String, data: [UInt8])] = []

    public init(width: Int, height: Int, bitDepth: Int = 16, colorType: ColorType = .gray, interlaced: Bool = false, samples: [UInt16]) {
        precondition(samples.count == width * height * colorType.channels, "sample count must match the image")
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.interlaced = interlaced
        self.samples = samples
    }

    /// The complete file.
    public func encoded() -> [UInt8] {
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        header += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        file += Self.chunk("IHDR", header)
        for extra in extraChunks { file += Self.chunk(extra.type, extra.data) }
        if colorType == .palette {
            file += Self.chunk("PLTE", (0..<(1 << min(bitDepth, 8))).flatMap { [UInt8($0 & 0xFF), 0, 0] })
        }
        file += Self.chunk("IDAT", Self.zlibStored(scanlines()))
        file += Self.chunk("IEND", [])
        return file
    }

    // MARK: - Image data

    /// Filter-type-0 scanlines of the whole image, or of the seven Adam7 passes in order.
    func scanlines() -> [UInt8] {
        guard interlaced else { return packRows(columns: Array(0..<width), rows: Array(0..<height)) }
        // Adam7 passes: (first column, first row, column step, row step), PNG specification §8.2.
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        var bytes: [UInt8] = []
        for (x0, y0, dx, dy) in passes {
            let columns = Array(stride(from: x0, to: width, by: dx))
            let rows = Array(stride(from: y0, to: height, by: dy))
            if !columns.isEmpty && !rows.isEmpty { bytes += packRows(columns: columns, rows: rows) }
        }
        return bytes
    }

    private func packRows(columns: [Int], rows: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        let channels = colorType.channels
        for y in rows {
            bytes.append(0)
            var accumulator = 0
            var bits = 0
            for x in columns {
                for c in 0..<channels {
                    let value = Int(samples[(y * width + x) * channels + c])
                    switch bitDepth {
                    case 16:
                        bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
                    case 8:
                        bytes.append(UInt8(value))
                    default:
                        accumulator = (accumulator << bitDepth) | value
                        bits += bitDepth
                        if bits == 8 {
                            bytes.append(UInt8(accumulator))
                            accumulator = 0
                            bits = 0
                        }
                    }
                }
            }
            if bits > 0 { bytes.append(UInt8((accumulator << (8 - bits)) & 0xFF)) }
        }
        return bytes
    }

    // MARK: - Containers

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 4, "chunk types have four letters")
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }

    /// A zlib stream of stored (uncompressed) deflate blocks, RFC 1950/1951.
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var stream: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let isLast = offset + length == data.count
            stream.append(isLast ? 1 : 0)
            stream += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            stream += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        return stream + bigEndian(adler32(data))
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    public static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return (b << 16) | a
    }
}

// MARK: - Damage

extension PNGFixture {
    /// Byte offset of the first chunk of `type` (its length field), or nil.
    public static func offset(ofChunk type: String, in file: [UInt8]) -> Int? {
        var offset = 8
        while offset + 8 <= file.count {
            let length = Int(UInt32(file[offset]) << 24 | UInt32(file[offset + 1]) << 16 | UInt32(file[offset + 2]) << 8 | UInt32(file[offset + 3]))
            if String(decoding: file[offset + 4..<offset + 8], as: UTF8.self) == type { return offset }
            offset += 12 + length
        }
        return nil
    }

    /// Flips a bit in the stored CRC of the first chunk of `type`.
    public static func corruptingCRC(ofChunk type: String, in file: [UInt8]) -> [UInt8] {
        guard let offset = offset(ofChunk: type, in: file) else { preconditionFailure("no \(type) chunk") }
        let length = Int(UInt32(file[offset]) << 24 | UInt32(file[offset + 1]) << 16 | UInt32(file[offset + 2]) << 8 | UInt32(file[offset + 3]))
        var damaged = file
        damaged[offset + 8 + length] ^= 0x01
        return damaged
    }

    /// A file whose zlib Adler-32 is wrong but whose chunk CRCs are right: only zlib can notice.
    public func encodedWithBadAdler() -> [UInt8] {
        var stream = Self.zlibStored(scanlines())
        stream[stream.count - 1] ^= 0x01
        var file = encoded()
        guard let idat = Self.offset(ofChunk: "IDAT", in: file), let end = Self.offset(ofChunk: "IEND", in: file) else {
            preconditionFailure("encoded file lacks IDAT or IEND")
        }
        file.replaceSubrange(idat..<end, with: Self.chunk("IDAT", stream))
        return file
    }
}
