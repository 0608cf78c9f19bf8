/// What `radtriage synth` generates.
public struct SynthesisOptions: Sendable {
    public var studies: Int
    public var slicesPerStudy: Int
    public var seed: UInt64
    /// PET matrix (square), e.g. 256 pixels over a 600 mm field of view.
    public var petMatrix: Int = 256
    public var includeCT: Bool = false
    public var ctMatrix: Int = 512
    /// Probability that a study has lesions (1 to `maxLesions` of them).
    public var lesionProbability: Double = 0.5
    public var maxLesions: Int = 3
    /// Relative noise level; 0 writes noiseless images (used by tests that check ground truth exactly).
    public var noiseLevel: Double = 1
    /// zlib level for the slices. Inflate speed barely depends on it; encode speed does a lot.
    public var compressionLevel: Int = 1
    /// The first study is `S` followed by this number, zero-padded to four digits.
    public var firstStudyNumber: Int = 1
    /// How the anatomy is built (Docs/Synthesis.md).
    public var family: PhantomFamily = .basic
    /// How the slices are written: PNG with a `study.json` sidecar, or DICOM files (no sidecar).
    public var format: SliceFormat = .png

    public enum SliceFormat: String, Sendable, CaseIterable {
        case png, dicom
    }

    public init(studies: Int, slicesPerStudy: Int, seed: UInt64) {
        self.studies = studies
        self.slicesPerStudy = slicesPerStudy
        self.seed = seed
    }

    /// The body's extent along the scanner axis, head vertex to upper thigh; the slice spacing is this
    /// divided by the slice count, so any count covers the same anatomy.
    public static let axialExtentMm = 950.0
    /// Transaxial field of view of both series.
    public static let fieldOfViewMm = 600.0
    /// PET resolution, full width at half maximum (a modern scanner with clinical reconstruction).
    public static let petFWHMmm = 6.0
}

/// Phantom families: structurally different constructions, so that a model can be tested on a family
/// it was never trained on.
public enum PhantomFamily: String, Sendable, CaseIterable {
    /// The first phantom: a dozen uniform ellipsoids (brain, heart, liver, kidneys, bladder, lungs,
    /// spine), lesions of absolute SUV. Kept as it was for the tests and benchmarks built on it.
    case basic
    /// Ellipsoids at anatomical places with the full physiology list (urinary tract, injection site,
    /// brown fat, muscle, bowel, spleen, head and neck glands, brain structure, arms), lesions by
    /// contrast to their surroundings, white noise, 6 mm resolution.
    case analytic
    /// The same organ list and uptake ranges built another way: every organ a lumpy star-shaped blob
    /// with its own size and position jitter, 5–8 mm resolution, in-plane correlated noise.
    case lumpy
    /// The `analytic` anatomy and physiology seen through a smooth random 3-D displacement field (tubes
    /// bend, organs bulge and twist), lesions still spheres at their anatomical places, 5–7.5 mm
    /// resolution, independent-pixel noise of 0.1–0.2 · √SUV drawn per study.
    case warped
}
