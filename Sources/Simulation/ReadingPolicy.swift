import Foundation
import TriageCore
import Triage

/// The order in which free readers take studies.
public enum ReadingPolicy: String, Sendable, Codable, CaseIterable {
    /// The configured triage ranking, as `radtriage run` would write the worklist at that moment.
    case configured
    /// First come, first read.
    case arrivalOrder
    /// Stat, then urgent, then routine; arrival order within a class.
    case priorityClass
    /// The model's probability, highest first; arrival order among equal probabilities.
    case modelOnly

    public var title: String {
        switch self {
        case .configured: "configured ranking"
        case .arrivalOrder: "arrival order"
        case .priorityClass: "priority class only"
        case .modelOnly: "model only"
        }
    }
}

/// Chooses the next study for a free reader among the waiting ones it may read.
struct ReadingOrder {
    let policy: ReadingPolicy
    let ranking: RankingAdapter

    /// The position in `waiting` (positions in `studies`) of the study to read next.
    func next(_ waiting: [Int], of studies: [SimulatedStudy], now: Date) -> Int {
        switch policy {
        case .configured:
            return ranking.top(of: waiting.map { studies[$0] }, now: now)
        case .arrivalOrder:
            // Studies join the queue in arrival order.
            return 0
        case .priorityClass:
            return best(waiting) { studies[$0].priority < studies[$1].priority }
        case .modelOnly:
            return best(waiting) { studies[$0].probability > studies[$1].probability }
        }
    }

    /// The first waiting study that no later one precedes: waiting is in arrival order, so ties go
    /// to the earlier arrival. A linear scan: queues are short next to the number of reads.
    private func best(_ waiting: [Int], by precedes: (Int, Int) -> Bool) -> Int {
        var best = 0
        for index in waiting.indices.dropFirst() where precedes(waiting[index], waiting[best]) { best = index }
        return best
    }
}

/// The one place where the simulation meets the product's ranking: simulated studies in, the
/// ranker's first choice out.
struct RankingAdapter {
    let ranker: TriageRanker

    init(configuration: TriageConfiguration) {
        ranker = TriageRanker(configuration: configuration)
    }

    func top(of waiting: [SimulatedStudy], now: Date) -> Int {
        let candidates = waiting.indices.map { index in
            let study = waiting[index]
            return TriageCandidate(studyId: study.id, priority: study.priority, site: study.site, centre: study.centre, received: study.arrival,
                                   finding: .scored(probability: study.probability, suvMax: nil, suvMaxZmm: nil), source: String(index))
        }
        guard let first = ranker.rank(candidates, now: now).first, let index = Int(first.candidate.source) else { return 0 }
        return index
    }

    func pool(of study: SimulatedStudy) -> String? {
        ranker.configuration.pool(site: study.site, centre: study.centre)
    }
}
