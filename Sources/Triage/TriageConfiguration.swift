import Foundation
import TriageCore

/// How studies are ranked and routed: the ranking weights, the priority classes with their maximum
/// waits, the organ centres with their weekly tumour boards, and the reading pools. Loaded from one
/// YAML file (`ConfigurationLoader`, Docs/radtriage.example.yaml); `builtIn` when there is none.
public struct TriageConfiguration: Sendable {
    /// Points each term adds to a study's triage score.
    public struct Weights: Sendable, Equatable {
        /// × the study's place among the worklist's scored studies by model probability: 1 for the
        /// most likely abnormal, 0 for the least, evenly between. By rank rather than by probability, so
        /// that probabilities crowded near 0 or 1 still order the studies.
        public var model: Double = 40
        /// × the ordered priority's urgency (stat 1, urgent 0.5, routine 0 by default).
        public var priority: Double = 30
        /// × the share of the class's maximum wait already waited (0...1): a class ages at the pace of
        /// its own maximum (a stat study 30 times as fast as a routine one with the default classes), and
        /// the weight is large enough that waiting counts within a working day, not only near the maximum.
        public var waiting: Double = 240
        /// × the deadline's pressure: 1 when the tumour board's ready-by time is now, falling
        /// linearly to 0 at `deadlineHorizonHours` away.
        public var deadline: Double = 30
        public var deadlineHorizonHours: Double = 24

        public init() {}
    }

    /// A class of ordered priority, with the worst-case wait after which a study goes to the top
    /// (AI ranking without such a bound raised the maximum wait in Baltruschat et al., Eur Radiol 2021).
    public struct PriorityClass: Sendable, Equatable {
        public var priority: OrderedPriority
        /// The urgency the ranking gives this class, 0...1.
        public var urgency: Double
        public var maxWaitHours: Double
        /// The class in the vocabularies a RIS speaks (shared/domain.md).
        public var dicom: String
        public var hl7: String
        public var fhir: String
    }

    /// One weekly tumour board: the weekday (1 = Monday ... 7 = Sunday) and local time in its zone.
    public struct TumourBoard: Sendable, Equatable {
        public var weekday: Int
        public var hour: Int
        public var minute: Int
        public var timeZone: TimeZone

        public init(weekday: Int, hour: Int, minute: Int, timeZone: TimeZone) {
            self.weekday = weekday
            self.hour = hour
            self.minute = minute
            self.timeZone = timeZone
        }
    }

    public struct OrganCentre: Sendable, Equatable {
        public var name: String
        public var boards: [TumourBoard]
        /// Reads must be ready this long before the board.
        public var preparationMarginHours: Double

        public init(name: String, boards: [TumourBoard], preparationMarginHours: Double) {
            self.name = name
            self.boards = boards
            self.preparationMarginHours = preparationMarginHours
        }
    }

    /// A group of readers that takes the studies of some sites and centres (a network of hospitals
    /// sharing readers). A study goes to the first pool that names its site or its centre.
    public struct ReadingPool: Sendable, Equatable {
        public var name: String
        public var sites: [String]
        public var centres: [String]
    }

    public var weights = Weights()
    public var priorityClasses: [OrderedPriority: PriorityClass]
    public var centres: [String: OrganCentre]
    public var pools: [ReadingPool]

    public init(priorityClasses: [OrderedPriority: PriorityClass], centres: [String: OrganCentre], pools: [ReadingPool]) {
        self.priorityClasses = priorityClasses
        self.centres = centres
        self.pools = pools
    }

    public func priorityClass(_ priority: OrderedPriority) -> PriorityClass {
        priorityClasses[priority] ?? Self.defaultClasses[priority]!
    }

    /// The pool a study is read in, or nil when pools are not configured or none names it.
    public func pool(site: String?, centre: String?) -> String? {
        pools.first { pool in
            (site.map(pool.sites.contains) ?? false) || (centre.map(pool.centres.contains) ?? false)
        }?.name
    }

    /// DICOM Requested Procedure Priority (0040,1003), HL7 v2 TQ1-9 and FHIR request-priority codes.
    static let defaultClasses: [OrderedPriority: PriorityClass] = [
        .stat: PriorityClass(priority: .stat, urgency: 1, maxWaitHours: 4, dicom: "STAT", hl7: "S", fhir: "stat"),
        .urgent: PriorityClass(priority: .urgent, urgency: 0.5, maxWaitHours: 24, dicom: "HIGH", hl7: "A", fhir: "urgent"),
        .routine: PriorityClass(priority: .routine, urgency: 0, maxWaitHours: 120, dicom: "ROUTINE", hl7: "R", fhir: "routine"),
    ]

    /// Used when no configuration file is given: the default classes, no centres (no deadlines), no pools.
    public static let builtIn = TriageConfiguration(priorityClasses: defaultClasses, centres: [:], pools: [])
}
