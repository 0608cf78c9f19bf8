import Benchmark
import Foundation
import BenchKernels
import Scoring
import SliceCodec
import StudyFormat
import Synthesis
import TriageCore
import TriagePipeline
import WorklistExport

// The pipeline's kernels one by one, with wall clock and malloc counts, so that a regression in one
// stage, or an allocation that creeps into a per-slice path, shows on its own:
//   cd Benchmarks && swift package benchmark            (all)
//   swift package benchmark --filter "decode.*"         (some)
// Fixtures are synthetic studies written to a temporary folder when the suite starts.

/// Where the fixtures live, and the default model.
enum Fixtures {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-package-benchmarks")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// One study of `slices` PET slices (and CT slices of `ctMatrix` when given), zlib level 6.
    static func study(_ name: String, slices: Int, petMatrix: Int = 256, ctMatrix: Int? = nil) throws -> URL {
        let folder = root.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("S0001/study.json").path) {
            var options = SynthesisOptions(studies: 1, slicesPerStudy: slices, seed: 21)
            options.petMatrix = petMatrix
            options.compressionLevel = 6
            if let ctMatrix {
                options.includeCT = true
                options.ctMatrix = ctMatrix
            }
            try StudySynthesizer(options: options).writeStudies(to: folder)
        }
        return folder.appendingPathComponent("S0001")
    }

    /// The bytes of the first slice file of a series.
    static func firstSlice(of series: URL) throws -> [UInt8] {
        let name = try FileManager.default.contentsOfDirectory(atPath: series.path).filter { $0.hasSuffix(".png") }.sorted()[0]
        return [UInt8](try Data(contentsOf: series.appendingPathComponent(name)))
    }

    static func model() throws -> ScoringModel {
        try ScoringModel.load(from: repository.appendingPathComponent("Models/pet-default"))
    }

    /// A worklist of `count` rows with every column filled and a thumbnail per row.
    static func worklist(rows count: Int) -> Worklist {
        let thumbnail = MIPThumbnail.png(mip: [Float](repeating: 2, count: 128 * 300), width: 128, columnMm: 4, sliceMm: 3,
                                         hottest: (column: 60, slice: 100))
        let rows = (0..<count).map { index in
            WorklistRow(
                rank: index + 1, studyId: "S\(index)", accession: "ACC\(index)", patientId: "P\(index)", site: "North", centre: "lung",
                pool: "north", priorityClass: "routine", dicomPriority: "LOW", hl7Priority: "R", fhirPriority: "routine",
                triageScore: 50 - Double(index) / 100, scoreComponents: ["model": 30, "priority": 0, "waiting": 10, "deadline": 10],
                modelProbability: 0.7, suvMax: 8.5, suvMaxPositionMm: PositionMm(x: 100, y: 120, z: 600), suvPeak: 6.1, hotVolumeMl: 12.5,
                keySlices: [10, 11, 12], keySliceFiles: ["0011.png", "0012.png", "0013.png"], board: nil, deadline: nil,
                hoursWaiting: 5, overdue: false, status: .scored, reason: "model 0.70, SUVmax 8.5", modelId: "m@1",
                thumbnailPNG: thumbnail)
        }
        return Worklist(generatedAt: Date(timeIntervalSince1970: 1_790_000_000), modelId: "m@1", weightsSHA256: "", pool: nil, rows: rows)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(2))

    // Decoding one slice, into a reused buffer (as the pipeline does).
    for (name, matrix, series) in [("decode PET 256×256 slice", 256, "PT"), ("decode CT 512×512 slice", 512, "CT")] {
        Benchmark(name) { benchmark in
            let study = try Fixtures.study("decode-\(matrix)", slices: 4, ctMatrix: series == "CT" ? matrix : nil)
            let bytes = try Fixtures.firstSlice(of: study.appendingPathComponent(series))
            let decoder = PNGSliceDecoder()
            var samples: [UInt16] = []
            try decoder.decode(bytes, file: name, into: &samples)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try decoder.decode(bytes, file: name, into: &samples))
            }
        }
    }

    // im2col and each GEMM of the default model at their real shapes, one thread.
    if let model = try? Fixtures.model() {
        BLASThreads.useOneThreadPerWorker()
        for layer in Set(model.gemmShapes.map(\.layer)).sorted() {
            guard let fill = KernelCalls.Im2colFill(model: model, layer: layer) else { continue }
            Benchmark("im2col layer \(layer) (\(fill.rows) × \(fill.positions))") { benchmark in
                for _ in benchmark.scaledIterations { fill.run() }
            }
        }
        // A layer runs as several GEMM calls of the same shape (chunks of one slice's positions): one each.
        var seen: [String: Int] = [:]
        for shape in model.gemmShapes { seen["GEMM layer \(shape.layer) m=\(shape.m) n=\(shape.n) k=\(shape.k)", default: 0] += 1 }
        for shape in model.gemmShapes {
            let name = "GEMM layer \(shape.layer) m=\(shape.m) n=\(shape.n) k=\(shape.k)"
            guard let calls = seen.removeValue(forKey: name) else { continue }
            let call = KernelCalls.GEMM(m: shape.m, n: shape.n, k: shape.k)
            Benchmark("\(name) (\(calls) per slice)") { benchmark in
                for _ in benchmark.scaledIterations { call.run() }
            }
        }
        // Reading the sidecar and listing the slices, which scoring a study starts with: its own share of
        // the study's allocations.
        Benchmark("read one study's sidecar and 64-slice listing") { benchmark in
            let study = try Fixtures.study("study-64", slices: 64)
            for _ in benchmark.scaledIterations { blackHole(try StudyReader().read(folder: study)) }
        }
        // One whole study through the scorer: decode, SUV, evidence, MIP, resampling, inference.
        Benchmark("score one study of 64 PET slices", configuration: .init(maxDuration: .seconds(5))) { benchmark in
            let study = try Fixtures.study("study-64", slices: 64)
            let scorer = StudyScorer(model: model)
            _ = scorer.score(studyAt: study)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(scorer.score(studyAt: study)) }
        }
    }

    // Rendering a 1000-row worklist: CSV, JSON and HTML written into a folder.
    Benchmark("write a 1000-row worklist (CSV, JSON, HTML)") { benchmark in
        let worklist = Fixtures.worklist(rows: 1000)
        let folder = Fixtures.root.appendingPathComponent("worklist")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let writer = WorklistWriter(directory: folder)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try writer.write(worklist)) }
    }
}
