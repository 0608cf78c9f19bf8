import Foundation
import PNGFixtures
import Testing
import TriageCore
@testable import SliceCodec

/// Every way a slice file can be unusable, each with the message a person will read.
@Suite struct RejectionTests {
    let decoder = PNGSliceDecoder()
    let gray = PNGFixture(width: 8, height: 4, samples: (0..<32).map { UInt16($0 * 2000) })

    func rejection(_ bytes: [UInt8], file: String = "slice.png", decoder: PNGSliceDecoder? = nil) -> SliceDecodingError? {
        do {
            _ = try (decoder ?? self.decoder).decode(bytes, file: file)
            return nil
        } catch {
            return error
        }
    }

    static let colourCases: [(PNGFixture.ColorType, String)] = [
        (.rgb, "RGB"), (.palette, "palette"), (.grayAlpha, "grayscale+alpha"), (.rgba, "RGBA"),
    ]

    @Test(arguments: colourCases)
    func colourImagesAreRejectedNamingTheColourType(_ colorType: PNGFixture.ColorType, _ name: String) throws {
        let fixture = PNGFixture(width: 2, height: 2, bitDepth: 8, colorType: colorType,
                                 samples: [UInt16](repeating: 1, count: 4 * colorType.channels))
        let error = try #require(rejection(fixture.encoded(), file: "PT/0007.png"))
        #expect(error.description == "PT/0007.png: colour type \(name) (8-bit) is not supported: slices must be single-channel grayscale")
    }

    @Test func truncatedFileIsCorrupt() throws {
        let file = gray.encoded()
        for cut in [file.count - 13, file.count / 2, 30] {
            let error = try #require(rejection(Array(file.prefix(cut))))
            guard case .corrupt(let name, let reason) = error else {
                Issue.record("truncated at \(cut): \(error)")
                continue
            }
            #expect(name == "slice.png")
            #expect(reason.contains("truncated") || reason.contains("end of"), "\(reason)")
        }
    }

    @Test func crcErrorInImageDataIsAnError() throws {
        let damaged = PNGFixture.corruptingCRC(ofChunk: "IDAT", in: gray.encoded())
        let error = try #require(rejection(damaged))
        #expect(error.description.hasPrefix("slice.png: damaged PNG:"))
        #expect(error.description.contains("CRC"))
    }

    @Test func crcErrorInAncillaryChunkIsAnErrorToo() throws {
        var fixture = gray
        fixture.extraChunks = [("tEXt", Array("Comment\0x".utf8))]
        let damaged = PNGFixture.corruptingCRC(ofChunk: "tEXt", in: fixture.encoded())
        let error = try #require(rejection(damaged))
        #expect(error.description.contains("CRC"), "\(error)")
    }

    @Test func adlerChecksumErrorIsAnError() throws {
        let error = try #require(rejection(gray.encodedWithBadAdler()))
        guard case .corrupt(_, let reason) = error else {
            Issue.record("expected corrupt, got \(error)")
            return
        }
        #expect(reason.lowercased().contains("adler") || reason.contains("checksum") || reason.contains("check"), "\(reason)")
    }

    @Test func notAPNGAndEmptyFile() throws {
        #expect(rejection(Array("P5 8 4 255\n".utf8), file: "a.pgm") == .notPNG(file: "a.pgm"))
        #expect(rejection([], file: "empty.png") == .emptyFile(file: "empty.png"))
        #expect(SliceDecodingError.notPNG(file: "a.pgm").description == "a.pgm: not a PNG file (the PNG signature is missing)")
        #expect(SliceDecodingError.emptyFile(file: "e.png").description == "e.png: the file is empty")
    }

    /// Only the 33-byte header claims 100000 × 100000: refused before 20 GB are allocated.
    @Test func hugeDeclaredDimensionsAreRefusedBeforeAllocation() throws {
        var header = Array(PNGFixture(width: 1, height: 1, samples: [0]).encoded().prefix(33))
        let ihdr = PNGFixture.chunk("IHDR", PNGFixture.bigEndian(100_000) + PNGFixture.bigEndian(100_000) + [16, 0, 0, 0, 0])
        header.replaceSubrange(8..<33, with: ihdr)
        let error = try #require(rejection(header, file: "bomb.png"))
        #expect(error == .tooLarge(file: "bomb.png", width: 100_000, height: 100_000, limits: .standard))
        #expect(error.description == "bomb.png: declared size 100000 × 100000 exceeds the limit of 8192 × 8192 (67108864 pixels)")
    }

    @Test func pixelCountLimitIsConfigurable() throws {
        let tight = PNGSliceDecoder(limits: DecodingLimits(maxPixels: 31))
        let error = try #require(rejection(gray.encoded(), decoder: tight))
        guard case .tooLarge(_, 8, 4, _) = error else {
            Issue.record("expected tooLarge 8×4, got \(error)")
            return
        }
    }

    @Test func oversizedAncillaryChunkIsRefused() throws {
        var fixture = gray
        fixture.extraChunks = [("tEXt", Array("Comment\0".utf8) + [UInt8](repeating: 65, count: 5000))]
        let strict = PNGSliceDecoder(limits: DecodingLimits(maxAncillaryChunkBytes: 1024))
        let error = try #require(rejection(fixture.encoded(), decoder: strict))
        guard case .corrupt(_, let reason) = error else {
            Issue.record("expected corrupt, got \(error)")
            return
        }
        #expect(reason.contains("too large") || reason.contains("memory") || reason.contains("exceeds"), "\(reason)")
        // The same file is fine under the standard 8 MiB limit.
        #expect(rejection(fixture.encoded()) == nil)
    }

    @Test func missingFileNamesThePathAndReason() throws {
        let path = "/nonexistent/radtriage/slice.png"
        #expect(throws: SliceDecodingError.unreadable(file: path, reason: "No such file or directory")) {
            try decoder.decodeFile(atPath: path)
        }
    }
}
