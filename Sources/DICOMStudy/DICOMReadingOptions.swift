import Foundation
import TriageCore

/// How DICOM attributes map to the clinical context a worklist ranks by; from the configuration.
public struct DICOMReadingOptions: Sendable, Equatable {
    /// The zone of times without an offset when a file has no TimezoneOffsetFromUTC (0008,0201).
    public var timeZone: TimeZone
    /// RequestedProcedurePriority (0040,1003) values (upper case) to ordered priorities.
    public var priorities: [String: OrderedPriority]
    /// Patterns on the requested procedure, study and series descriptions that name an organ centre.
    public var organCentres: [OrganCentreRule]

    /// PS3.3 defines STAT, HIGH, ROUTINE, MEDIUM, LOW; radtriage orders stat, urgent, routine.
    public static let standardPriorities: [String: OrderedPriority] = [
        "STAT": .stat, "HIGH": .urgent, "MEDIUM": .routine, "ROUTINE": .routine, "LOW": .routine,
    ]

    public init(timeZone: TimeZone = .current, priorities: [String: OrderedPriority] = standardPriorities, organCentres: [OrganCentreRule] = []) {
        self.timeZone = timeZone
        self.priorities = priorities
        self.organCentres = organCentres
    }
}

/// `pattern` found (case-insensitively) in a description means the study goes to `centre`'s board.
public struct OrganCentreRule: Sendable, Equatable, Codable {
    public var pattern: String
    public var centre: String

    public init(pattern: String, centre: String) {
        self.pattern = pattern
        self.centre = centre
    }
}
