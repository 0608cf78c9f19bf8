import Foundation
import Testing
@testable import Scoring

/// The 2.5-D path: a series fed slice by slice through SliceContext into the engine, against numpy in
/// float64 doing the same interpolation between slices and the same forward pass
/// (Tests/ScoringTests/Reference/make_reference.py, fixture context-volume).
@Suite struct SliceContextTests {
    @Test func aSeriesFedSliceBySliceMatchesTheFloat64Reference() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("context-volume")
        let model = try ScoringModel.load(from: folder)
        struct Volume: Decodable { var slices: Int; var sliceSpacingMm: Double }
        let info = try JSONDecoder().decode(Volume.self, from: Data(contentsOf: folder.appendingPathComponent("volume.json")))
        let volume = try ReferenceForwardPassTests.Fixture.floats(folder.appendingPathComponent("volume.f32"))
        let reference = try ReferenceForwardPassTests.Fixture.floats(folder.appendingPathComponent("logits.f32"))
        let plane = model.manifest.input.height * model.manifest.input.width
        #expect(model.inputShape.channels == 3)
        var context = SliceContext(offsetsMm: model.manifest.input.channelOffsetsMm, sliceSpacingMm: info.sliceSpacingMm,
                                   planeCount: plane, sliceCount: info.slices)
        // Offsets −7 and +4.5 mm at 3 mm: 2.33 slices back, 1.5 ahead.
        #expect(context.lookbehind == 3 && context.lookahead == 2)
        let engine = InferenceEngine(model: model, maxBatch: 1)
        var logits: [Float] = []
        var readyAfter: [Int] = []
        for slice in 0..<info.slices {
            context.nextSlice { destination in
                for i in 0..<plane { destination[i] = volume[slice * plane + i] }
            }
            context.commit()
            while context.nextReadyCentre != nil {
                context.stackNext(into: engine.inputSlice(0))
                logits += engine.run(batch: 1)
                readyAfter.append(slice)
            }
        }
        #expect(logits.count == info.slices)
        // A centre waits for the slices it reaches ahead, no more; the last ones once the series ends.
        #expect(readyAfter == [2, 3, 4, 5, 6, 7, 8, 8, 8])
        for (index, (got, expected)) in zip(logits, reference).enumerated() {
            #expect(abs(got - expected) <= 1e-4 * max(abs(expected), 1), "slice \(index): \(got) against \(expected)")
        }
    }

    /// The ring holds the slices a centre can reach, whatever the slice count.
    @Test func memoryDependsOnTheOffsetsNotTheSliceCount() {
        let short = SliceContext(offsetsMm: [-8, 0, 8], sliceSpacingMm: 2, planeCount: 4, sliceCount: 10)
        let long = SliceContext(offsetsMm: [-8, 0, 8], sliceSpacingMm: 2, planeCount: 4, sliceCount: 100_000)
        #expect(short.lookahead == 4 && long.lookahead == 4 && long.lookbehind == 4)
        // Very thin slices: the reach is capped.
        let thin = SliceContext(offsetsMm: [-8, 0, 8], sliceSpacingMm: 0.01, planeCount: 4, sliceCount: 10)
        #expect(thin.lookahead == SliceContext.maxReachSlices)
    }

    /// One channel at offset 0 is the slice itself: the path of every 2-D model.
    @Test func aSingleChannelAtZeroIsTheSliceItself() {
        var context = SliceContext(offsetsMm: [0], sliceSpacingMm: 3, planeCount: 2, sliceCount: 3)
        var out: [[Float]] = []
        for slice in 0..<3 {
            context.nextSlice { $0[0] = Float(slice); $0[1] = Float(10 * slice) }
            context.commit()
            var buffer = [Float](repeating: -1, count: 2)
            while context.nextReadyCentre != nil {
                buffer.withUnsafeMutableBufferPointer { context.stackNext(into: $0) }
                out.append(buffer)
            }
        }
        #expect(out == [[0, 0], [1, 10], [2, 20]])
    }
}
