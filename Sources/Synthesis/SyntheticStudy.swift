import Foundation
import StudyFormat
import TriageCore

/// One synthetic study: its plan, the geometry of its series, and how each slice is made.
public struct SyntheticStudy: Sendable {
    let plan: StudyPlan
    let options: SynthesisOptions
    let petGeometry: SliceGeometry
    let ctGeometry: SliceGeometry
    let pet: PhantomRenderer
    let ct: PhantomRenderer

    public init(number: Int, options: SynthesisOptions) {
        var plan = StudyPlan.make(number: number, options: options)
        let petGeometry = SliceGeometry(matrix: options.petMatrix, sliceCount: options.slicesPerStudy)
        // Lesion centres on PET voxel centres, so the ground truth's peak is a sampled value.
        for index in plan.phantom.lesions.indices {
            plan.phantom.lesions[index].centre = petGeometry.snapped(plan.phantom.lesions[index].centre)
        }
        // Lesions given by contrast take it against the noiseless uptake around them without lesions.
        var withoutLesions = plan.phantom
        withoutLesions.lesions = []
        let surroundings = PhantomRenderer(phantom: withoutLesions, geometry: petGeometry, modality: .pet)
        for index in plan.phantom.lesions.indices {
            guard let contrast = plan.phantom.lesions[index].contrast else { continue }
            let around = max(surroundings.value(at: plan.phantom.lesions[index].centre), 0.1)
            plan.phantom.lesions[index].suv = contrast * around
            plan.phantom.lesions[index].coreSUV *= around
        }
        self.plan = plan
        self.options = options
        self.petGeometry = petGeometry
        self.ctGeometry = SliceGeometry(matrix: options.ctMatrix, sliceCount: options.slicesPerStudy)
        self.pet = PhantomRenderer(phantom: plan.phantom, geometry: petGeometry, modality: .pet)
        self.ct = PhantomRenderer(phantom: plan.phantom, geometry: ctGeometry, modality: .ct)
    }

    public var studyId: String { plan.studyId }
    /// Bq/mL per unit SUV at the scan start, from the study's own dose, uptake time and weight.
    public var concentrationPerSUV: Double { plan.concentrationPerSUV }

    /// SUV values of PET slice `index`, row-major, with noise unless the options turn it off.
    public func petSUV(slice index: Int) -> [Double] {
        var values: [Double] = []
        renderNoisy(index, renderer: pet, into: &values)
        return values
    }

    static func fileName(_ slice: Int, of count: Int) -> String {
        String(format: "%0\(max(4, String(count).count))d.png", slice + 1)
    }

    // MARK: - Slices

    private func renderNoisy(_ index: Int, renderer: PhantomRenderer, into values: inout [Double]) {
        renderer.render(slice: index, into: &values)
        guard options.noiseLevel > 0 else { return }
        let isPET = renderer.modality == .pet
        var random = RandomSource(seed: options.seed, 2, UInt64(plan.number), isPET ? 0 : 1, UInt64(index))
        let level = Float(options.noiseLevel)
        if isPET && renderer.phantom.correlatedNoise {
            addCorrelatedNoise(&values, width: renderer.geometry.matrix, level: Double(level), amplitude: renderer.phantom.noiseAmplitude, random: &random)
            return
        }
        for pixel in values.indices {
            let value = values[pixel]
            // PET: variance grows with the activity (counting statistics); sd ≈ 10 % at liver uptake (0.15 · √SUV).
            // CT: roughly constant quantum noise of about 12 HU.
            // Air outside the body stays exactly zero in PET, as reconstructed images show it.
            if isPET && value <= 0 { continue }
            let sd = isPET ? renderer.phantom.noiseAmplitude * value.squareRoot() : 12
            let noisy = value + Double(level * random.approximatelyNormal()) * sd
            values[pixel] = isPET ? max(noisy, 0) : noisy
        }
    }

    /// PET noise with the blobby texture of a reconstruction: white noise averaged over 3 × 3 pixels
    /// (rescaled to unit variance), so that neighbouring pixels share their deviations.
    private func addCorrelatedNoise(_ values: inout [Double], width: Int, level: Double, amplitude: Double, random: inout RandomSource) {
        let height = values.count / width
        var white = [Float](repeating: 0, count: values.count)
        for index in white.indices { white[index] = random.approximatelyNormal() }
        for row in 0..<height {
            for column in 0..<width where values[row * width + column] > 0 {
                var sum: Float = 0
                var count: Float = 0
                for dy in -1...1 where row + dy >= 0 && row + dy < height {
                    for dx in -1...1 where column + dx >= 0 && column + dx < width {
                        sum += white[(row + dy) * width + column + dx]
                        count += 1
                    }
                }
                let value = values[row * width + column]
                values[row * width + column] = max(value + level * Double(sum / count.squareRoot()) * amplitude * value.squareRoot(), 0)
            }
        }
    }

    /// The stored slice and its rescale slope. PET: activity concentration in Bq/mL with a per-slice
    /// slope (the slice maximum maps to 32000, as some vendors write it); CT: HU + 1024.
    func storedSlice(_ index: Int, modality: PhantomRenderer.Modality, values: inout [Double]) -> (SliceImage, Double) {
        let renderer = modality == .pet ? pet : ct
        renderNoisy(index, renderer: renderer, into: &values)
        let n = renderer.geometry.matrix
        var samples = [UInt16](repeating: 0, count: n * n)
        if modality == .ct {
            for pixel in values.indices { samples[pixel] = UInt16(clamping: Int(values[pixel] + 1024.5)) }
            return (SliceImage(width: n, height: n, samples: samples), 1)
        }
        let perSUV = plan.concentrationPerSUV
        let peak = (values.max() ?? 0) * perSUV
        let slope = peak > 0 ? peak / 32000 : 1
        // Values are non-negative, so adding ½ and truncating rounds to nearest (and is much cheaper than rounded()).
        let storedPerSUV = perSUV / slope
        for pixel in values.indices { samples[pixel] = UInt16(clamping: Int(values[pixel] * storedPerSUV + 0.5)) }
        return (SliceImage(width: n, height: n, samples: samples), slope)
    }

    // MARK: - Metadata

    func sidecar(petSlopes: [Double], includeCT: Bool) -> StudySidecar {
        let count = options.slicesPerStudy
        let scan = StudyPlan.text(plan.scanStart)
        var series = [SeriesSidecar(
            folder: "PT", modality: "PT", seriesDateTime: scan, units: PixelUnits.becquerelsPerMillilitre.text, rescaleIntercept: 0,
            pixelSpacingMm: [petGeometry.pixelMm, petGeometry.pixelMm], sliceThicknessMm: petGeometry.sliceSpacingMm,
            sliceSpacingMm: petGeometry.sliceSpacingMm, decayCorrection: DecayCorrection.start.text, correctedImage: ["ATTN", "DECY"],
            radiopharmaceutical: RadiopharmaceuticalSidecar(
                radionuclide: "F-18", tracer: "FDG", injectedActivityMBq: plan.injectedActivityMBq,
                injectionDateTime: StudyPlan.text(plan.injection), halfLifeSeconds: StudyPlan.halfLifeSeconds),
            slices: (0..<count).map { SliceSidecar(file: Self.fileName($0, of: count), rescaleSlope: petSlopes[$0], rescaleIntercept: 0) })]
        if includeCT {
            series.append(SeriesSidecar(
                folder: "CT", modality: "CT", seriesDateTime: StudyPlan.text(StudyPlan.adding(seconds: -120, to: plan.scanStart)),
                units: PixelUnits.hounsfield.text, rescaleSlope: 1, rescaleIntercept: -1024,
                pixelSpacingMm: [ctGeometry.pixelMm, ctGeometry.pixelMm], sliceThicknessMm: ctGeometry.sliceSpacingMm,
                sliceSpacingMm: ctGeometry.sliceSpacingMm))
        }
        return StudySidecar(
            studyId: plan.studyId, accessionNumber: plan.accessionNumber, patientId: plan.patientId, site: plan.site,
            organCentre: plan.organCentre, orderedPriority: plan.orderedPriority.rawValue, timeZone: StudyPlan.timeZone,
            acquisitionDateTime: scan, receivedDateTime: StudyPlan.text(plan.received), patientWeightKg: plan.weightKg,
            series: series)
    }

    public var groundTruth: GroundTruth {
        let lesions = plan.phantom.lesions.map { lesion in
            GroundTruth.LesionTruth(
                site: lesion.site, centreMm: petGeometry.imageFrame(lesion.centre),
                centreVoxel: VoxelIndex(column: Int(petGeometry.pixel(lesion.centre.x).rounded()),
                                        row: Int(petGeometry.pixel(lesion.centre.y).rounded()),
                                        slice: Int(petGeometry.slice(lesion.centre.z).rounded())),
                diameterMm: lesion.diameterMm, suv: lesion.suv, expectedSuvMax: pet.value(at: lesion.centre),
                contrast: lesion.contrast, necrotic: lesion.coreFraction > 0 ? true : nil)
        }
        var organs: [String: Double] = [:]
        for region in plan.phantom.regions { organs[region.name] = region.suv }
        let regions = plan.phantom.regions.map { region in
            let shown = plan.phantom.warp?.preimage(of: region.shape.centre) ?? region.shape.centre
            let axes = region.shape.semiAxes
            return GroundTruth.RegionTruth(name: region.name, centreMm: petGeometry.imageFrame(shown),
                                           semiAxesMm: [axes.x, axes.y, axes.z], suv: region.suv)
        }
        return GroundTruth(
            studyId: plan.studyId, seed: options.seed, hasLesion: !lesions.isEmpty, lesions: lesions, organSuv: organs, regions: regions,
            backgroundSuv: plan.phantom.backgroundSUV, resolutionFWHMmm: plan.phantom.resolutionFWHMmm, noiseLevel: options.noiseLevel,
            family: options.family == .basic ? nil : options.family.rawValue)
    }
}
