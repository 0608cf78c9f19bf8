import DICOMFormat
import Foundation

/// The per-frame attributes of an Enhanced PET Image Storage file (1.2.840.10008.5.1.4.1.1.130): one
/// file holds every slice as a frame, and each frame's geometry, rescale and time are in its item of
/// PerFrameFunctionalGroupsSequence (5200,9230), or in SharedFunctionalGroupsSequence (5200,9229)
/// when all frames share them (PS3.3 C.7.6.16). Read from the header: the pixels stay in the file.
public struct EnhancedPETFrames: Sendable {
    /// What one frame's functional groups give.
    public struct Frame: Sendable {
        /// Plane Position (0020,9113) > ImagePositionPatient.
        public var imagePosition: [Double]?
        /// Plane Orientation (0020,9116) > ImageOrientationPatient.
        public var imageOrientation: [Double]?
        /// Pixel Measures (0028,9110) > PixelSpacing and SliceThickness.
        public var pixelSpacing: [Double]?
        public var sliceThickness: Double?
        /// Pixel Value Transformation (0028,9145) > RescaleSlope and RescaleIntercept.
        public var rescaleSlope: Double?
        public var rescaleIntercept: Double?
        public var rescaleText: (slope: String?, intercept: String?)
        /// Frame Content (0020,9111) > FrameAcquisitionDateTime and TemporalPositionIndex.
        public var acquisitionDateTime: String?
        public var temporalPositionIndex: Int?
    }

    /// Why the frames cannot be read as slices: the attribute, its value as written, and why.
    public struct Problem: Sendable, Equatable {
        public let field: String
        public let value: String?
        public let message: String
    }

    public let frames: [Frame]
    public let problems: [Problem]
    /// The units of the rescaled values, from Real World Value Mapping (0040,9096) > Measurement Units
    /// Code Sequence (0040,08EA), as the Units (0054,1001) code they stand for, and the field they came from.
    public let units: (code: String, field: String)?
    /// The synchronisation functional group that makes the frames gates of one acquisition, if any.
    public let gatedBy: String?

    public static let unitsField = "\(DICOMTag.realWorldValueMappingSequence.named) > \(DICOMTag.measurementUnitsCodeSequence.named) > \(DICOMTag.codeValue.named)"

    /// UCUM codes of the PET units (PS3.16 CID 84) mapped to the Units (0054,1001) terms radtriage reads.
    static let unitCodes: [String: String] = ["bq/ml": "BQML", "{suvbw}g/ml": "GML", "{counts}": "CNTS", "{suvbsa}cm2/ml": "CM2ML"]

    /// The functional groups a frame cannot be placed or quantified without.
    static let requiredGroups: [(tag: DICOMTag, what: String)] = [
        (.planePositionSequence, "its ImagePositionPatient"),
        (.planeOrientationSequence, "its ImageOrientationPatient"),
        (.pixelMeasuresSequence, "its PixelSpacing"),
        (.pixelValueTransformationSequence, "its RescaleSlope and RescaleIntercept"),
    ]

    public init(_ dataset: DICOMDataset, numberOfFrames: Int, limits: PixelLimits = .standard) {
        let perFrameTag = DICOMTag.perFrameFunctionalGroupsSequence
        let perFrame = dataset.items(perFrameTag)
        let shared = dataset.items(.sharedFunctionalGroupsSequence).first
        var problems: [Problem] = []
        guard (1...limits.maxFrames).contains(numberOfFrames) else {
            self.init(frames: [], problems: [Problem(field: DICOMTag.numberOfFrames.named, value: "\(numberOfFrames)",
                                                      message: "outside 1…\(limits.maxFrames) frames")], units: nil, gatedBy: nil)
            return
        }
        guard perFrame.count == numberOfFrames else {
            self.init(frames: [], problems: [Problem(
                field: perFrameTag.named, value: "\(perFrame.count) item(s)",
                message: "NumberOfFrames (0028,0008) is \(numberOfFrames): one functional-groups item per frame is required")], units: nil, gatedBy: nil)
            return
        }
        /// A functional group of frame `index`: its own, else the shared one.
        func group(_ tag: DICOMTag, _ index: Int) -> DICOMDataset? {
            perFrame[index].items(tag).first ?? shared?.items(tag).first
        }
        for (tag, what) in Self.requiredGroups {
            let missing = perFrame.indices.filter { group(tag, $0) == nil }
            if let first = missing.first {
                problems.append(Problem(
                    field: tag.named, value: nil,
                    message: "\(missing.count) of \(numberOfFrames) frame(s), the first frame \(first + 1), have this functional group in neither \(perFrameTag.named) nor \(DICOMTag.sharedFunctionalGroupsSequence.named): \(what) is unknown"))
            }
        }
        var frames: [Frame] = []
        frames.reserveCapacity(numberOfFrames)
        for index in perFrame.indices {
            let measures = group(.pixelMeasuresSequence, index)
            let rescale = group(.pixelValueTransformationSequence, index)
            let content = perFrame[index].items(.frameContentSequence).first
            frames.append(Frame(
                imagePosition: group(.planePositionSequence, index)?.doubles(.imagePositionPatient),
                imageOrientation: group(.planeOrientationSequence, index)?.doubles(.imageOrientationPatient),
                pixelSpacing: measures?.doubles(.pixelSpacing), sliceThickness: measures?.double(.sliceThickness),
                rescaleSlope: rescale?.double(.rescaleSlope), rescaleIntercept: rescale?.double(.rescaleIntercept),
                rescaleText: (rescale?.string(.rescaleSlope), rescale?.string(.rescaleIntercept)),
                acquisitionDateTime: content?.string(.frameAcquisitionDateTime),
                temporalPositionIndex: content?.integer(.temporalPositionIndex)))
        }
        // RescaleSlope is type 1 in the group: a frame without one has no values (a non-number is refused
        // where the slices are made, as for single-frame files).
        if let first = frames.indices.first(where: { group(.pixelValueTransformationSequence, $0) != nil && frames[$0].rescaleText.slope == nil }) {
            problems.append(Problem(field: "\(DICOMTag.pixelValueTransformationSequence.named) > \(DICOMTag.rescaleSlope.named)", value: nil,
                                    message: "absent for frame \(first + 1): its values are unknown"))
        }
        var units: (code: String, field: String)?
        if let mapping = group(.realWorldValueMappingSequence, 0)?.items(.measurementUnitsCodeSequence).first,
           let code = mapping.string(.codeValue) {
            units = (Self.unitCodes[code.lowercased()] ?? code, Self.unitsField)
        }
        let synchronisation: [DICOMTag] = [.cardiacSynchronizationSequence, .respiratorySynchronizationSequence]
        let gatedBy = synchronisation.first { tag in group(tag, 0) != nil }?.named
        self.init(frames: frames, problems: problems, units: units, gatedBy: gatedBy)
    }

    private init(frames: [Frame], problems: [Problem], units: (code: String, field: String)?, gatedBy: String?) {
        self.frames = frames
        self.problems = problems
        self.units = units
        self.gatedBy = gatedBy
    }
}
