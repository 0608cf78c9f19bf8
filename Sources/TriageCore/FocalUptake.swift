/// A focal hot spot: a 3-D connected region of uptake above the candidate threshold, smaller than an organ.
public struct FocalCandidate: Sendable, Codable, Equatable {
    /// Volume of the region's voxels, in millilitres.
    public var volumeMl: Double
    public var suvMax: Double
    /// PERCIST SUVpeak: the highest mean over a 12 mm sphere (about 1 cm³) centred on any voxel of the
    /// region, which need not be its hottest voxel.
    public var suvPeak: Double
    /// The SUVpeak sphere's centre: millimetres (x along columns, y along rows, z along slices, from the
    /// centre of the first voxel of the first slice) and zero-based slice, column, row.
    public var peakPositionMm: [Double]
    public var peakVoxel: [Int]
    /// SUVpeak over the patient's reference background.
    public var contrast: Double

    public init(volumeMl: Double, suvMax: Double, suvPeak: Double, peakPositionMm: [Double], peakVoxel: [Int], contrast: Double) {
        self.volumeMl = volumeMl
        self.suvMax = suvMax
        self.suvPeak = suvPeak
        self.peakPositionMm = peakPositionMm
        self.peakVoxel = peakVoxel
        self.contrast = contrast
    }

    /// In words, for worklists: "focal uptake SUVmax 7.2, SUVpeak 5.1, 1.4 mL, at 312 mm" (the position
    /// along the body axis, from the first slice).
    public var summary: String {
        "focal uptake SUVmax \(Self.oneDecimal(suvMax)), SUVpeak \(Self.oneDecimal(suvPeak)), \(Self.oneDecimal(volumeMl)) mL, "
            + "at \(Int(peakPositionMm[2].rounded())) mm"
    }

    public static func oneDecimal(_ value: Double) -> String {
        guard abs(value) < 1e15 else { return "\(value)" }  // beyond Int's tenths: implausible, and flagged elsewhere
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// The non-learned focal-uptake baseline: every candidate of a study, strongest first, and the
/// reference its threshold was taken against.
public struct FocalUptake: Sendable, Codable, Equatable {
    /// The patient's background: the median SUV of the voxels inside the body (SUV ≥ `bodySUV`).
    public var referenceSUV: Double
    /// A candidate counts when its SUVpeak reaches this: max(floor, `referenceMultiple` × reference).
    public var thresholdSUV: Double
    /// Regions above this volume were dropped as organs (brain, heart, liver, kidneys, a full bladder).
    public var maxVolumeMl: Double
    /// The strongest candidates by SUVpeak, at most `FocalUptakeFinder.maxReported`.
    public var candidates: [FocalCandidate]

    public init(referenceSUV: Double, thresholdSUV: Double, maxVolumeMl: Double, candidates: [FocalCandidate]) {
        self.referenceSUV = referenceSUV
        self.thresholdSUV = thresholdSUV
        self.maxVolumeMl = maxVolumeMl
        self.candidates = candidates
    }

    /// The study's focal score: the strongest candidate's SUVpeak (0 without candidates).
    public var score: Double { candidates.first?.suvPeak ?? 0 }
}

