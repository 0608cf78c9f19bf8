import Dispatch
import Foundation
import BenchKernels
import Scoring

// Prints, in one run: the GFLOP/s of a plain large single-threaded sgemm (the machine's compute bound),
// the GFLOP/s of each of the model's GEMMs at its real shape, and the model-only throughput on one core
// (slices per second through InferenceEngine, inputs already on the model grid).
//
// Usage: scoring-bench [--model DIR] [--seconds S] [--batch N]

var modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Models/pet-default").standardized.path
var seconds = 3.0
var batch = InferenceEngine.preferredBatch
var iterator = CommandLine.arguments.dropFirst().makeIterator()
while let flag = iterator.next() {
    switch flag {
    case "--model": modelPath = iterator.next() ?? modelPath
    case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
    case "--batch": batch = Int(iterator.next() ?? "") ?? batch
    default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8)); exit(64)
    }
}

let model: ScoringModel
do {
    model = try ScoringModel.load(from: URL(fileURLWithPath: modelPath))
} catch {
    FileHandle.standardError.write(Data("scoring-bench: \(error)\n".utf8))
    exit(1)
}

func gflops(_ flops: Int, _ seconds: Double) -> Double { Double(flops) / seconds / 1e9 }

print("scoring-bench: \(model.id), \(String(format: "%.1f", Double(model.flopsPerSlice) / 1e6)) MFLOP per slice, one thread")
let square = 2048
let bound = gflops(2 * square * square * square, GEMMTiming.secondsPerCall(m: square, n: square, k: square, calls: 2, rounds: 3))
print(String(format: "plain sgemm %d × %d × %d: %.1f GFLOP/s (the bound)", square, square, square, bound))

var modelGEMMSeconds = 0.0
var seen = Set<String>()
for shape in model.gemmShapes {
    let time = GEMMTiming.secondsPerCall(m: shape.m, n: shape.n, k: shape.k, calls: 50, rounds: 5)
    modelGEMMSeconds += time
    let key = "\(shape.layer) \(shape.m) \(shape.n) \(shape.k)"
    if seen.insert(key).inserted {
        let rate = gflops(shape.flops, time)
        print(String(format: "layer %d GEMM m=%d n=%d k=%d: %.1f GFLOP/s (%.0f %% of the bound)", shape.layer, shape.m, shape.n, shape.k,
                     rate, 100 * rate / bound))
    }
}
let gemmFlops = model.gemmShapes.map(\.flops).reduce(0, +)
let gemmRate = gflops(gemmFlops, modelGEMMSeconds)
print(String(format: "all model GEMMs: %.1f GFLOP/s (%.0f %% of the bound), %.3f ms per slice", gemmRate, 100 * gemmRate / bound, modelGEMMSeconds * 1e3))

let engine = InferenceEngine(model: model, maxBatch: batch)
for slot in 0..<batch {
    let input = engine.inputSlice(slot)
    for i in input.indices { input[i] = Float((i * 7 + slot) % 23) / 23 }
}
_ = engine.run(batch: batch)
var slices = 0
let start = DispatchTime.now().uptimeNanoseconds
var elapsed = 0.0
while elapsed < seconds {
    _ = engine.run(batch: batch)
    slices += batch
    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
let throughput = Double(slices) / elapsed
// Where a batch's time goes, layer by layer (the time between one layer's output and the next).
var layerSeconds = [Double](repeating: 0, count: model.manifest.layers.count)
for _ in 0..<50 {
    var last = DispatchTime.now().uptimeNanoseconds
    _ = engine.run(batch: batch) { index, _ in
        let now = DispatchTime.now().uptimeNanoseconds
        layerSeconds[index] += Double(now - last) / 1e9
        last = now
    }
}
for (index, layer) in model.manifest.layers.enumerated() {
    print(String(format: "  layer %d %@: %.3f ms per slice", index, layer.type, layerSeconds[index] / Double(50 * batch) * 1e3))
}
print(String(format: "model only (batches of %d): %.0f slices/s, %.3f ms per slice, %.1f GFLOP/s overall (GEMMs are %.0f %% of a slice's time)",
             batch, throughput, 1e3 / throughput, Double(model.flopsPerSlice) * throughput / 1e9, 100 * modelGEMMSeconds * throughput))
