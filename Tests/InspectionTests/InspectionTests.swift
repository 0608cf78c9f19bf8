import Foundation
import PNGFixtures
import StudyFormat
import Synthesis
import Testing
import TriageCore
@testable import Inspection

@Suite struct InspectionTests {
    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-inspect-\(UUID().uuidString)")
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    }

    /// A synthetic study whose hottest spot is a lesion (not the bladder or brain), found by reading
    /// ground truths only, then written alone.
    static func lesionDominatedStudy(noise: Double, into folder: URL) throws -> (URL, GroundTruth.LesionTruth) {
        var options = SynthesisOptions(studies: 1, slicesPerStudy: 90, seed: 21)
        options.petMatrix = 80
        options.lesionProbability = 1
        options.noiseLevel = noise
        for number in 1...300 {
            let truth = SyntheticStudy(number: number, options: options).groundTruth
            guard let lesion = truth.lesions.max(by: { $0.expectedSuvMax < $1.expectedSuvMax }),
                  lesion.expectedSuvMax > 1.3 * (truth.organSuv.values.max() ?? 0) else { continue }
            options.firstStudyNumber = number
            try StudySynthesizer(options: options).writeStudies(to: folder)
            return (folder.appendingPathComponent(truth.studyId), lesion)
        }
        throw CancellationError()
    }

    /// Noiseless, the reported SUVmax is the lesion's blurred peak up to 16-bit quantisation
    /// (1/32000 of the slice maximum, so 0.1 % is a safe bound), at the lesion's centre voxel.
    @Test func suvMaxOfANoiselessLesionEqualsItsGroundTruth() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (study, lesion) = try Self.lesionDominatedStudy(noise: 0, into: folder)
        let report = StudyInspector().inspectStudy(at: study)
        #expect(report.isUsable)
        let suv = try #require(report.series.first?.suv)
        #expect(abs(suv.suvMax - lesion.expectedSuvMax) <= 1e-3 * lesion.expectedSuvMax)
        #expect(Self.distance(suv.positionMm, lesion.centreMm.components) <= lesion.diameterMm / 2, "hottest voxel \(suv.positionMm) vs lesion centre \(lesion.centreMm)")
    }

    /// With clinical noise (sd = 0.15·√SUV per voxel) the maximum over the lesion's voxels sits above
    /// the noiseless peak by a few sd: the bound is 5 sd of the peak's noise, and the position stays
    /// within the lesion.
    @Test func suvMaxOfANoisyLesionIsWithinTheNoiseOfItsGroundTruth() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (study, lesion) = try Self.lesionDominatedStudy(noise: 1, into: folder)
        let suv = try #require(StudyInspector().inspectStudy(at: study).series.first?.suv)
        let sd = 0.15 * lesion.expectedSuvMax.squareRoot()
        #expect(abs(suv.suvMax - lesion.expectedSuvMax) <= 5 * sd, "SUVmax \(suv.suvMax) vs expected \(lesion.expectedSuvMax)")
        #expect(Self.distance(suv.positionMm, lesion.centreMm.components) <= lesion.diameterMm / 2 + 6)
        #expect(suv.provenanceText.contains("decay interval"))
    }

    @Test func brokenAndMismatchedSlicesAreNamed() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = SynthesisOptions(studies: 1, slicesPerStudy: 12, seed: 2)
        options.petMatrix = 32
        try StudySynthesizer(options: options).writeStudies(to: folder)
        let study = folder.appendingPathComponent("S0001")
        let pt = study.appendingPathComponent("PT")
        let truncated = try Data(contentsOf: pt.appendingPathComponent("0003.png")).prefix(100)
        try truncated.write(to: pt.appendingPathComponent("0003.png"))
        try Data(PNGFixture(width: 16, height: 32, samples: [UInt16](repeating: 5, count: 512)).encoded())
            .write(to: pt.appendingPathComponent("0007.png"))
        let report = StudyInspector().inspectStudy(at: study)
        #expect(!report.isUsable)
        let errors = report.problems.filter { $0.severity == .error }
        #expect(errors.count == 2)
        #expect(errors.contains { $0.file.hasSuffix("PT/0003.png") && $0.message.contains("damaged PNG") })
        #expect(errors.contains { $0.file.hasSuffix("PT/0007.png") && $0.value == "16 × 32" && $0.message.contains("32 × 32") })
        #expect(report.series.first?.decodedSliceCount == 10)
        let text = InspectionText.render(report)
        #expect(text.contains("NOT USABLE") && text.contains("10/12 slices"))
    }

    @Test func suvNotComputableMakesTheStudyUnusableWithItsReason() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = SynthesisOptions(studies: 1, slicesPerStudy: 6, seed: 2)
        options.petMatrix = 16
        try StudySynthesizer(options: options).writeStudies(to: folder)
        let sidecar = folder.appendingPathComponent("S0001/study.json")
        var json = try JSONDecoder().decode(StudySidecar.self, from: Data(contentsOf: sidecar))
        json.patientWeightKg = nil
        json.series[0].radiopharmaceutical?.radionuclide = "Xx-1"
        try JSONEncoder().encode(json).write(to: sidecar)
        let report = StudyInspector().inspectStudy(at: folder.appendingPathComponent("S0001"))
        #expect(!report.isUsable)
        #expect(report.problems.map(\.field) == ["$.patientWeightKg", "$.series[0].radiopharmaceutical.radionuclide"])
        #expect(report.series.first?.suv == nil)
        #expect(report.series.first?.suvUnavailable?.count == 2)
    }

    @Test func missingSidecarIsReportedForTheFolder() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("S9/PT"), withIntermediateDirectories: true)
        guard case .studies(let studies) = try StudyInspector().inspect(path: folder.path) else {
            Issue.record("expected studies")
            return
        }
        #expect(studies.count == 1 && !studies[0].isUsable)
        #expect(studies[0].problems.first?.message.contains("study.json not found") == true)
    }

    @Test func singleSliceReportsHeaderValuesOrItsProblem() throws {
        let folder = Self.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let gray = folder.appendingPathComponent("gray.png"), rgb = folder.appendingPathComponent("rgb.png")
        try Data(PNGFixture(width: 3, height: 2, samples: [0, 7, 1000, 4095, 30000, 65535]).encoded()).write(to: gray)
        try Data(PNGFixture(width: 1, height: 1, bitDepth: 8, colorType: .rgb, samples: [1, 2, 3]).encoded()).write(to: rgb)
        guard case .slice(let good) = try StudyInspector().inspect(path: gray.path),
              case .slice(let bad) = try StudyInspector().inspect(path: rgb.path) else {
            Issue.record("expected slices")
            return
        }
        #expect(good.isUsable && good.width == 3 && good.height == 2 && good.storedRange == ValueRange(min: 0, max: 65535))
        #expect(!bad.isUsable && bad.colorType == "RGB" && bad.problems.first?.message.contains("colour type RGB") == true)
        #expect(throws: StudyInspector.NotFound.self) { try StudyInspector().inspect(path: folder.appendingPathComponent("none").path) }
    }
}
