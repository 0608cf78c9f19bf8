import Foundation

/// What `radtriage bench` measured, as text for people and JSON (`--json`) for scripts.
public struct BenchReport: Codable, Sendable {
    public var studies: Int
    public var slices: Int
    public var sliceSize: String
    public var model: String
    public var modelMFLOPPerSlice: Double
    public var cores: Int
    /// The plain C pipeline (libpng + im2col/sgemm model) on the same files, one thread.
    public var pipelineBound: PlainPipelineBound.Measurement
    /// The same on as many threads as the most jobs measured (nil for one job): the scaling that this
    /// machine gives a plain pipeline, against which radtriage's scaling is read.
    public var parallelPipelineBound: PlainPipelineBound.Measurement?
    public var decodeBound: DecodeBound.Measurement
    public var gemmBound: GEMMBound.Measurement
    /// The same GEMMs with one OpenBLAS thread per core on each call (nil on one core).
    public var threadedGEMMBound: GEMMBound.Measurement?
    public var runs: [PipelineRun]
    /// Derived in `init`, stored so that the JSON carries them.
    public var ratios: Ratios

    public struct Ratios: Codable, Sendable {
        /// One job's slices per second over each one-thread bound. The plain C pipeline's is the one the
        /// throughput target is stated in (≥ 0.9).
        public var toPlainPipeline: Double
        public var toDecodeOnly: Double
        public var toSGEMMOnly: Double
        /// Over decode + sgemm of the same slice on one thread (1 / (t_decode + t_sgemm)): a plain C
        /// pipeline that did nothing but decode and multiply.
        public var toDecodePlusSGEMM: Double
        /// Slices per second at each job count over one job's.
        public var scaling: [String: Double]
        /// The plain C pipeline's slices per second on N threads over one thread's (N = the most jobs).
        public var plainPipelineScaling: Double?
    }

    public init(studies: Int, slices: Int, sliceSize: String, model: String, modelMFLOPPerSlice: Double, cores: Int,
                pipelineBound: PlainPipelineBound.Measurement, parallelPipelineBound: PlainPipelineBound.Measurement? = nil,
                decodeBound: DecodeBound.Measurement, gemmBound: GEMMBound.Measurement, threadedGEMMBound: GEMMBound.Measurement?,
                runs: [PipelineRun]) {
        self.studies = studies
        self.slices = slices
        self.sliceSize = sliceSize
        self.model = model
        self.modelMFLOPPerSlice = modelMFLOPPerSlice
        self.cores = cores
        self.pipelineBound = pipelineBound
        self.parallelPipelineBound = parallelPipelineBound
        self.decodeBound = decodeBound
        self.gemmBound = gemmBound
        self.threadedGEMMBound = threadedGEMMBound
        self.runs = runs
        let single = runs.first { $0.jobs == 1 }?.slicesPerSecond ?? 0
        ratios = Ratios(
            toPlainPipeline: single / max(pipelineBound.slicesPerSecond, 1e-9),
            toDecodeOnly: single / max(decodeBound.slicesPerSecond, 1e-9), toSGEMMOnly: single / max(gemmBound.slicesPerSecond, 1e-9),
            toDecodePlusSGEMM: single / Self.decodePlusSGEMM(decodeBound, gemmBound),
            scaling: Dictionary(uniqueKeysWithValues: runs.map { ("\($0.jobs)", $0.slicesPerSecond / max(single, 1e-9)) }),
            plainPipelineScaling: parallelPipelineBound.map { $0.slicesPerSecond / max(pipelineBound.slicesPerSecond, 1e-9) })
    }

    public var decodePlusSGEMMSlicesPerSecond: Double { Self.decodePlusSGEMM(decodeBound, gemmBound) }

    /// A slice decoded and multiplied on one thread, nothing else: 1 / (t_decode + t_sgemm).
    static func decodePlusSGEMM(_ decode: DecodeBound.Measurement, _ gemm: GEMMBound.Measurement) -> Double {
        1 / (1 / max(decode.slicesPerSecond, 1e-9) + gemm.secondsPerSlice)
    }

    public var text: String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        func bound(_ label: String, _ rate: Double) -> String {
            "  " + label + String(repeating: " ", count: max(1, 49 - label.count)) + pad(f(rate), 6) + " slices/s  "
                + f(1000 / max(rate, 1e-9), 3) + " ms per slice"
        }
        var lines = [
            "radtriage bench: \(studies) studies, \(slices) slices of \(sliceSize); model \(model) (\(f(modelMFLOPPerSlice, 1)) MFLOP per slice); \(cores) cores",
            "",
            "bounds on one thread, same files and shapes:",
            bound("plain C pipeline (libpng or DICOM copy + im2col/sgemm)", pipelineBound.slicesPerSecond),
            bound("decode only (libpng loop; DICOM: read + copy)", decodeBound.slicesPerSecond),
            bound("sgemm only at the model's shapes", gemmBound.slicesPerSecond) + " (\(f(gemmBound.gflops, 1)) GFLOP/s)",
            bound("decode + sgemm", decodePlusSGEMMSlicesPerSecond),
        ]
        if let threaded = threadedGEMMBound {
            let perWorker = gemmBound.slicesPerSecond * Double(cores)
            let verdict = threaded.slicesPerSecond < perWorker ? "one BLAS thread per worker, as radtriage runs, is faster"
                : "OpenBLAS's own threads would be faster here: the policy should be revisited"
            lines += [
                "BLAS thread policy: the model's GEMMs with \(cores) OpenBLAS threads on each call: \(f(threaded.slicesPerSecond)) slices/s;",
                "  \(cores) workers of one thread each: up to \(f(perWorker)); \(verdict)",
            ]
        }
        lines += [
            "",
            "radtriage run, end to end (decode, SUV, evidence, MIP, model, ranking, worklists):",
            "  (the fastest round at each job count; decode, quantify and model: milliseconds per slice within a worker)",
            "  jobs  seconds  slices/s  studies/min  peak RSS   decode  quantify   model  scaling  every round (s)",
        ]
        for run in runs {
            lines.append("  " + pad("\(run.jobs)", 4) + pad(f(run.seconds, 2), 9) + pad(f(run.slicesPerSecond), 10) + pad(f(run.studiesPerMinute, 1), 13)
                         + pad(f(run.peakRSSMB) + " MB", 10) + pad(f(run.decodeMsPerSlice, 3), 9) + pad(f(run.quantifyMsPerSlice, 3), 10)
                         + pad(f(run.modelMsPerSlice, 3), 8) + pad(f(ratios.scaling["\(run.jobs)"] ?? 0, 2) + " ×", 9)
                         + "  " + run.roundSeconds.map { f($0, 2) }.joined(separator: " "))
        }
        lines += [
            "",
            "1 job against the one-thread bounds: \(f(ratios.toPlainPipeline, 2)) × the plain C pipeline, \(f(ratios.toDecodeOnly, 2)) × decode only, \(f(ratios.toSGEMMOnly, 2)) × sgemm only, "
                + "\(f(ratios.toDecodePlusSGEMM, 2)) × decode + sgemm",
        ]
        if let parallel = parallelPipelineBound, let plainScaling = ratios.plainPipelineScaling, let most = runs.last {
            let threads = most.jobs
            lines.append("scaling 1 → \(threads) jobs: radtriage \(f(ratios.scaling["\(threads)"] ?? 0, 2)) ×; the plain C pipeline on "
                         + "\(threads) threads in the same run: \(f(parallel.slicesPerSecond)) slices/s, \(f(plainScaling, 2)) × (this machine's own scaling)")
        }
        return lines.joined(separator: "\n")
    }
}
