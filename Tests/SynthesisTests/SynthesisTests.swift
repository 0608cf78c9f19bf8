import Foundation
import SliceCodec
import StudyFormat
import Testing
import TriageCore
@testable import Synthesis

@Suite struct SynthesisTests {
    static func options(seed: UInt64 = 11, studies: Int = 2, slices: Int = 40, lesions: Double = 0.5, noise: Double = 1) -> SynthesisOptions {
        var options = SynthesisOptions(studies: studies, slicesPerStudy: slices, seed: seed)
        options.petMatrix = 48
        options.ctMatrix = 64
        options.lesionProbability = lesions
        options.noiseLevel = noise
        return options
    }

    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-synth-\(UUID().uuidString)")
    }

    static func files(under root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[String(url.path.dropFirst(root.path.count))] = try Data(contentsOf: url)
            }
        }
        return files
    }

    @Test func sameSeedWritesTheSameBytes() throws {
        var options = Self.options()
        options.includeCT = true
        let first = Self.temporaryFolder(), second = Self.temporaryFolder(), other = Self.temporaryFolder()
        defer { for url in [first, second, other] { try? FileManager.default.removeItem(at: url) } }
        try StudySynthesizer(options: options).writeStudies(to: first)
        try StudySynthesizer(options: options).writeStudies(to: second)
        let a = try Self.files(under: first), b = try Self.files(under: second)
        #expect(a.count == 2 * (40 + 40 + 2))
        #expect(a == b)
        options.seed = 12
        try StudySynthesizer(options: options).writeStudies(to: other)
        #expect(try Self.files(under: other)["/S0001/study.json"] != a["/S0001/study.json"])
    }

    @Test func writtenStudiesReadBackThroughTheStudyReaderWithPerSliceSlopes() throws {
        var options = Self.options()
        options.includeCT = true
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try StudySynthesizer(options: options).writeStudies(to: folder)
        let study = try StudyReader().read(folder: folder.appendingPathComponent("S0002"))
        #expect(study.warnings.isEmpty)
        #expect(study.series.map(\.modality) == ["PT", "CT"])
        let pet = study.series[0]
        #expect(pet.slices.count == 40)
        #expect(Set(pet.slices.map(\.rescaleSlope)).count > 10, "slopes vary per slice")
        #expect(abs(pet.sliceSpacingMm * 40 - SynthesisOptions.axialExtentMm) < 1e-9)
        #expect(study.series[1].slices.allSatisfy { $0.rescaleIntercept == -1024 })
        let decoded = try PNGSliceDecoder().decodeFile(atPath: pet.slices[20].url.path)
        #expect(decoded.width == 48 && decoded.height == 48 && decoded.bitDepth == 16)
        // No study folder is left half-written: only the finished ones are visible.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["S0001", "S0002"])
    }

    @Test func lesionProbabilityZeroAndOne() {
        for (probability, expected) in [(0.0, false), (1.0, true)] {
            let options = Self.options(studies: 6, lesions: probability)
            let truths = (1...6).map { SyntheticStudy(number: $0, options: options).groundTruth }
            #expect(truths.allSatisfy { $0.hasLesion == expected && $0.lesions.isEmpty != expected })
        }
    }

    /// The stored PNG at a lesion's centre voxel, rescaled and divided by dose/weight, reads the
    /// ground truth's expected SUVmax (noiseless; quantisation is below 1/32000 of the slice maximum).
    @Test func storedValuesAtALesionReadItsExpectedSUVmax() throws {
        var options = Self.options(studies: 1, slices: 120, lesions: 1, noise: 0)
        options.petMatrix = 96
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let truth = try #require(try StudySynthesizer(options: options).writeStudies(to: folder).first)
        let study = SyntheticStudy(number: 1, options: options)
        let series = try #require(try StudyReader().read(folder: folder.appendingPathComponent("S0001")).series.first)
        for lesion in truth.lesions {
            let (column, row, slice) = (lesion.centreVoxel.column, lesion.centreVoxel.row, lesion.centreVoxel.slice)
            let image = try PNGSliceDecoder().decodeFile(atPath: series.slices[slice].url.path)
            let concentration = Double(image[column, row]) * series.slices[slice].rescaleSlope
            let suv = concentration / study.concentrationPerSUV
            #expect(abs(suv - lesion.expectedSuvMax) <= 1e-3 * max(lesion.expectedSuvMax, 1), "\(lesion.site)")
            #expect(lesion.centreMm.z == Double(slice) * series.sliceSpacingMm)
        }
    }

    /// In the families drawn by contrast, a lesion is in the stored volume where its ground truth says
    /// (voxel and millimetres agree) at the stated contrast: without noise its centre voxel reads the
    /// expected SUVmax, and a lesion of 15 mm or more (its centre barely touched by the blur) about
    /// `contrast` times its surroundings. Lesions drawn somewhere else, or weaker, fail here.
    @Test(arguments: [PhantomFamily.analytic, .lumpy, .warped])
    func familiesRenderLesionsWhereTheirGroundTruthSays(family: PhantomFamily) throws {
        var options = Self.options(seed: 31, studies: 6, slices: 190, lesions: 1, noise: 0)
        options.petMatrix = 128
        options.family = family
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let truths = try StudySynthesizer(options: options).writeStudies(to: folder)
        var checked = 0
        for (number, truth) in truths.enumerated() {
            let study = SyntheticStudy(number: number + 1, options: options)
            let series = try #require(try StudyReader().read(folder: folder.appendingPathComponent(truth.studyId)).series.first)
            for lesion in truth.lesions {
                let (column, row, slice) = (lesion.centreVoxel.column, lesion.centreVoxel.row, lesion.centreVoxel.slice)
                let pixelMm = series.pixelSpacingMm.columnMm
                #expect(abs(lesion.centreMm.x - Double(column) * pixelMm) < 1e-6 && abs(lesion.centreMm.y - Double(row) * pixelMm) < 1e-6)
                #expect(abs(lesion.centreMm.z - Double(slice) * series.sliceSpacingMm) < 1e-6)
                let image = try PNGSliceDecoder().decodeFile(atPath: series.slices[slice].url.path)
                let suv = Double(image[column, row]) * series.slices[slice].rescaleSlope / study.concentrationPerSUV
                #expect(abs(suv - lesion.expectedSuvMax) <= 1e-3 * max(lesion.expectedSuvMax, 1), "\(lesion.site)")
                let contrast = try #require(lesion.contrast)
                let surroundings = lesion.suv / contrast
                #expect(abs(lesion.suv - contrast * surroundings) < 1e-9)
                if lesion.diameterMm >= 15, lesion.necrotic != true {
                    #expect(abs(suv / surroundings - contrast) <= 0.15 * contrast, "\(truth.studyId) \(lesion.site): \(suv / surroundings) vs \(contrast)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 1, "no lesion of 15 mm or more drawn: choose another seed")
    }

    /// Partial volume: the blurred peak of a lesion is its background plus (SUV − background) · f(0),
    /// where f(0) is the peak of a ball convolved with the 6 mm FWHM Gaussian.
    @Test func lesionPeakFollowsThePartialVolumeFormula() throws {
        let options = Self.options(studies: 12, lesions: 1, noise: 0)
        let sigma = SynthesisOptions.petFWHMmm / (8 * log(2.0)).squareRoot()
        for number in 1...12 {
            let study = SyntheticStudy(number: number, options: options)
            var withoutLesions = study.plan.phantom
            withoutLesions.lesions = []
            let background = PhantomRenderer(phantom: withoutLesions, geometry: study.petGeometry, modality: .pet)
            for lesion in study.plan.phantom.lesions where study.plan.phantom.lesions.count == 1 {
                let under = background.value(at: lesion.centre)
                let recovery = Blur.sphere(radius: lesion.diameterMm / 2, distance: 0, sigma: sigma)
                let expected = under + (lesion.suv - under) * recovery
                #expect(abs(study.pet.value(at: lesion.centre) - expected) < 1e-9)
                #expect(recovery < 1 && recovery > 0.3, "8–30 mm lesions recover 30–100 % of their contrast")
            }
        }
    }

    @Test func physiologicalUptakeWhereAnatomyPutsIt() {
        let options = Self.options(studies: 5, noise: 0)
        for number in 1...5 {
            let study = SyntheticStudy(number: number, options: options)
            func value(_ name: String) -> Double {
                guard let region = study.plan.phantom.regions.first(where: { $0.name == name }) else { return .nan }
                return study.pet.value(at: region.shape.centre)
            }
            let soft = study.pet.value(at: SIMD3(0, 0, 770)) // pelvis soft tissue, between the organs
            #expect(value("brain") > value("liver"))
            #expect(value("bladder") > value("liver"))
            #expect(value("lung-right") < soft && value("lung-left") < soft)
            #expect(value("kidney-left") > value("liver") && value("liver") > soft)
            #expect(study.pet.value(at: SIMD3(0, 0, -50)) == 0, "above the head is air")
        }
    }

    /// The closed form of a blurred ball against a Monte Carlo estimate of the same convolution:
    /// f(r) = P(|c + X| ≤ R) with X ~ N(0, σ²I), |c| = r.
    @Test func blurredSphereMatchesMonteCarlo() {
        var random = RandomSource(seed: 5)
        let sigma = 2.5, radius = 6.0
        let samples = 200_000
        let offsets: [SIMD3<Double>] = (0..<samples).map { _ in
            // Box–Muller: exact normals for an independent check.
            func normal() -> Double {
                let u = max(random.uniform(0...1), 1e-300), v = random.uniform(0...1)
                return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            }
            return SIMD3(normal(), normal(), normal()) * sigma
        }
        for distance in [0.0, 3.0, 6.0, 9.0] {
            let centre = SIMD3(distance, 0, 0)
            let inside = offsets.filter { (($0 + centre) * ($0 + centre)).sum() <= radius * radius }.count
            let estimate = Double(inside) / Double(samples)
            #expect(abs(Blur.sphere(radius: radius, distance: distance, sigma: sigma) - estimate) < 0.005, "r = \(distance)")
        }
    }
}
