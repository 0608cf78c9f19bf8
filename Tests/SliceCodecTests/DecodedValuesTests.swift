import Dispatch
import PNGFixtures
import Synchronization
import Testing
import TriageCore
@testable import SliceCodec

/// Pixels decoded by libpng through the shim must equal the values an independent encoder wrote.
@Suite struct DecodedValuesTests {
    let decoder = PNGSliceDecoder()
    static let landmarks: [UInt16] = [0, 1, 1000, 4095, 30000, 65535]

    /// A deterministic pseudo-random image with every bit of the sample used.
    static func pattern(width: Int, height: Int, bitDepth: Int, seed: UInt32 = 7) -> [UInt16] {
        var state = seed
        let mask = UInt32((1 << bitDepth) - 1)
        return (0..<width * height).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt16((state >> 8) & mask)
        }
    }

    @Test func sixteenBitLandmarkValuesAreExact() throws {
        let fixture = PNGFixture(width: 6, height: 1, samples: Self.landmarks)
        let image = try decoder.decode(fixture.encoded(), file: "landmarks.png")
        #expect(image.samples == Self.landmarks)
        #expect(image.width == 6 && image.height == 1 && image.bitDepth == 16)
    }

    static let shapes: [(Int, Int)] = [(1, 1), (1, 37), (37, 1), (513, 511), (64, 48)]

    @Test(arguments: shapes)
    func oddSizesDecodeExactlyInterlacedOrNot(_ width: Int, _ height: Int) throws {
        for bitDepth in [8, 16] {
            for interlaced in [false, true] {
                let samples = Self.pattern(width: width, height: height, bitDepth: bitDepth)
                let fixture = PNGFixture(width: width, height: height, bitDepth: bitDepth, interlaced: interlaced, samples: samples)
                let image = try decoder.decode(fixture.encoded(), file: "odd.png")
                #expect(image.samples == samples, "\(width)×\(height), \(bitDepth)-bit, interlaced \(interlaced)")
                #expect(image.bitDepth == bitDepth)
            }
        }
    }

    @Test(arguments: [1, 2, 4])
    func lowBitDepthsKeepTheirStoredValuesUnscaled(_ bitDepth: Int) throws {
        for interlaced in [false, true] {
            let samples = Self.pattern(width: 13, height: 5, bitDepth: bitDepth)
            let fixture = PNGFixture(width: 13, height: 5, bitDepth: bitDepth, interlaced: interlaced, samples: samples)
            let image = try decoder.decode(fixture.encoded(), file: "low.png")
            #expect(image.samples == samples)
            #expect(image.samples.max()! < 1 << bitDepth, "values stay 0...2^depth − 1, not scaled to 8 bits")
        }
    }

    /// gAMA, sRGB and iCCP ask a viewer to colour-manage; radtriage must read the stored counts unchanged.
    static let colourChunks: [(String, [UInt8])] = [
        ("gAMA", PNGFixture.bigEndian(45455)),
        ("sRGB", [0]),
        ("iCCP", Array("profile".utf8) + [0, 0] + PNGFixture.zlibStored(iccProfileStandIn)),
        ("tEXt", Array("Comment".utf8) + [0] + Array("radtriage fixture".utf8)),
    ]

    /// 300 bytes with a consistent length field and the `acsp` signature: libpng may still dislike the
    /// contents (and warn), but it is not a size-limit breach.
    static let iccProfileStandIn: [UInt8] = {
        var profile = [UInt8](repeating: 0, count: 300)
        profile.replaceSubrange(0..<4, with: PNGFixture.bigEndian(300))
        profile.replaceSubrange(36..<40, with: Array("acsp".utf8))
        return profile
    }()

    @Test(arguments: colourChunks.map(\.0))
    func colourManagementChunksDoNotChangeValues(_ type: String) throws {
        let data = try #require(Self.colourChunks.first { $0.0 == type }).1
        var fixture = PNGFixture(width: 6, height: 1, samples: Self.landmarks)
        fixture.extraChunks = [(type, data)]
        #expect(try decoder.decode(fixture.encoded(), file: "managed.png").samples == Self.landmarks)
        var narrow = PNGFixture(width: 4, height: 1, bitDepth: 8, samples: [0, 1, 128, 255])
        narrow.extraChunks = [(type, data)]
        #expect(try decoder.decode(narrow.encoded(), file: "managed8.png").samples == [0, 1, 128, 255])
    }

    @Test func headerReportsWhatTheFileDeclares() throws {
        let fixture = PNGFixture(width: 300, height: 200, bitDepth: 8, colorType: .rgb, interlaced: true,
                                 samples: [UInt16](repeating: 9, count: 300 * 200 * 3))
        let header = try decoder.header(of: fixture.encoded(), file: "rgb.png")
        #expect(header == PNGHeader(width: 300, height: 200, bitDepth: 8, colorType: .rgb, interlaced: true))
    }

    @Test func reusedBufferIsResizedAndOverwritten() throws {
        var buffer: [UInt16] = []
        let big = Self.pattern(width: 40, height: 30, bitDepth: 16)
        let small = Self.pattern(width: 3, height: 2, bitDepth: 16, seed: 99)
        try decoder.decode(PNGFixture(width: 40, height: 30, samples: big).encoded(), file: "a.png", into: &buffer)
        #expect(buffer == big)
        let header = try decoder.decode(PNGFixture(width: 3, height: 2, samples: small).encoded(), file: "b.png", into: &buffer)
        #expect(buffer == small && header.width == 3 && header.height == 2)
    }

    @Test func concurrentDecodesAreIndependent() throws {
        let samples = Self.pattern(width: 128, height: 96, bitDepth: 16)
        let files = [false, true].map { PNGFixture(width: 128, height: 96, interlaced: $0, samples: samples).encoded() }
        let matches = Mutex([Bool](repeating: false, count: 64))
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let image = try? PNGSliceDecoder().decode(files[index % 2], file: "concurrent.png")
            matches.withLock { $0[index] = image?.samples == samples }
        }
        #expect(matches.withLock { $0.allSatisfy { $0 } })
    }
}
