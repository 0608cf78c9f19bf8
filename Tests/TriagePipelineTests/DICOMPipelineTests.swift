import DICOMStudy
import Evidence
import Quantification
import Foundation
import Logging
import Scoring
import Synthesis
import Testing
import Triage
import TriageCore
@testable import TriagePipeline

/// DICOM studies through the pipeline beside PNG ones: the same study as DICOM and as PNG scores the
/// same, a hostile DICOM file fails its study with its reason and the run goes on, and an unchanged
/// DICOM study is not scored again.
@Suite struct DICOMPipelineTests {
    static func synthesize(_ format: SynthesisOptions.SliceFormat, into folder: URL, studies: Int = 2) throws {
        var options = SynthesisOptions(studies: studies, slicesPerStudy: 24, seed: 9)
        options.petMatrix = 40
        options.lesionProbability = 1
        options.format = format
        try StudySynthesizer(options: options).writeStudies(to: folder)
    }

    static func temporary() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-dicom-pipeline-\(UUID().uuidString)")
    }

    @Test func theSameStudyAsDICOMAndAsPNGScoresTheSame() throws {
        let png = Self.temporary(), dicom = Self.temporary()
        defer { for url in [png, dicom] { try? FileManager.default.removeItem(at: url) } }
        try Self.synthesize(.png, into: png, studies: 1)
        try Self.synthesize(.dicom, into: dicom, studies: 1)
        let model = try ScoringModel.load(from: StudyScorerTests.modelFolder)
        let sources = StudySource.studies(at: dicom.appendingPathComponent("S0001"))
        #expect(sources.count == 1)
        guard case .scored(let fromPNG) = StudyScorer(model: model).score(studyAt: png.appendingPathComponent("S0001")),
              case .scored(let fromDICOM) = StudyScorer(model: model).score(sources[0]) else {
            Issue.record("both must score")
            return
        }
        #expect(fromDICOM.sliceLogits == fromPNG.sliceLogits)
        #expect(fromDICOM.probability == fromPNG.probability)
        #expect(fromDICOM.evidence?.suvMax == fromPNG.evidence?.suvMax)
        #expect(fromDICOM.metadata.identity.accessionNumber == fromPNG.metadata.identity.accessionNumber)
        #expect(fromDICOM.metadata.context.orderedPriority == fromPNG.metadata.context.orderedPriority)
        #expect(fromDICOM.suvProvenance?.decayIntervalSeconds == fromPNG.suvProvenance?.decayIntervalSeconds)
    }

    /// The same PET series as one Enhanced PET file (pydicom rewrites the slices as frames in shuffled
    /// order, classic_to_enhanced.py): it scores as the series of slice files does, every slice logit.
    @Test func theSameSeriesAsEnhancedPETScoresTheSame() throws {
        let classic = Self.temporary(), enhanced = Self.temporary()
        defer { for url in [classic, enhanced] { try? FileManager.default.removeItem(at: url) } }
        try Self.synthesize(.dicom, into: classic, studies: 1)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = enhanced.appendingPathComponent("S0001/PT")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = root.appendingPathComponent(".build/venv/bin/python")
        process.arguments = [root.appendingPathComponent("Tests/DICOMFormatTests/Reference/classic_to_enhanced.py").path,
                             classic.appendingPathComponent("S0001/PT").path, folder.appendingPathComponent("enhanced.dcm").path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "classic_to_enhanced.py failed (is .build/venv there? `make test-venv`)")
        let model = try ScoringModel.load(from: StudyScorerTests.modelFolder)
        let fromClassic = StudySource.studies(at: classic.appendingPathComponent("S0001"))
        let fromEnhanced = StudySource.studies(at: enhanced.appendingPathComponent("S0001"))
        try #require(fromClassic.count == 1 && fromEnhanced.count == 1)
        guard case .scored(let slices) = StudyScorer(model: model).score(fromClassic[0]),
              case .scored(let frames) = StudyScorer(model: model).score(fromEnhanced[0]) else {
            Issue.record("both must score")
            return
        }
        #expect(frames.sliceLogits.count == 24)
        // The dose is written in MBq instead of Bq: the SUV scale may differ in its last bit.
        #expect(zip(frames.sliceLogits, slices.sliceLogits).allSatisfy { abs($0 - $1) < 1e-4 }, "\(frames.sliceLogits) against \(slices.sliceLogits)")
        #expect(abs(frames.probability - slices.probability) < 1e-6)
        let suvMax = try #require(slices.evidence?.suvMax)
        #expect(abs((frames.evidence?.suvMax ?? 0) - suvMax) < 1e-6 * suvMax)
        #expect(frames.suvProvenance?.decayIntervalSeconds == slices.suvProvenance?.decayIntervalSeconds)
        #expect(frames.suvProvenance?.scanReferenceRule == .decayCorrectionDateTime)
        #expect(frames.keySlices.map(\.index) == slices.keySlices.map(\.index))
        #expect(frames.keySlices.allSatisfy { $0.file.hasPrefix("enhanced.dcm frame ") })
    }

    @Test func aRunTakesDICOMBesidePNGAndAHostileFileFailsOnlyItsStudy() throws {
        let root = Self.temporary(), out = Self.temporary()
        defer { for url in [root, out] { try? FileManager.default.removeItem(at: url) } }
        // PNG study folders directly under the studies folder; DICOM as an export nested below it.
        try Self.synthesize(.png, into: root, studies: 1)
        try Self.synthesize(.dicom, into: root.appendingPathComponent("export/pacs"), studies: 2)
        // Study S0002's slice 5 cut inside its pixel data: that study fails naming the element, the others score.
        let victim = root.appendingPathComponent("export/pacs/S0002/PT/0005.dcm")
        let bytes = try Data(contentsOf: victim)
        try bytes.prefix(bytes.count - 100).write(to: victim)
        let model = try ScoringModel.load(from: StudyScorerTests.modelFolder)
        var run = TriageRun(model: model, configuration: .builtIn, logger: Logger(label: "test"))
        run.jobs = 1
        let summary = try run.run(studies: root, output: out)
        #expect(summary.studies == 3)
        #expect(summary.scored == 2)
        #expect(summary.failed == 1)
        let csv = try String(contentsOf: out.appendingPathComponent("worklist.csv"), encoding: .utf8)
        #expect(csv.contains("PixelData (7FE0,0010) declares"), "\(csv)")
        // What was not mapped is on the row: no organ-centre patterns in the built-in configuration.
        #expect(csv.contains("qc_flags") && csv.contains("no organ-centre patterns configured"), "\(csv)")
        let again = try run.run(studies: root, output: out)
        #expect(again.skipped == 3 && again.scored == 0, "unchanged studies are not scored again")
    }
}
