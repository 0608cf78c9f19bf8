import Foundation
import Testing
import TriageCore
@testable import Synthesis

/// The `warped` family: the analytic anatomy through a smooth displacement field, lesions as spheres
/// where the builder meant them.
@Suite struct WarpedFamilyTests {
    static func options(_ family: PhantomFamily, seed: UInt64 = 23, studies: Int = 4, lesions: Double = 1, noise: Double = 0) -> SynthesisOptions {
        var options = SynthesisTests.options(seed: seed, studies: studies, slices: 60, lesions: lesions, noise: noise)
        options.petMatrix = 64
        options.family = family
        return options
    }

    @Test func warpedStudiesAreDeterministic() throws {
        var options = Self.options(.warped, studies: 2, lesions: 0.5, noise: 1)
        options.includeCT = true
        let first = SynthesisTests.temporaryFolder(), second = SynthesisTests.temporaryFolder(), analytic = SynthesisTests.temporaryFolder()
        defer { for url in [first, second, analytic] { try? FileManager.default.removeItem(at: url) } }
        try StudySynthesizer(options: options).writeStudies(to: first)
        try StudySynthesizer(options: options).writeStudies(to: second)
        let a = try SynthesisTests.files(under: first)
        #expect(a.count == 2 * (60 + 60 + 2))
        #expect(a == (try SynthesisTests.files(under: second)))
        options.family = .analytic
        try StudySynthesizer(options: options).writeStudies(to: analytic)
        #expect(try SynthesisTests.files(under: analytic)["/S0001/PT/0030.png"] != a["/S0001/PT/0030.png"])
    }

    /// Same seed: the same organs, uptake and lesion list as `analytic`, but the organs' noiseless pixels
    /// elsewhere (a warp that did nothing, or moved only a few edge pixels, fails here).
    @Test func warpedAnatomyDiffersFromAnalyticWhileItsLesionListMatches() {
        for number in 1...4 {
            let warped = SyntheticStudy(number: number, options: Self.options(.warped))
            let analytic = SyntheticStudy(number: number, options: Self.options(.analytic))
            #expect(warped.plan.phantom.regions.map(\.name) == analytic.plan.phantom.regions.map(\.name))
            #expect(warped.groundTruth.organSuv == analytic.groundTruth.organSuv)
            let (w, a) = (warped.groundTruth.lesions, analytic.groundTruth.lesions)
            #expect(!w.isEmpty)
            #expect(w.map(\.site) == a.map(\.site) && w.map(\.diameterMm) == a.map(\.diameterMm) && w.map(\.contrast) == a.map(\.contrast))
            var (differing, bodyPixels) = (0, 0)
            var (warpedSlice, analyticSlice) = ([Double](), [Double]())
            for slice in stride(from: 5, to: 60, by: 10) {
                warped.pet.render(slice: slice, into: &warpedSlice)
                analytic.pet.render(slice: slice, into: &analyticSlice)
                for (x, y) in zip(warpedSlice, analyticSlice) where x > 0 || y > 0 {
                    bodyPixels += 1
                    if abs(x - y) > 0.05 * max(x, y) { differing += 1 }
                }
            }
            #expect(Double(differing) > 0.1 * Double(bodyPixels), "study \(number): \(differing) of \(bodyPixels) body pixels differ")
        }
    }

    /// The ground truth's regions say where each organ shows, in the image frame the lesions use: the
    /// noiseless slice through the recorded centre of the liver and the bladder reads their drawn uptake
    /// there, in every family (a centre left in the phantom frame, whose x and y are 0 on the body axis,
    /// fails here; the warp's shift of a few millimetres is too small for these organs to show it).
    @Test func groundTruthRegionsLieWhereTheirOrgansShow() throws {
        for family in [PhantomFamily.analytic, .lumpy, .warped] {
            let study = SyntheticStudy(number: 1, options: Self.options(family, lesions: 0))
            let truth = study.groundTruth
            let regions = try #require(truth.regions)
            #expect(regions.map(\.name) == study.plan.phantom.regions.map(\.name))
            #expect(Set(regions.map(\.name)) == Set(truth.organSuv.keys))
            let geometry = study.petGeometry
            var values = [Double]()
            for name in ["liver", "bladder"] {
                let region = try #require(regions.first { $0.name == name })
                let column = Int((region.centreMm.x / geometry.pixelMm).rounded())
                let row = Int((region.centreMm.y / geometry.pixelMm).rounded())
                study.pet.render(slice: Int((region.centreMm.z / geometry.sliceSpacingMm).rounded()), into: &values)
                try #require((0..<geometry.matrix).contains(row) && (0..<geometry.matrix).contains(column), "\(family) \(name) outside the image")
                let shown = values[row * geometry.matrix + column]
                #expect(abs(shown - region.suv) < 0.15 * region.suv, "\(family) \(name): \(shown) at its centre, drawn \(region.suv)")
            }
        }
    }

    /// Every rendered pixel equals `value(at:)`, which evaluates every region at p + D(p) without any
    /// bounding-box or ρ shortcut: a box not widened by the displacement cuts organs off and fails here.
    @Test func renderedSlicesMatchTheExactWarpedValue() {
        let options = Self.options(.warped, studies: 2)
        for number in 1...2 {
            let study = SyntheticStudy(number: number, options: options)
            var values: [Double] = []
            for slice in stride(from: 2, to: 60, by: 4) {
                study.pet.render(slice: slice, into: &values)
                var worst = 0.0
                for row in 0..<64 {
                    for column in 0..<64 {
                        let point = SIMD3(study.petGeometry.phantomXY(column), study.petGeometry.phantomXY(row), study.petGeometry.phantomZ(slice))
                        worst = max(worst, abs(values[row * 64 + column] - study.pet.value(at: point)))
                    }
                }
                #expect(worst < 1e-9, "study \(number) slice \(slice): \(worst)")
            }
        }
    }

    /// The rendered centre is the voxel nearest to c′ with c′ + D(c′) = c, the builder's centre; the
    /// ground truth's contrast is taken against the warped surroundings and its expectedSuvMax is the
    /// rendered noiseless value at that voxel.
    @Test func lesionsSitWhereTheBuilderMeantThemAndReadTheirExpectedSUVmax() throws {
        let options = Self.options(.warped, studies: 6)
        var analyticOptions = options
        analyticOptions.family = .analytic
        var checked = 0
        for number in 1...6 {
            let plan = StudyPlan.make(number: number, options: options)
            let planned = StudyPlan.make(number: number, options: analyticOptions).phantom.lesions.map(\.centre)
            let field = try #require(plan.phantom.warp)
            let study = SyntheticStudy(number: number, options: options)
            var withoutLesions = study.plan.phantom
            withoutLesions.lesions = []
            let surroundings = PhantomRenderer(phantom: withoutLesions, geometry: study.petGeometry, modality: .pet)
            var values: [Double] = []
            for (index, lesion) in study.groundTruth.lesions.enumerated() {
                let rendered = plan.phantom.lesions[index].centre
                let landed = rendered + field.displacement(at: rendered) - planned[index]
                #expect((landed * landed).sum().squareRoot() < 1e-6)
                #expect(((rendered - planned[index]) * (rendered - planned[index])).sum().squareRoot() <= field.maxDisplacement + 1e-9)
                let centre = study.plan.phantom.lesions[index].centre
                #expect(centre == study.petGeometry.snapped(rendered))
                let voxel = lesion.centreVoxel
                #expect(lesion.centreMm == PositionMm(x: Double(voxel.column) * study.petGeometry.pixelMm, y: Double(voxel.row) * study.petGeometry.pixelMm,
                                                      z: Double(voxel.slice) * study.petGeometry.sliceSpacingMm))
                let contrast = try #require(lesion.contrast)
                #expect(abs(lesion.suv - contrast * max(surroundings.value(at: centre), 0.1)) < 1e-12)
                study.pet.render(slice: voxel.slice, into: &values)
                let pixel = values[voxel.row * options.petMatrix + voxel.column]
                #expect(abs(pixel - lesion.expectedSuvMax) < 1e-9 * max(lesion.expectedSuvMax, 1), "\(lesion.site): \(pixel) vs \(lesion.expectedSuvMax)")
                checked += 1
            }
        }
        #expect(checked >= 6)
    }

    /// Sampled on a 20 mm grid over the field of view, no point moves further than the field's bound,
    /// which lies in the documented 5–15 mm; the field reaches a good part of it, and its slope bound
    /// keeps the warp one-to-one.
    @Test func displacementStaysWithinItsDocumentedBound() {
        for seed in 1...12 {
            var random = RandomSource(seed: UInt64(seed), 9)
            let field = DisplacementField(random: &random)
            #expect(DisplacementField.modeCount.contains(field.modes.count))
            #expect(DisplacementField.maxDisplacementMm.contains(field.maxDisplacement))
            #expect(field.slopeBound <= DisplacementField.slopeLimit + 1e-12)
            var largest = 0.0
            var largestPerAxis = SIMD3<Double>()
            for x in stride(from: -300.0, through: 300, by: 20) {
                for y in stride(from: -300.0, through: 300, by: 20) {
                    for z in stride(from: 0.0, through: 950, by: 20) {
                        let d = field.displacement(at: SIMD3(x, y, z))
                        largest = max(largest, (d * d).sum().squareRoot())
                        largestPerAxis = SIMD3(max(largestPerAxis.x, abs(d.x)), max(largestPerAxis.y, abs(d.y)), max(largestPerAxis.z, abs(d.z)))
                    }
                }
            }
            #expect(largest <= field.maxDisplacement)
            #expect(all(largestPerAxis .<= field.axisBounds))
            #expect(largest >= 0.5 * field.maxDisplacement, "seed \(seed): \(largest) of \(field.maxDisplacement)")
        }
    }
}
