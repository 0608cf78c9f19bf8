import Foundation
import Testing
import TriageCore
@testable import SliceCodec

/// The same verdict on every path: every PNG of the fuzz corpus, the past crashes and the sample data
/// goes through the fast path and through libpng; a file the fast path decodes must decode through
/// libpng to the same header and samples, and a file libpng refuses the fast path must decline.
@Suite struct PathAgreementTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var corpus: [URL] {
        ["Fuzz/corpus/FuzzPNGDecode", "Fuzz/crashes/FuzzPNGDecode", "SampleData/S0001/PT", "SampleData/S0002/PT", "SampleData/S0003/PT"]
            .flatMap { folder -> [URL] in
                let url = repository.appendingPathComponent(folder)
                return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted().map { url.appendingPathComponent($0) }
            }
    }

    @Test func everyCorpusFileGetsTheSameVerdictOnBothPaths() throws {
        let decoder = PNGSliceDecoder()
        var fastDecoded = 0, libpngOnly = 0, refused = 0
        for file in Self.corpus {
            let bytes = try [UInt8](Data(contentsOf: file))
            #expect(decoder.pathDisagreement(bytes) == nil, "\(file.lastPathComponent): \(decoder.pathDisagreement(bytes) ?? "")")
            var samples: [UInt16] = []
            if (try? decoder.header(of: bytes, file: file.path)).map({ samples = [UInt16](repeating: 0, count: $0.width * $0.height); return true }) == nil {
                refused += 1
                continue
            }
            if case .decoded = decoder.fastDecode(bytes, into: &samples) { fastDecoded += 1 } else if (try? decoder.decode(bytes, file: file.path)) != nil { libpngOnly += 1 } else { refused += 1 }
        }
        // Each kind is present, so the comparison above compares something.
        #expect(fastDecoded >= 10 && libpngOnly >= 3 && refused >= 5, "fast \(fastDecoded), libpng only \(libpngOnly), refused \(refused)")
    }

    /// libpng refuses a chunk type with a byte that is not a letter; the fast path used to decode it.
    @Test func theFastPathDeclinesAChunkTypeLibpngRefuses() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.repository.appendingPathComponent("Fuzz/corpus/FuzzPNGDecode/gray16-badtype.png")))
        var samples = [UInt16](repeating: 0, count: 64)
        #expect(PNGSliceDecoder().fastDecode(bytes, into: &samples) == .declined)
        #expect(throws: SliceDecodingError.self) { try PNGSliceDecoder().decode(bytes, file: "f.png") }
    }

    /// Trailing compressed data after the image's stream is refused on both paths, not inflated to its end.
    @Test func dataAfterTheImageStreamIsRefused() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.repository.appendingPathComponent("Fuzz/corpus/FuzzPNGDecode/gray16-trailing.png")))
        #expect(throws: SliceDecodingError.corrupt(file: "f.png", reason: "compressed data continues after the end of the image data")) {
            try PNGSliceDecoder().decode(bytes, file: "f.png")
        }
    }
}
