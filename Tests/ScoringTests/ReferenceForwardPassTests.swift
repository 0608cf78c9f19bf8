import Foundation
import Testing
@testable import Scoring

/// The engine against an independent numpy float64 implementation of the same forward pass
/// (Tests/ScoringTests/Reference/make_reference.py), layer by layer, on random weights and inputs.
@Suite struct ReferenceForwardPassTests {
    static let cases = ["odd-stride2", "kernel5-avgpool", "flatten-dense", "chunked", "multichannel"]

    struct Fixture {
        let model: ScoringModel
        let batch: Int
        let inputs: [Float]
        let layers: [[Float]]

        init(_ name: String) throws {
            let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(name)
            model = try ScoringModel.load(from: folder)
            struct Reference: Decodable { var batch: Int; var layerCounts: [Int] }
            let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
            batch = reference.batch
            inputs = try Self.floats(folder.appendingPathComponent("input.f32"))
            let all = try Self.floats(folder.appendingPathComponent("reference.f32"))
            var offset = 0
            layers = reference.layerCounts.map { count in
                defer { offset += count }
                return Array(all[offset..<offset + count])
            }
        }

        static func floats(_ url: URL) throws -> [Float] {
            let data = try Data(contentsOf: url)
            return data.withUnsafeBytes { raw in (0..<data.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        }

        /// Runs slices `range` of the inputs as one batch; returns every layer's output.
        func run(_ range: Range<Int>, engine: InferenceEngine? = nil) -> [[Float]] {
            let engine = engine ?? InferenceEngine(model: model, maxBatch: range.count)
            let plane = model.inputShape.count
            for (slot, slice) in range.enumerated() {
                let destination = engine.inputSlice(slot)
                for i in 0..<plane { destination[i] = inputs[slice * plane + i] }
            }
            var outputs: [[Float]] = []
            _ = engine.run(batch: range.count) { _, values in outputs.append(Array(values)) }
            return outputs
        }
    }

    /// Relative error ≤ 1e-4 on every output, relative to max(|reference|, 1 % of the layer's largest
    /// magnitude): near-zero outputs are sums of larger terms, whose float32 rounding sets their error.
    static func expectClose(_ got: [Float], _ reference: [Float], _ label: String) {
        #expect(got.count == reference.count, "\(label): \(got.count) values, reference \(reference.count)")
        let scale = reference.map { abs($0) }.max() ?? 1
        var worst: Float = 0
        for (value, expected) in zip(got, reference) {
            worst = max(worst, abs(value - expected) / max(abs(expected), 0.01 * scale, 1e-30))
        }
        #expect(worst <= 1e-4, "\(label): worst relative error \(worst)")
    }

    @Test(arguments: cases)
    func everyLayerMatchesTheReference(_ name: String) throws {
        let fixture = try Fixture(name)
        let outputs = fixture.run(0..<fixture.batch)
        #expect(outputs.count == fixture.layers.count)
        let layers = fixture.model.manifest.layers
        for (index, (got, reference)) in zip(outputs, fixture.layers).enumerated() {
            // A convolution followed by a ReLU applies it in the same pass: its output is the ReLU's.
            let fused = layers[index].type == "conv2d" && index + 1 < layers.count && layers[index + 1].type == "relu"
            Self.expectClose(got, fused ? fixture.layers[index + 1] : reference, "\(name) layer \(index) (\(layers[index].type))")
        }
    }

    /// A slice's logit does not depend on which batch it is in or where the GEMM chunks fall.
    @Test(arguments: cases)
    func batchedAndUnbatchedAgree(_ name: String) throws {
        let fixture = try Fixture(name)
        let batched = try #require(fixture.run(0..<fixture.batch).last)
        let single = InferenceEngine(model: fixture.model, maxBatch: 1)
        let oneByOne = (0..<fixture.batch).flatMap { fixture.run($0..<($0 + 1), engine: single).last ?? [] }
        #expect(batched == oneByOne)
    }

    @Test func engineResultsDoNotDependOnThreads() async throws {
        let fixture = try Fixture("chunked")
        let sequential = fixture.run(0..<fixture.batch).last
        let concurrent = await withTaskGroup(of: [Float]?.self) { group in
            for _ in 0..<4 { group.addTask { fixture.run(0..<fixture.batch).last } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(concurrent.allSatisfy { $0 == sequential })
        #expect(BLASThreads.current == 1, "one BLAS thread per worker")
    }

    @Test func flopsCountTheConvolutionsAndDenseLayers() throws {
        // odd-stride2: conv1 13×17 positions × 4 filters × 9 MACs; max-pooled to 6×8, conv2 (stride 2,
        // no padding) 2×3 positions × 6 filters × 36 MACs; dense 6 MACs; two FLOPs per MAC.
        let model = try Fixture("odd-stride2").model
        #expect(model.flopsPerSlice == 2 * (13 * 17 * 4 * 9 + 2 * 3 * 6 * 36 + 6))
    }
}

extension ReferenceForwardPassTests.Fixture: @unchecked Sendable {}
