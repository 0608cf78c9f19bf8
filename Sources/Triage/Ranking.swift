import Foundation
import TriageCore

/// What the ranking knows of a study.
public struct TriageCandidate: Sendable {
    public enum Finding: Sendable, Equatable {
        /// The model's probability and the evidence behind it (SUVmax and its depth along the body in mm).
        case scored(probability: Double, suvMax: Double?, suvMaxZmm: Double?)
        /// The study could not be scored; it stays on the worklist with this reason.
        case failed(reason: String)
    }

    public var studyId: String
    public var priority: OrderedPriority
    public var site: String?
    public var centre: String?
    /// When the study arrived; waiting time counts from here (none known: no waiting credit).
    public var received: Date?
    public var finding: Finding
    /// Where the study came from (its folder): the last tie-break.
    public var source: String
    /// The result ranked, handed back with its rank.
    public var outcome: StudyOutcome?

    public init(studyId: String, priority: OrderedPriority, site: String?, centre: String?, received: Date?, finding: Finding,
                source: String = "", outcome: StudyOutcome? = nil) {
        self.source = source
        self.outcome = outcome
        self.studyId = studyId
        self.priority = priority
        self.site = site
        self.centre = centre
        self.received = received
        self.finding = finding
    }
}

extension TriageCandidate {
    /// A study's result as the ranking sees it; `source` is its folder. A failed study whose sidecar could
    /// not be read ranks as routine under its folder's name, with no waiting credit.
    public init(_ outcome: StudyOutcome, source: String) {
        let metadata = outcome.metadata
        let finding: Finding
        switch outcome {
        case .scored(let result):
            finding = .scored(probability: result.probability, suvMax: result.evidence?.suvMax, suvMaxZmm: result.evidence?.suvMaxPositionMm.z)
        case .failed(let failure):
            finding = .failed(reason: failure.reason)
        }
        self.init(
            studyId: metadata?.identity.studyId ?? URL(fileURLWithPath: source).lastPathComponent,
            priority: metadata?.context.orderedPriority ?? .routine, site: metadata?.context.site, centre: metadata?.context.organCentre,
            received: metadata?.context.waitingSince, finding: finding, source: source, outcome: outcome)
    }
}

/// A study's place on the worklist and why.
public struct RankedStudy: Sendable {
    /// Points from each term of the triage score.
    public struct Components: Sendable, Equatable, Codable {
        public var model: Double
        public var priority: Double
        public var waiting: Double
        public var deadline: Double
    }

    public var rank: Int
    public var candidate: TriageCandidate
    public var score: Double
    public var components: Components
    public var priorityClass: TriageConfiguration.PriorityClass
    public var hoursWaiting: Double
    /// Waited past its class's maximum: ranked above every study that has not.
    public var overdue: Bool
    /// The next tumour board of the study's centre, the time reads must be ready by, and the board's zone.
    public var board: Date?
    public var deadline: Date?
    public var boardTimeZone: TimeZone?
    public var hoursToDeadline: Double?
    public var pool: String?
    /// The reasons for the rank, most important first.
    public var reasons: [String]

    public var reasonText: String { reasons.joined(separator: "; ") }
}

/// Ranks studies by a triage score that combines the model's finding, the ordered priority, waiting
/// time and the tumour-board deadline, with a guard against starvation: a study past its class's
/// maximum wait goes above every study that is not, the more urgent class first, then the one longer
/// past its maximum.
public struct TriageRanker: Sendable {
    public let configuration: TriageConfiguration

    public init(configuration: TriageConfiguration) {
        self.configuration = configuration
    }

    /// The studies in reading order at `now`. Deterministic: equal scores break by priority, then the
    /// earlier arrival, then the study id, then the source folder.
    public func rank(_ candidates: [TriageCandidate], now: Date) -> [RankedStudy] {
        let places = ModelPlaces(candidates)
        let scored = candidates.map { evaluate($0, now: now, places: places) }
        let ordered = scored.sorted { a, b in
            if a.overdue != b.overdue { return a.overdue }
            if a.overdue {
                if a.candidate.priority != b.candidate.priority { return a.candidate.priority < b.candidate.priority }
                let pastA = a.hoursWaiting - a.priorityClass.maxWaitHours, pastB = b.hoursWaiting - b.priorityClass.maxWaitHours
                if pastA != pastB { return pastA > pastB }
            }
            if a.score != b.score { return a.score > b.score }
            if a.candidate.priority != b.candidate.priority { return a.candidate.priority < b.candidate.priority }
            if a.candidate.received != b.candidate.received {
                return (a.candidate.received ?? .distantFuture) < (b.candidate.received ?? .distantFuture)
            }
            if a.candidate.studyId != b.candidate.studyId { return a.candidate.studyId < b.candidate.studyId }
            return a.candidate.source < b.candidate.source
        }
        return ordered.enumerated().map { index, study in
            var ranked = study
            ranked.rank = index + 1
            return ranked
        }
    }

    func evaluate(_ candidate: TriageCandidate, now: Date, places: ModelPlaces) -> RankedStudy {
        let weights = configuration.weights
        let priorityClass = configuration.priorityClass(candidate.priority)
        let hoursWaiting = candidate.received.map { max(now.timeIntervalSince($0) / 3600, 0) } ?? 0
        let overdue = hoursWaiting >= priorityClass.maxWaitHours
        var board: (board: Date, deadline: Date, timeZone: TimeZone)?
        var centre: TriageConfiguration.OrganCentre?
        if let name = candidate.centre, let found = configuration.centres[name] {
            centre = found
            // The board the study can still be ready for: the first whose ready-by time is still ahead.
            board = found.nextBoard(after: now)
        }
        let hoursToDeadline = board.map { $0.deadline.timeIntervalSince(now) / 3600 }
        let pressure = hoursToDeadline.map { min(max(1 - $0 / weights.deadlineHorizonHours, 0), 1) } ?? 0
        var place = 0.0
        if case .scored(let probability, _, _) = candidate.finding { place = places.place(of: probability) }
        let components = RankedStudy.Components(
            model: weights.model * place, priority: weights.priority * priorityClass.urgency,
            waiting: weights.waiting * min(hoursWaiting / priorityClass.maxWaitHours, 1), deadline: weights.deadline * pressure)
        var study = RankedStudy(
            rank: 0, candidate: candidate, score: components.model + components.priority + components.waiting + components.deadline,
            components: components, priorityClass: priorityClass, hoursWaiting: hoursWaiting, overdue: overdue,
            board: board?.board, deadline: board?.deadline, boardTimeZone: board?.timeZone, hoursToDeadline: hoursToDeadline,
            pool: configuration.pool(site: candidate.site, centre: candidate.centre), reasons: [])
        study.reasons = reasons(for: study, centre: centre)
        return study
    }

    /// Words for the rank, the strongest first: "waiting 130 h, past the 120 h limit for routine",
    /// "model 0.93, SUVmax 9.4 at 312 mm", "stat", "lung board Tue 16:30 in 20 h".
    private func reasons(for study: RankedStudy, centre: TriageConfiguration.OrganCentre?) -> [String] {
        var weighted: [(points: Double, text: String)] = []
        let candidate = study.candidate
        switch candidate.finding {
        case .failed(let reason):
            weighted.append((.infinity, "FAILED: \(reason)"))
        case .scored(let probability, let suvMax, let z):
            var text = String(format: "model %.2f", probability)
            if let suvMax { text += String(format: ", SUVmax %.1f", suvMax) + (z.map { String(format: " at %.0f mm", $0) } ?? "") }
            weighted.append((study.components.model, text))
        }
        if study.overdue {
            weighted.append((.infinity, String(format: "waiting %.1f h, past the %.0f h limit for %@", study.hoursWaiting,
                                               study.priorityClass.maxWaitHours, candidate.priority.rawValue)))
        } else if candidate.received != nil {
            weighted.append((study.components.waiting, String(format: "waiting %.1f h", study.hoursWaiting)))
        }
        if study.components.priority > 0 || candidate.priority != .routine {
            weighted.append((study.components.priority, candidate.priority.rawValue))
        }
        if let centre, let board = study.board, let zone = study.boardTimeZone, let hours = study.hoursToDeadline {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "EEE HH:mm"
            let when = String(format: "ready in %.0f h", hours)
            weighted.append((study.components.deadline, "\(centre.name) board \(formatter.string(from: board)), \(when)"))
        }
        return weighted.enumerated().sorted { $0.element.points != $1.element.points ? $0.element.points > $1.element.points : $0.offset < $1.offset }
            .map(\.element.text)
    }
}

/// Each scored study's place among the worklist's scored studies by model probability: 1 for the
/// highest, 0 for the lowest, equal probabilities sharing the mean of their places.
struct ModelPlaces {
    private let sorted: [Double]

    init(_ candidates: [TriageCandidate]) {
        sorted = candidates.compactMap { candidate -> Double? in
            if case .scored(let probability, _, _) = candidate.finding { return probability }
            return nil
        }.sorted()
    }

    func place(of probability: Double) -> Double {
        guard sorted.count > 1 else { return 1 }
        let below = boundary(probability, includingEqual: false)
        let equalOthers = max(boundary(probability, includingEqual: true) - below - 1, 0)
        return (Double(below) + Double(equalOthers) / 2) / Double(sorted.count - 1)
    }

    /// The number of probabilities below `value` (or at most `value`), by binary search.
    private func boundary(_ value: Double, includingEqual: Bool) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value || (includingEqual && sorted[middle] == value) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
