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
    /// SUVpeak over `localBackgroundSUV` (over the patient's reference where the surroundings could not
    /// be measured): the candidates are ranked by it.
    public var contrast: Double
    /// The median SUV of the body's voxels 20–30 mm from the SUVpeak centre, in its slice: the
    /// candidate's own surroundings (nil in results written before it was measured).
    public var localBackgroundSUV: Double?

    public init(volumeMl: Double, suvMax: Double, suvPeak: Double, peakPositionMm: [Double], peakVoxel: [Int], contrast: Double,
                localBackgroundSUV: Double? = nil) {
        self.volumeMl = volumeMl
        self.suvMax = suvMax
        self.suvPeak = suvPeak
        self.peakPositionMm = peakPositionMm
        self.peakVoxel = peakVoxel
        self.contrast = contrast
        self.localBackgroundSUV = localBackgroundSUV
    }

    /// In words, for worklists: "focal uptake SUVmax 7.2, SUVpeak 5.1, 1.4 mL, 4.3 × its surroundings,
    /// at 312 mm" (the position along the body axis, from the first slice).
    public var summary: String {
        "focal uptake SUVmax \(Self.oneDecimal(suvMax)), SUVpeak \(Self.oneDecimal(suvPeak)), \(Self.oneDecimal(volumeMl)) mL, "
            + (localBackgroundSUV == nil ? "" : "\(Self.oneDecimal(contrast)) × its surroundings, ")
            + "at \(Int(peakPositionMm[2].rounded())) mm"
    }

    public static func oneDecimal(_ value: Double) -> String {
        guard abs(value) < 1e15 else { return "\(value)" }  // beyond Int's tenths: implausible, and flagged elsewhere
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// The non-learned focal-uptake baseline: the candidates of a study, strongest first, the reference
/// their threshold was taken against, and how many hot regions were set aside as physiology
/// (Docs/FocalUptake.md).
public struct FocalUptake: Sendable, Codable, Equatable {
    /// The patient's reference: the liver's mean SUV when a liver was found (`referenceTissue` "liver"),
    /// else the median SUV of the voxels inside the body ("body").
    public var referenceSUV: Double
    /// A candidate counts when its SUVpeak reaches this: PERCIST's 1.5 × liver mean + 2 SD, or without
    /// a liver `referenceMultiple` × the body's median; never below the floor.
    public var thresholdSUV: Double
    /// Regions above this volume were dropped as organs (brain, heart, liver, kidneys, a full bladder).
    public var maxVolumeMl: Double
    /// The strongest candidates by `contrast`, at most `FocalUptakeFinder.maxReported`.
    public var candidates: [FocalCandidate]
    /// "liver" or "body" (nil in results written before the liver was looked for).
    public var referenceTissue: String?
    /// The standard deviation of the reference tissue's voxels (the liver's), in SUV.
    public var referenceSDSUV: Double?
    /// Regions with SUVpeak at or above the threshold that were set aside, by reason.
    public var excluded: FocalExclusions?

    public init(referenceSUV: Double, thresholdSUV: Double, maxVolumeMl: Double, candidates: [FocalCandidate],
                referenceTissue: String? = nil, referenceSDSUV: Double? = nil, excluded: FocalExclusions? = nil) {
        self.referenceSUV = referenceSUV
        self.thresholdSUV = thresholdSUV
        self.maxVolumeMl = maxVolumeMl
        self.candidates = candidates
        self.referenceTissue = referenceTissue
        self.referenceSDSUV = referenceSDSUV
        self.excluded = excluded
    }

    /// The study's focal score: the strongest candidate's contrast to its surroundings (0 without
    /// candidates).
    public var score: Double { candidates.first?.contrast ?? 0 }
}

/// How many hot regions the focal baseline took for physiology, by the rule that set each aside.
public struct FocalExclusions: Sendable, Codable, Equatable {
    /// Larger than `FocalUptake.maxVolumeMl`.
    public var organSized = 0
    /// Much longer along one axis than across (ureters, vessels, bowel).
    public var tubular = 0
    /// Mostly outside the trunk's outline in their slices (arms: injection sites).
    public var outsideTrunk = 0
    /// One of a left/right mirror pair of similar uptake (glands, tonsils, brown fat).
    public var symmetricPair = 0

    public init(organSized: Int = 0, tubular: Int = 0, outsideTrunk: Int = 0, symmetricPair: Int = 0) {
        self.organSized = organSized
        self.tubular = tubular
        self.outsideTrunk = outsideTrunk
        self.symmetricPair = symmetricPair
    }
}
