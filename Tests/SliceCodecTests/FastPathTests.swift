import PNGFixtures
import Testing
import TriageCore
@testable import SliceCodec

/// The libdeflate fast path: it takes well-formed 8- and 16-bit non-interlaced slices and decodes them
/// exactly; everything else it declines, and libpng decodes or rejects it as before.
@Suite struct FastPathTests {
    /// A PNG whose rows use the given filter types, filtered here by the PNG specification's own
    /// definitions (independent of libpng and of the fast path), in stored zlib blocks.
    static func filtered(_ samples: [UInt16], width: Int, height: Int, bitDepth: Int, filters: [UInt8]) -> [UInt8] {
        let bpp = bitDepth / 8, rowBytes = width * bpp
        let rows: [[UInt8]] = (0..<height).map { y in
            (0..<width).flatMap { x -> [UInt8] in
                let value = samples[y * width + x]
                return bpp == 2 ? [UInt8(value >> 8), UInt8(value & 0xFF)] : [UInt8(value)]
            }
        }
        var scanlines: [UInt8] = []
        for y in 0..<height {
            let filter = filters[y % filters.count]
            scanlines.append(filter)
            for i in 0..<rowBytes {
                let x = Int(rows[y][i])
                let a = i >= bpp ? Int(rows[y][i - bpp]) : 0
                let b = y > 0 ? Int(rows[y - 1][i]) : 0
                let c = y > 0 && i >= bpp ? Int(rows[y - 1][i - bpp]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: predictor = 0
                }
                scanlines.append(UInt8((x - predictor) & 0xFF))
            }
        }
        let header = PNGFixture.bigEndian(UInt32(width)) + PNGFixture.bigEndian(UInt32(height)) + [UInt8(bitDepth), 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + PNGFixture.chunk("IHDR", header)
            + PNGFixture.chunk("IDAT", PNGFixture.zlibStored(scanlines)) + PNGFixture.chunk("IEND", [])
    }

    /// Widths around the 16-byte blocks that Sub is summed in: a lone pixel, one block exactly, a block
    /// and a tail, and a slice's width.
    @Test(arguments: [8, 16], [1, 8, 16, 37, 256])
    func everyFilterTypeIsReversedExactly(bitDepth: Int, width: Int) throws {
        let height = 23
        let samples = DecodedValuesTests.pattern(width: width, height: height, bitDepth: bitDepth, seed: 11)
        for filters: [UInt8] in [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]] {
            let file = Self.filtered(samples, width: width, height: height, bitDepth: bitDepth, filters: filters)
            var decoded: [UInt16] = Array(repeating: 0, count: width * height)
            let result = PNGSliceDecoder().fastDecode(file, into: &decoded)
            #expect(result == .decoded(PNGHeader(width: width, height: height, bitDepth: bitDepth, colorType: .gray, interlaced: false)),
                    "filters \(filters)")
            #expect(decoded == samples, "filters \(filters), \(bitDepth)-bit")
        }
    }

    /// libpng-encoded slices as the synthesizer writes them (32 KiB window): taken, and equal to the input.
    @Test func libpngEncodedSlicesTakeTheFastPath() throws {
        let samples = DecodedValuesTests.pattern(width: 256, height: 128, bitDepth: 16, seed: 5)
        let image = SliceImage(width: 256, height: 128, samples: samples)
        for filters in [PNGSliceEncoder.Filters.adaptive, .none, .sub, .up] {
            let bytes = try PNGSliceEncoder(compressionLevel: 6, filters: filters).encode(image)
            var decoded = [UInt16](repeating: 0, count: samples.count)
            #expect(PNGSliceDecoder().fastDecode(bytes, into: &decoded) != .declined)
            #expect(decoded == samples)
        }
        var small = [UInt16](repeating: 0, count: 10)
        let bytes = try PNGSliceEncoder().encode(image)
        #expect(PNGSliceDecoder().fastDecode(bytes, into: &small) == .bufferTooSmall)
    }

    /// Declined, then decoded or rejected by libpng exactly as before.
    @Test func unusualOrDamagedFilesAreLeftToLibpng() throws {
        let samples = DecodedValuesTests.pattern(width: 20, height: 20, bitDepth: 16, seed: 3)
        let plain = PNGFixture(width: 20, height: 20, samples: samples).encoded()
        var buffer = [UInt16](repeating: 0, count: 400)
        #expect(PNGSliceDecoder().fastDecode(plain, into: &buffer) != .declined, "the independent writer's files are taken")
        let interlaced = PNGFixture(width: 20, height: 20, interlaced: true, samples: samples).encoded()
        let fourBit = PNGFixture(width: 20, height: 20, bitDepth: 4, samples: samples.map { $0 & 0xF }).encoded()
        let badCRC = PNGFixture.corruptingCRC(ofChunk: "IDAT", in: plain)
        let badAdler = PNGFixture(width: 20, height: 20, samples: samples).encodedWithBadAdler()
        let truncated = Array(plain.dropLast(20))
        var withText = PNGFixture(width: 20, height: 20, samples: samples)
        withText.extraChunks = [(type: "zTXt", data: Array("Comment".utf8) + [0, 0, 0x78, 0x01])]
        for (name, file) in [("interlaced", interlaced), ("4-bit", fourBit), ("bad CRC", badCRC), ("bad Adler-32", badAdler),
                             ("truncated", truncated), ("zTXt", withText.encoded())] {
            #expect(PNGSliceDecoder().fastDecode(file, into: &buffer) == .declined, "\(name)")
        }
        // libpng still decodes what is valid and words what is not.
        #expect(try PNGSliceDecoder().decode(interlaced, file: "i.png").samples == samples)
        #expect(try PNGSliceDecoder().decode(fourBit, file: "4.png").samples == samples.map { $0 & 0xF })
        #expect(throws: SliceDecodingError.self) { try PNGSliceDecoder().decode(badCRC, file: "c.png") }
        #expect(throws: SliceDecodingError.self) { try PNGSliceDecoder().decode(truncated, file: "t.png") }
    }
}
