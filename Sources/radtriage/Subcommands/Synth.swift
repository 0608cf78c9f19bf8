import ArgumentParser
import Foundation
import Synthesis

/// `radtriage synth`: writes synthetic studies with known ground truth.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write synthetic PET (and CT) studies with known lesions, in the study format.",
        discussion: """
            Each study folder holds study.json, PT/ (and CT/ with --ct) and ground_truth.json (lesion positions, \
            sizes and SUVs); with --format dicom, PT/ and CT/ hold DICOM PET and CT Image Storage files and there \
            is no study.json. The same options and seed always write the same bytes. Not real patients: for tests, \
            benchmarks, demos and training.
            """)

    @Option(help: "Folder to write the studies into (created if missing).")
    var out: String

    @Option(help: "Number of studies.")
    var studies: Int = 10

    @Option(help: "Slices per study (the same anatomy, head to thigh, at finer spacing).")
    var slices: Int = 300

    @Option(help: "Random seed: the same seed writes the same bytes.")
    var seed: UInt64 = 1

    @Option(help: "PET matrix size in pixels (square).")
    var matrix: Int = 256

    @Flag(help: "Also write a CT series.")
    var ct = false

    @Option(help: "CT matrix size in pixels (square).")
    var ctMatrix: Int = 512

    @Option(help: "Probability that a study has lesions, 0...1.")
    var lesionProbability: Double = 0.5

    @Option(help: "Noise level relative to a clinical scan; 0 for noiseless images.")
    var noise: Double = 1

    @Option(help: "zlib compression level of the PNG slices, 0...9 (6 gives clinical-like file sizes, 1 writes fastest).")
    var compression: Int = 1

    @Option(help: "Number of the first study (S0001 for 1).")
    var firstStudy: Int = 1

    @Option(help: "Phantom family: basic (a dozen ellipsoids), analytic (ellipsoids with the full physiology), lumpy (the same physiology as lumpy blobs, other resolution and noise texture), warped (the analytic anatomy through a smooth random 3-D displacement field, spherical lesions at their anatomical places, other resolution and noise level). Docs/Synthesis.md lists what each draws.")
    var family: String = PhantomFamily.basic.rawValue

    @Option(help: "Slice format: png (with a study.json sidecar) or dicom.")
    var format: String = "png"

    func validate() throws {
        guard studies >= 0 else { throw ValidationError("--studies must be 0 or more") }
        guard slices >= 1 else { throw ValidationError("--slices must be at least 1") }
        guard (8...4096).contains(matrix), (8...4096).contains(ctMatrix) else { throw ValidationError("matrix sizes must be 8...4096") }
        guard (0...1).contains(lesionProbability) else { throw ValidationError("--lesion-probability must be within 0...1") }
        guard noise >= 0 else { throw ValidationError("--noise must not be negative") }
        guard (0...9).contains(compression) else { throw ValidationError("--compression must be 0...9") }
        guard PhantomFamily(rawValue: family) != nil else {
            throw ValidationError("--family must be one of \(PhantomFamily.allCases.map(\.rawValue).joined(separator: ", ")), found \(family)")
        }
        guard SynthesisOptions.SliceFormat(rawValue: format) != nil else { throw ValidationError("--format must be png or dicom") }
    }

    func run() throws {
        var options = SynthesisOptions(studies: studies, slicesPerStudy: slices, seed: seed)
        options.petMatrix = matrix
        options.includeCT = ct
        options.ctMatrix = ctMatrix
        options.lesionProbability = lesionProbability
        options.noiseLevel = noise
        options.compressionLevel = compression
        options.firstStudyNumber = firstStudy
        options.family = PhantomFamily(rawValue: family) ?? .basic
        options.format = SynthesisOptions.SliceFormat(rawValue: format) ?? .png
        let progress = ProgressLine(total: studies, unit: "studies")
        let start = Date()
        let truths = try StudySynthesizer(options: options).writeStudies(to: URL(fileURLWithPath: out)) { done in
            progress.update(done)
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let lesionStudies = truths.filter(\.hasLesion).count
        print("wrote \(truths.count) studies × \(slices) slices to \(out) in \(String(format: "%.1f", seconds)) s (\(lesionStudies) with lesions)")
    }
}
