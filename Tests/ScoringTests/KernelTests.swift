import Foundation
import Testing
@testable import Scoring
import TriageCore

@Suite struct KernelTests {
    /// sgemm through the wrapper against a triple loop in Double, with leading dimensions wider than the matrices.
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 13, 9), (8, 130, 33)])
    func gemmMatchesANaiveLoop(_ m: Int, _ n: Int, _ k: Int) {
        var seed: UInt32 = 1
        func next() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(Int(seed >> 9) % 2001 - 1000) / 1000
        }
        let (lda, ldb, ldc) = (k + 2, n + 1, n + 3)
        let a = (0..<m * lda).map { _ in next() }, b = (0..<k * ldb).map { _ in next() }
        var c = [Float](repeating: 0, count: m * ldc)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                let expected = (0..<k).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(b[$1 * ldb + j]) }
                #expect(abs(Double(c[i * ldc + j]) - expected) <= 1e-4 * max(1, abs(expected)), "C[\(i), \(j)]")
            }
        }
    }

    func resample(_ input: [Float], _ width: Int, _ height: Int, to outWidth: Int, _ outHeight: Int) -> [Float] {
        let resampler = SliceResampler(inputWidth: width, inputHeight: height, outputWidth: outWidth, outputHeight: outHeight)
        var output = [Float](repeating: 0, count: outWidth * outHeight)
        var scratch = [Float](repeating: 0, count: resampler.scratchCount)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                scratch.withUnsafeMutableBufferPointer { resampler.resample(source, into: destination, scratch: $0) }
            }
        }
        return output
    }

    @Test func areaAveragingByHand() {
        // 4×4 → 2×2: each output is the mean of its 2×2 block.
        let input: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
        #expect(resample(input, 4, 4, to: 2, 2) == [3.5, 5.5, 11.5, 13.5])
        // 3 → 2 along a row: output 0 covers input [0, 1.5): (a + b/2) / 1.5; output 1 covers [1.5, 3).
        let row = resample([3, 6, 9], 3, 1, to: 2, 1)
        #expect(abs(row[0] - (3 + 3) / 1.5) < 1e-6 && abs(row[1] - (3 + 9) / 1.5) < 1e-6)
        // 5 → 3: footprints of 2, 3 and 2 inputs; the last is padded with a zero weight in front,
        // [1.67, 3.33) = (2/3)·b + c + (1/3)·d over 5/3, [3.33, 5) = (2/3)·d + e over 5/3.
        let uneven = resample([3, 6, 9, 12, 15], 5, 1, to: 3, 1)
        let expected: [Float] = [(3 + 6 * 2 / 3) / (5 / 3), (6 / 3 + 9 + 12 / 3) / (5 / 3), (12 * 2 / 3 + 15) / (5 / 3)]
        #expect(zip(uneven, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(uneven) \(expected)")
        // Upsampling 2 → 4 repeats values.
        #expect(resample([1, 2], 2, 1, to: 4, 1) == [1, 1, 2, 2])
    }

    @Test func areaAveragingKeepsConstantsAndMass() {
        let constant = [Float](repeating: 2.5, count: 37 * 23)
        #expect(resample(constant, 37, 23, to: 16, 10).allSatisfy { abs($0 - 2.5) < 1e-5 })
        var hot = [Float](repeating: 0, count: 256 * 256)
        hot[100 * 256 + 77] = 1000  // one hot pixel is not lost: its mass is kept
        let small = resample(hot, 256, 256, to: 128, 128)
        #expect(abs(small.reduce(0, +) * 4 - 1000) < 1e-3)
        #expect(small[50 * 128 + 38] == 250)
    }

    @Test func aggregationByHand() {
        let logits: [Float] = [-2, 3, 1, 3, 0.5]
        let top2 = ModelManifest.Aggregation(method: .topKMeanLogit, k: 2).score(logits)
        #expect(top2.logit == 3 && top2.keySlices == [1, 3])
        #expect(abs(top2.probability - 1 / (1 + exp(-3.0))) < 1e-12)
        let top3 = ModelManifest.Aggregation(method: .topKMeanLogit, k: 3).score(logits)
        #expect(abs(top3.logit - 7.0 / 3) < 1e-12 && top3.keySlices == [1, 3, 2])
        #expect(ModelManifest.Aggregation(method: .topKMeanLogit, k: 10).score(logits).logit == 5.5 / 5)
        #expect(ModelManifest.Aggregation(method: .maxLogit).score(logits).logit == 3)
        #expect(ModelManifest.Aggregation(method: .meanLogit).score(logits).logit == 1.1)
        #expect(ModelManifest.Aggregation(method: .maxLogit).score([]).probability == 0.5)
    }
}

@Suite struct DirectKernelTests {
    /// The direct 3 × 3 first-layer kernel against a naive loop in Double, on sizes that exercise its
    /// edges: one row, two columns, odd shapes, and rows long enough for whole vectors and a tail.
    @Test(arguments: [(1, 2), (2, 2), (3, 5), (7, 2), (16, 9), (5, 33), (9, 130)])
    func singleChannel3x3MatchesANaiveLoop(_ height: Int, _ width: Int) {
        let channels = 3
        let input = (0..<height * width).map { Float(($0 * 37) % 11) - 5 }
        let weights = (0..<channels * 9).map { Float(($0 * 7) % 5) - 2 }
        let bias: [Float] = [0.5, -1, 0]
        for relu in [false, true] {
            var output = [Float](repeating: .nan, count: channels * height * width)
            input.withUnsafeBufferPointer { i in
                weights.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        output.withUnsafeMutableBufferPointer { o in
                            SingleChannel3x3.run(input: i.baseAddress!, height: height, width: width, weights: w.baseAddress!,
                                                 bias: b.baseAddress!, channels: channels, output: o.baseAddress!,
                                                 channelStride: height * width, relu: relu)
                        }
                    }
                }
            }
            for c in 0..<channels {
                for y in 0..<height {
                    for x in 0..<width {
                        var sum = Double(bias[c])
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let (iy, ix) = (y + ky - 1, x + kx - 1)
                                if iy >= 0 && iy < height && ix >= 0 && ix < width {
                                    sum += Double(weights[c * 9 + ky * 3 + kx]) * Double(input[iy * width + ix])
                                }
                            }
                        }
                        if relu { sum = max(sum, 0) }
                        #expect(abs(Double(output[(c * height + y) * width + x]) - sum) <= 1e-5 * max(1, abs(sum)), "\(c) \(y) \(x)")
                    }
                }
            }
        }
    }

    /// im2col against its definition, Col[(c, ky, kx)][(y, x)] = In[c][y·s − p + ky][x·s − p + kx] or 0
    /// outside, for the whole-row paths (3-wide with padding 1, and other kernels) and the general walk
    /// (a range that starts mid-row), on a batch of two with odd sizes.
    @Test(arguments: [(3, 1, 0..<63), (3, 1, 18..<45), (3, 1, 5..<50), (5, 2, 0..<63), (3, 0, 0..<35)])
    func im2colMatchesItsDefinition(kernel: Int, padding: Int, columns: Range<Int>) {
        let input = ActivationShape(channels: 3, height: 7, width: 9), batch = 2
        let output = ActivationShape(channels: 1, height: 7 + 2 * padding - kernel + 1, width: 9 + 2 * padding - kernel + 1)
        let plane = output.height * output.width
        let columns = (plane + columns.lowerBound)..<(plane + min(columns.upperBound, plane))  // in the second slice
        let source = (0..<(input.count * batch)).map { Float($0 % 97) + 0.5 }
        let rows = input.channels * kernel * kernel
        var filled = [Float](repeating: .nan, count: rows * columns.count)
        source.withUnsafeBufferPointer { from in
            filled.withUnsafeMutableBufferPointer { to in
                Im2col.fill(to.baseAddress!, rowStride: columns.count, from: from.baseAddress!, shape: input, batch: batch, output: output,
                            kernel: (kernel, kernel), stride: (1, 1), padding: (padding, padding), columns: columns)
            }
        }
        var expected: [Float] = []
        for c in 0..<input.channels {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    for j in columns {
                        let b = j / plane, y = (j % plane) / output.width, x = j % output.width
                        let iy = y - padding + ky, ix = x - padding + kx
                        let inside = iy >= 0 && iy < input.height && ix >= 0 && ix < input.width
                        expected.append(inside ? source[((c * batch + b) * input.height + iy) * input.width + ix] : 0)
                    }
                }
            }
        }
        #expect(filled == expected)
    }
}
