import ArgumentParser
import Evidence
import Foundation
import TriageCore
import Scoring
import TriagePipeline

/// `radtriage score STUDY...`: scores studies with the model and prints the probability and evidence.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score studies with the model: probability of an abnormal finding, SUVmax, SUVpeak, hot volume, key slices.",
        discussion: """
            The JSON form carries every slice's logit, so that the engine can be checked against another \
            implementation. Exit code 0 when every study was scored, 1 when some could not be, 78 when the model \
            is missing or invalid.
            """)

    @Argument(help: "Study folders (PNG with study.json), or folders of DICOM files (every study in them is scored).")
    var studies: [String]

    @Option(help: "Model folder (manifest.json + weights). Default: $RADTRIAGE_MODEL, else Models/pet-default.")
    var model: String?

    @Option(help: "Slices per inference batch.")
    var batch: Int = InferenceEngine.preferredBatch

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard batch >= 1 && batch <= 1024 else { throw ValidationError("--batch must be 1...1024") }
    }

    func run() throws {
        BLASThreads.useOneThreadPerWorker()
        let loaded = try ModelLocation.load(model)
        let scorer = StudyScorer(model: loaded, batchSize: batch)
        var results: [StudyScoringResult] = []
        var failures: [StudyFailure] = []
        for path in studies {
            for source in StudySource.studies(at: URL(fileURLWithPath: path)) {
                switch scorer.score(source) {
                case .scored(let result): results.append(result)
                case .failed(let failure): failures.append(failure)
                }
            }
        }
        if json {
            struct Report: Encodable {
                var model: String
                var weightsSHA256: String
                var scored: [StudyScoringResult]
                var failed: [StudyFailure]
            }
            let report = Report(model: loaded.id, weightsSHA256: loaded.weightsSHA256, scored: results, failed: failures)
            print(String(decoding: try JSONFormat.readable().encode(report), as: UTF8.self))
        } else {
            print("model \(loaded.id) (\(loaded.folder))")
            for result in results { print(Self.text(result)) }
            for failure in failures { print("\(failure.studyId ?? failure.path)  FAILED: \(failure.reason)") }
        }
        if !failures.isEmpty { throw ExitCode.someInputUnusable }
    }

    static func text(_ result: StudyScoringResult) -> String {
        let keys = result.keySlices.map { "\($0.index) (\($0.file), logit \(String(format: "%.2f", $0.logit)))" }.joined(separator: ", ")
        var lines = ["\(result.studyId)  probability \(String(format: "%.3f", result.probability))  (\(result.sliceLogits.count) slices of \(result.series))"]
        if let evidence = result.evidence {
            let position = evidence.suvMaxPositionMm.components.map { String(format: "%.1f", $0) }.joined(separator: ", ")
            lines.append("  SUVmax \(String(format: "%.2f", evidence.suvMax)) at (\(position)) mm, SUVpeak \(String(format: "%.2f", evidence.suvPeak)), "
                         + "volume above SUV \(String(format: "%.1f", evidence.hotThresholdSUV)) \(String(format: "%.1f", evidence.hotVolumeMl)) mL")
            if let focal = evidence.focalUptake {
                let tissue = focal.referenceTissue.map { $0 == "liver" ? "liver mean" : "body median" } ?? "reference"
                let excluded = focal.excluded.map {
                    ", set aside as physiology: \($0.organSized) organ-sized, \($0.tubular) tubular, \($0.outsideTrunk) outside the trunk, "
                        + "\($0.symmetricPair) in mirror pairs"
                } ?? ""
                lines.append("  focal-uptake baseline: \(tissue) SUV \(String(format: "%.2f", focal.referenceSUV)), threshold SUVpeak "
                             + "\(String(format: "%.2f", focal.thresholdSUV))\(excluded); "
                             + "\(focal.candidates.isEmpty ? "no candidates" : "strongest first (by contrast to their surroundings):")")
                for candidate in focal.candidates.prefix(3) { lines.append("    \(candidate.summary)") }
            }
        }
        lines.append("  key slices: \(keys)")
        return lines.joined(separator: "\n")
    }
}
