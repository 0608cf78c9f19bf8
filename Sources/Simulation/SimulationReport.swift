import Foundation
import TriageCore
import Triage

/// What one policy did to the studies: times to read per group, board readiness, waits against the
/// guards, and the worst day. Times are in minutes, waits against guards in hours.
public struct PolicyReport: Sendable, Codable, Equatable {
    public struct Group: Sendable, Codable, Equatable {
        /// `stat`, `urgent`, `routine`, `positive` (diseased, when the truth is known), `called positive`
        /// (model probability at least 0.5), or `all`.
        public var group: String
        public var studies: Int
        /// Arrival to the end of the read.
        public var meanTimeToReadMinutes: Double
        public var p95TimeToReadMinutes: Double
        public var maxTimeToReadMinutes: Double
        /// Arrival to the moment a reader opened it.
        public var meanWaitMinutes: Double
        public var maxWaitMinutes: Double
    }

    public struct BoardReadiness: Sendable, Codable, Equatable {
        /// Studies of a centre with tumour boards; each is due for the first board whose ready-by time is after its arrival.
        public var studiesWithBoard: Int
        /// Read by that ready-by time.
        public var readyInTime: Int
        public var share: Double?
    }

    public struct Guard: Sendable, Codable, Equatable {
        public var priority: String
        public var guardHours: Double
        public var longestWaitHours: Double
        /// Studies opened after waiting longer than the guard (unread studies count too).
        public var pastGuard: Int
    }

    public struct Day: Sendable, Codable, Equatable {
        /// The local date of arrival (`2026-11-23 Mon`).
        public var day: String
        public var studies: Int
        public var meanTimeToReadMinutes: Double
        public var maxTimeToReadMinutes: Double
    }

    public var policy: ReadingPolicy
    public var title: String
    public var groups: [Group]
    public var boards: BoardReadiness
    public var guards: [Guard]
    /// The day whose studies had the longest mean time to read.
    public var worstDay: Day?
    /// Studies no reader ever took (no reader of their pool).
    public var unread: Int
    /// Time to read of all studies at each percentile 0, 1, ... 100 (for the plots).
    public var timeToReadPercentilesMinutes: [Double]
}

/// One simulation: the department, the policies side by side.
public struct SimulationReport: Sendable, Codable, Equatable {
    public var schemaVersion = 1
    /// What was simulated, in words (arrivals, readers, reading times, configuration).
    public var department: [String]
    public var seed: UInt64
    public var studies: Int
    public var firstArrival: Date?
    public var lastArrival: Date?
    public var policies: [PolicyReport]

    public init(department: [String], seed: UInt64, studies: [SimulatedStudy], policies: [PolicyReport]) {
        self.department = department
        self.seed = seed
        self.studies = studies.count
        firstArrival = studies.map(\.arrival).min()
        lastArrival = studies.map(\.arrival).max()
        self.policies = policies
    }
}

extension PolicyReport {
    /// The figures of one policy's reads, with days counted in `timeZone`.
    public init(policy: ReadingPolicy, reads: [SimulatedRead], unread: [SimulatedStudy], configuration: TriageConfiguration, timeZone: TimeZone) {
        self.policy = policy
        title = policy.title
        self.unread = unread.count
        var groups: [Group] = []
        let byClass = OrderedPriority.allCases.map { priority in (priority.rawValue, reads.filter { $0.study.priority == priority }) }
        for (name, members) in byClass + [
            ("positive", reads.filter { $0.study.diseased == true }),
            ("called positive", reads.filter { $0.study.probability >= 0.5 }),
            ("all", reads),
        ] where !members.isEmpty {
            groups.append(Group(name, members))
        }
        self.groups = groups

        var withBoard = 0
        var ready = 0
        let readEnd = Dictionary(reads.map { ($0.study.id, $0.end) }, uniquingKeysWith: min)
        for study in reads.map(\.study) + unread {
            guard let centre = study.centre.flatMap({ configuration.centres[$0] }), let due = centre.nextBoard(after: study.arrival) else { continue }
            withBoard += 1
            if let end = readEnd[study.id], end <= due.deadline { ready += 1 }
        }
        boards = BoardReadiness(studiesWithBoard: withBoard, readyInTime: ready, share: withBoard > 0 ? Double(ready) / Double(withBoard) : nil)

        guards = OrderedPriority.allCases.compactMap { priority in
            let guardHours = configuration.priorityClass(priority).maxWaitHours
            let waits = reads.filter { $0.study.priority == priority }.map { $0.waitMinutes / 60 }
            let left = unread.filter { $0.priority == priority }.count
            guard !waits.isEmpty || left > 0 else { return nil }
            return Guard(priority: priority.rawValue, guardHours: guardHours, longestWaitHours: waits.max() ?? 0,
                         pastGuard: waits.filter { $0 > guardHours }.count + left)
        }

        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd EEE"
        let days = Dictionary(grouping: reads) { formatter.string(from: $0.study.arrival) }.map { day, members in
            let times = members.map(\.timeToReadMinutes)
            return Day(day: day, studies: members.count, meanTimeToReadMinutes: times.reduce(0, +) / Double(times.count),
                       maxTimeToReadMinutes: times.max() ?? 0)
        }
        worstDay = days.max { $0.meanTimeToReadMinutes != $1.meanTimeToReadMinutes ? $0.meanTimeToReadMinutes < $1.meanTimeToReadMinutes : $0.day > $1.day }
        let sorted = reads.map(\.timeToReadMinutes).sorted()
        timeToReadPercentilesMinutes = sorted.isEmpty ? [] : (0...100).map { Self.percentile(sorted, Double($0)) }
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ percent: Double) -> Double {
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    public func group(_ name: String) -> Group? { groups.first { $0.group == name } }
}

extension PolicyReport.Group {
    init(_ group: String, _ reads: [SimulatedRead]) {
        let times = reads.map(\.timeToReadMinutes).sorted()
        let waits = reads.map(\.waitMinutes)
        self.init(group: group, studies: reads.count, meanTimeToReadMinutes: times.reduce(0, +) / Double(times.count),
                  p95TimeToReadMinutes: PolicyReport.percentile(times, 95), maxTimeToReadMinutes: times.last ?? 0,
                  meanWaitMinutes: waits.reduce(0, +) / Double(waits.count), maxWaitMinutes: waits.max() ?? 0)
    }
}
