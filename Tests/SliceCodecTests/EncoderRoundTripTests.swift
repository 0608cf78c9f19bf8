import PNGFixtures
import Testing
import TriageCore
@testable import SliceCodec

@Suite struct EncoderRoundTripTests {
    @Test(arguments: [0, 1, 6, 9])
    func sixteenBitRoundTrip(_ level: Int) throws {
        let samples = DecodedValuesTests.pattern(width: 61, height: 33, bitDepth: 16)
        let image = SliceImage(width: 61, height: 33, samples: samples)
        for filters in [PNGSliceEncoder.Filters.adaptive, .none, .sub, .up] {
            for huffmanOnly in [false, true] {
                let bytes = try PNGSliceEncoder(compressionLevel: level, filters: filters, huffmanOnly: huffmanOnly).encode(image)
                #expect(try PNGSliceDecoder().decode(bytes, file: "rt.png") == image)
            }
        }
    }

    @Test func eightBitRoundTrip() throws {
        let samples = DecodedValuesTests.pattern(width: 17, height: 9, bitDepth: 8)
        let image = SliceImage(width: 17, height: 9, bitDepth: 8, samples: samples)
        let bytes = try PNGSliceEncoder().encode(image)
        let decoded = try PNGSliceDecoder().decode(bytes, file: "rt8.png")
        #expect(decoded == image)
        #expect(try PNGSliceDecoder().header(of: bytes, file: "rt8.png").bitDepth == 8)
    }

    /// The encoder and the independent fixture writer describe the same image.
    @Test func encoderAgreesWithIndependentWriter() throws {
        let samples = DecodedValuesTests.pattern(width: 20, height: 20, bitDepth: 16, seed: 3)
        let fromFixture = try PNGSliceDecoder().decode(PNGFixture(width: 20, height: 20, samples: samples).encoded(), file: "f.png")
        let reencoded = try PNGSliceEncoder().encode(fromFixture)
        #expect(try PNGSliceDecoder().decode(reencoded, file: "e.png").samples == samples)
    }
}
