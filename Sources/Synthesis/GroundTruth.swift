import TriageCore

/// What a synthetic study really contains: written beside `study.json` as `ground_truth.json`, read by
/// tests and by the model's training script.
public struct GroundTruth: Codable, Sendable, Equatable {
    public struct LesionTruth: Codable, Sendable, Equatable {
        /// Where the lesion was placed: lung-right, lung-left, liver, mediastinal-node, abdominal-node, spine
        /// (basic); node-<station>, lung-*, liver, bone-spine, bone-pelvis, soft-tissue (analytic, lumpy,
        /// warped).
        public var site: String
        /// Centre in millimetres in the PET image frame: x along columns, y along rows, z along slices,
        /// from the centre of the first voxel of the first slice. Always a voxel centre.
        public var centreMm: PositionMm
        /// The same centre as a voxel of the PET series.
        public var centreVoxel: VoxelIndex
        public var diameterMm: Double
        /// Uptake inside the sphere before the scanner's blur.
        public var suv: Double
        /// The noiseless value at the lesion's centre voxel after the blur: what SUVmax reads without
        /// noise. Below `suv` for small lesions (partial-volume effect).
        public var expectedSuvMax: Double
        /// Uptake as a multiple of the noiseless surroundings without the lesion, for families that draw it so.
        public var contrast: Double?
        /// True when the lesion has a necrotic (cold) core.
        public var necrotic: Bool?
    }

    /// A region of physiological uptake as drawn: where a model's false positive can be traced to its cause.
    public struct RegionTruth: Codable, Sendable, Equatable {
        public var name: String
        /// Centre in the PET image frame, as `LesionTruth.centreMm` (for `warped`, where the warp shows it).
        public var centreMm: PositionMm
        /// The ellipsoid's semi-axes along x, y and z before the lumpy family's bumps and the warp.
        public var semiAxesMm: [Double]
        public var suv: Double
    }

    public var studyId: String
    public var seed: UInt64
    public var hasLesion: Bool
    public var lesions: [LesionTruth]
    /// Physiological uptake by organ (SUV), including the hot spots that fool "rank by SUVmax".
    public var organSuv: [String: Double]
    /// Every region in painting order (later regions cover earlier ones); nil in files written before it.
    public var regions: [RegionTruth]?
    public var backgroundSuv: Double
    /// The PET point-spread function's full width at half maximum.
    public var resolutionFWHMmm: Double
    public var noiseLevel: Double
    /// The phantom family: analytic, lumpy or warped (nil: basic).
    public var family: String?
}
