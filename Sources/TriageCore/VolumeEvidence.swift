/// The quantitative evidence a reader expects beside a model score: SUVmax and where it is, SUVpeak,
/// and the volume above a threshold (metabolic tumour volume, MTV).
public struct VolumeEvidence: Sendable, Codable, Equatable {
    public var suvMax: Double
    /// Centre of the hottest voxel in millimetres: x along columns, y along rows, z along slices, from
    /// the centre of the first voxel of the first slice.
    public var suvMaxPositionMm: PositionMm
    /// The hottest voxel.
    public var suvMaxVoxel: VoxelIndex
    /// Mean SUV within a sphere of 12 mm diameter (about 1 cm³) centred on the hottest voxel, over the
    /// voxels whose centres lie inside it, in millimetres (PERCIST; Wahl et al., J Nucl Med 2009).
    public var suvPeak: Double
    /// Voxels inside the SUVpeak sphere.
    public var suvPeakVoxelCount: Int
    /// Volume of voxels above `hotThresholdSUV`, in millilitres.
    public var hotVolumeMl: Double
    public var hotThresholdSUV: Double
    /// The focal-uptake baseline: hot spots smaller than an organ, strongest first.
    public var focalUptake: FocalUptake?

    public init(suvMax: Double, suvMaxPositionMm: PositionMm, suvMaxVoxel: VoxelIndex, suvPeak: Double, suvPeakVoxelCount: Int,
                hotVolumeMl: Double, hotThresholdSUV: Double, focalUptake: FocalUptake? = nil) {
        self.suvMax = suvMax
        self.suvMaxPositionMm = suvMaxPositionMm
        self.suvMaxVoxel = suvMaxVoxel
        self.suvPeak = suvPeak
        self.suvPeakVoxelCount = suvPeakVoxelCount
        self.hotVolumeMl = hotVolumeMl
        self.hotThresholdSUV = hotThresholdSUV
        self.focalUptake = focalUptake
    }
}
