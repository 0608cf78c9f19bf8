import Foundation
import TriageCore

/// What `radtriage inspect` found in one study: what was read, the values, and what is wrong.
public struct StudyInspection: Sendable, Codable {
    /// The study folder, as given.
    public var path: String
    /// The study id from the sidecar, when it could be read.
    public var studyId: String?
    public var series: [SeriesInspection]
    /// Errors make the study unusable; warnings are QC flags for the reader.
    public var problems: [InputProblem]

    public var isUsable: Bool { !problems.contains { $0.severity == .error } }
}

/// One series: dimensions, value ranges, and for PET the SUV evidence with its provenance.
public struct SeriesInspection: Sendable, Codable {
    public var folder: String
    public var modality: String
    public var sliceCount: Int
    /// Slices whose pixels could be decoded (equal to `sliceCount` for a sound series).
    public var decodedSliceCount: Int
    public var width: Int?
    public var height: Int?
    public var bitDepth: Int?
    public var pixelSpacingMm: [Double]
    public var sliceSpacingMm: Double
    /// Stored values, before rescale.
    public var storedRange: ValueRange?
    /// Values after each slice's rescale, in `units`.
    public var rescaledRange: ValueRange?
    public var units: PixelUnits?
    /// Present when SUV could be computed for a PET series.
    public var suv: SUVSummary?
    /// Why SUV was not computed, when it was not (named reasons, also in the study's problems).
    public var suvUnavailable: [String]?
}

public struct ValueRange: Sendable, Codable, Equatable {
    public var min: Double
    public var max: Double
}

/// The hottest voxel and where it is, with the record of how SUV was computed.
public struct SUVSummary: Sendable, Codable {
    public var suvMax: Double
    /// Position of the hottest voxel's centre in millimetres: x along columns, y along rows,
    /// z along slices, from the centre of the first voxel of the first slice.
    public var positionMm: [Double]
    /// Zero-based slice index, file, column and row of the hottest voxel.
    public var sliceIndex: Int
    public var sliceFile: String
    public var column: Int
    public var row: Int
    /// How stored values became SUV: reference time, decay interval and factor, dose, half-life and its source.
    public var provenance: [String: String]
    /// The provenance as readable lines, in a fixed order.
    public var provenanceText: String
}

/// What `radtriage inspect` found in a single PNG file.
public struct SliceFileInspection: Sendable, Codable {
    public var path: String
    public var width: Int?
    public var height: Int?
    public var bitDepth: Int?
    public var colorType: String?
    public var interlaced: Bool?
    public var storedRange: ValueRange?
    public var problems: [InputProblem]

    public var isUsable: Bool { !problems.contains { $0.severity == .error } }
}
