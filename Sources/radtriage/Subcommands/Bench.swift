import ArgumentParser
import Benchmarking
import Foundation
import Scoring
import TriageCore

/// `radtriage bench`: throughput of the real pipeline next to the machine's bounds, in one run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure radtriage run end to end at 1 to N jobs, beside a plain C pipeline and the decode-only and sgemm-only bounds.",
        discussion: """
            Runs `radtriage run` as a child process over the studies at 1, 2, 4, … and --jobs workers (each into \
            a fresh scratch folder, so every study is scored; --rounds times, interleaved, keeping the fastest), \
            and in the same run the bounds on one thread: the \
            plain C pipeline (libpng, SUV, resampling, im2col + sgemm for every convolution) scoring the same \
            slice files, the same files decoded by a plain libpng loop, and cblas_sgemm at the model's GEMM \
            shapes. Prints slices/s, studies/min, time per stage per slice, peak resident memory, the ratios to \
            the bounds and the scaling. The machine is shared and noisy: compare the ratios, measured in one run.
            """)

    @Option(help: "Folder of study folders to measure on.")
    var studies: String?

    @Option(help: ArgumentHelp("Generate N synthetic PET studies of M slices (e.g. 8x300) in a scratch folder instead.", valueName: "NxM"))
    var generate: String?

    @Option(help: "Matrix of the generated slices in pixels (square).")
    var matrix: Int = 256

    @Option(help: "Largest number of workers to measure (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Runs per job count, interleaved; the fastest counts (the machine may be shared).")
    var rounds: Int = 3

    @Option(help: "Model folder. Default: $RADTRIAGE_MODEL, else Models/pet-default.")
    var model: String?

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    func validate() throws {
        guard (studies == nil) != (generate == nil) else { throw ValidationError("give either --studies DIR or --generate NxM") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard matrix >= 16 && matrix <= 4096 else { throw ValidationError("--matrix must be 16...4096") }
        if let generate { _ = try Self.parseGenerate(generate) }
    }

    static func parseGenerate(_ text: String) throws -> (studies: Int, slices: Int) {
        let parts = text.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" })
        guard parts.count == 2, let studies = Int(parts[0]), let slices = Int(parts[1]), studies >= 1, slices >= 1 else {
            throw ValidationError("--generate must be N×M studies × slices, such as 8x300 (got \(text))")
        }
        return (studies, slices)
    }

    func run() throws {
        let loaded = try ModelLocation.load(model)
        let source: PipelineBench.Source
        if let generate {
            let (count, slices) = try Self.parseGenerate(generate)
            source = .generate(studies: count, slices: slices, matrix: matrix)
        } else {
            source = .studies(URL(fileURLWithPath: studies!))
        }
        var bench = PipelineBench(source: source, jobs: jobs, model: loaded, modelArgument: loaded.folder)
        bench.rounds = rounds
        let report = try bench.run(executable: Self.executablePath) { step in
            FileHandle.standardError.write(Data("bench: \(step)\n".utf8))
        }
        if json {
            print(String(decoding: try JSONFormat.readable().encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }

    /// This executable, to run `radtriage run` as a child.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
