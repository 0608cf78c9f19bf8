import Foundation
import Testing
import TriageCore
@testable import Triage

@Suite struct RankingTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func time(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { preconditionFailure("bad time \(text)") }
        return date
    }

    static var configuration: TriageConfiguration {
        var configuration = TriageConfiguration.builtIn
        configuration.centres = [
            "lung": .init(name: "lung", boards: [.init(weekday: 2, hour: 16, minute: 30, timeZone: berlin)], preparationMarginHours: 2),
            "breast": .init(name: "breast", boards: [.init(weekday: 1, hour: 14, minute: 30, timeZone: berlin)], preparationMarginHours: 2),
        ]
        return configuration
    }

    func candidate(_ id: String, _ priority: OrderedPriority = .routine, centre: String? = nil, received: Date? = nil,
                   probability: Double = 0.5) -> TriageCandidate {
        TriageCandidate(studyId: id, priority: priority, site: nil, centre: centre, received: received,
                        finding: .scored(probability: probability, suvMax: 8.2, suvMaxZmm: 312))
    }

    let now = RankingTests.time("2026-11-23T08:00:00Z")  // a Monday, 09:00 in Berlin

    @Test func atEqualModelOutputStatBeatsUrgentBeatsRoutine() {
        let received = now.addingTimeInterval(-3600)
        let ranked = TriageRanker(configuration: Self.configuration).rank(
            [candidate("R", .routine, received: received), candidate("S", .stat, received: received), candidate("U", .urgent, received: received)], now: now)
        #expect(ranked.map(\.candidate.studyId) == ["S", "U", "R"])
        #expect(ranked.map(\.rank) == [1, 2, 3])
    }

    @Test func aStudyPastItsMaximumWaitGoesToTheTop() throws {
        let ranker = TriageRanker(configuration: Self.configuration)
        let starving = candidate("OLD", .routine, received: now.addingTimeInterval(-121 * 3600), probability: 0.01)
        let hot = candidate("HOT", .stat, received: now.addingTimeInterval(-600), probability: 0.99)
        let ranked = ranker.rank([hot, starving], now: now)
        #expect(ranked.first?.candidate.studyId == "OLD" && ranked.first?.overdue == true)
        #expect(ranked.first?.reasons.first == "waiting 121.0 h, past the 120 h limit for routine")
        // Just under the limit it is not overdue: it ranks by score, where its waiting counts in full.
        let waiting = candidate("OLD", .routine, received: now.addingTimeInterval(-119 * 3600), probability: 0.01)
        let underLimit = try #require(ranker.rank([hot, waiting], now: now).first { $0.candidate.studyId == "OLD" })
        #expect(!underLimit.overdue && !underLimit.reasonText.contains("past the"))
        #expect(abs(underLimit.components.waiting - Self.configuration.weights.waiting * 119 / 120) < 1e-9)
    }

    /// Acquired Monday for the lung board on Tuesday 16:30 (ready by 14:30): 21.5 h of slack at Monday
    /// 17:00, which beats a routine breast study whose board is next Monday (today's ready-by time,
    /// 12:30, has passed), at equal model output.
    @Test func theNearerTumourBoardWins() {
        let now = Self.time("2026-11-23T16:00:00Z")
        let received = now.addingTimeInterval(-1800)
        let ranked = TriageRanker(configuration: Self.configuration).rank(
            [candidate("BREAST", centre: "breast", received: received), candidate("LUNG", centre: "lung", received: received)], now: now)
        #expect(ranked.map(\.candidate.studyId) == ["LUNG", "BREAST"])
        let lung = ranked[0]
        #expect(lung.board == Self.time("2026-11-24T15:30:00Z"))  // Tue 16:30 CET
        #expect(lung.deadline == Self.time("2026-11-24T13:30:00Z"))
        #expect(lung.boardTimeZone == Self.berlin)
        #expect(lung.hoursToDeadline == 21.5)
        #expect(lung.reasons.contains("lung board Tue 16:30, ready in 22 h"))
        #expect(ranked[1].board == Self.time("2026-11-30T13:30:00Z"))
        // At 09:00 the same morning, today's breast board (ready by 12:30) is the nearer one.
        let morning = TriageRanker(configuration: Self.configuration).rank(
            [candidate("BREAST", centre: "breast", received: self.now), candidate("LUNG", centre: "lung", received: self.now)], now: self.now)
        #expect(morning.map(\.candidate.studyId) == ["BREAST", "LUNG"])
    }

    /// Boards stay at their local time across the clock changes; the margin is real elapsed hours.
    @Test func deadlinesAcrossTheSpringAndAutumnClockChanges() throws {
        let breast = try #require(Self.configuration.centres["breast"])
        // Spring: Sunday 29 March 2026, 02:00 CET → 03:00 CEST. Received Friday 27 March, 12:00 CET.
        let spring = try #require(breast.nextBoard(after: Self.time("2026-03-27T11:00:00Z")))
        #expect(spring.board == Self.time("2026-03-30T12:30:00Z"))  // Monday 14:30 CEST
        #expect(spring.deadline == Self.time("2026-03-30T10:30:00Z"))
        #expect(spring.deadline.timeIntervalSince(Self.time("2026-03-27T11:00:00Z")) == 71.5 * 3600,
                "Fri 12:00 → Mon 12:30 local is 72.5 h on the wall clock, 71.5 h of real time")
        // Autumn: Sunday 25 October 2026, 03:00 CEST → 02:00 CET. Received Friday 23 October, 12:00 CEST.
        let autumn = try #require(breast.nextBoard(after: Self.time("2026-10-23T10:00:00Z")))
        #expect(autumn.board == Self.time("2026-10-26T13:30:00Z"))  // Monday 14:30 CET
        #expect(autumn.deadline.timeIntervalSince(Self.time("2026-10-23T10:00:00Z")) == 73.5 * 3600)
        // A study received after Monday's ready-by time waits for the next Monday.
        let late = try #require(breast.nextBoard(after: Self.time("2026-11-23T12:00:00Z")))
        #expect(late.board == Self.time("2026-11-30T13:30:00Z"))
    }

    @Test func tiesBreakTheSameWayEveryRun() {
        let received = now.addingTimeInterval(-7200)
        let studies = [
            candidate("B", received: received), candidate("A", received: received), candidate("C", received: received.addingTimeInterval(-60)),
            candidate("D", .urgent, received: received, probability: 0),
        ]
        let ranker = TriageRanker(configuration: Self.configuration)
        let first = ranker.rank(studies, now: now).map(\.candidate.studyId)
        for _ in 0..<20 {
            #expect(ranker.rank(studies.shuffled(), now: now).map(\.candidate.studyId) == first)
        }
        // The earlier arrival first among equal routine scores, then by id.
        #expect(first.filter { $0 != "D" } == ["C", "A", "B"])
    }

    @Test func failedStudiesStayWithTheirReason() {
        let failed = TriageCandidate(studyId: "X", priority: .urgent, site: nil, centre: nil, received: now.addingTimeInterval(-3600),
                                     finding: .failed(reason: "PT/0032.png: damaged PNG"))
        let ranked = TriageRanker(configuration: .builtIn).rank([candidate("OK", received: now), failed], now: now)
        #expect(ranked.count == 2)
        let x = ranked.first { $0.candidate.studyId == "X" }
        #expect(x?.reasons.first == "FAILED: PT/0032.png: damaged PNG")
        #expect(x?.components.model == 0)
    }

    @Test func reasonsAndPriorityVocabularies() {
        let ranked = TriageRanker(configuration: Self.configuration).rank(
            [candidate("S", .stat, centre: "lung", received: now.addingTimeInterval(-5400), probability: 0.93)], now: now)
        let study = ranked[0]
        #expect(study.reasonText.contains("model 0.93, SUVmax 8.2 at 312 mm"))
        #expect(study.reasonText.contains("stat") && study.reasonText.contains("waiting 1.5 h"))
        #expect((study.priorityClass.dicom, study.priorityClass.hl7, study.priorityClass.fhir) == ("STAT", "S", "stat"))
        // Alone on the worklist it is the model's top study: the model term in full.
        let weights = Self.configuration.weights
        #expect(abs(study.score - (weights.model * 1 + weights.priority * 1 + weights.waiting * 1.5 / 4 + study.components.deadline)) < 1e-9)
    }

    /// Probabilities crowded near 1 (a saturated model) still order the studies: the model term counts
    /// the study's place among the worklist's studies, 1 for the highest, 0 for the lowest, ties sharing.
    @Test func saturatedProbabilitiesStillOrder() {
        let received = now.addingTimeInterval(-600)
        let probabilities = [0.99991, 0.99999, 0.99995, 0.99995, 0.99993]
        let studies = probabilities.enumerated().map { candidate("S\($0)", received: received, probability: $1) }
        let ranked = TriageRanker(configuration: Self.configuration).rank(studies, now: now)
        #expect(ranked.map(\.candidate.studyId) == ["S1", "S2", "S3", "S4", "S0"])
        let weight = Self.configuration.weights.model
        #expect(ranked.map(\.components.model) == [weight, weight * 0.625, weight * 0.625, weight * 0.25, 0])
    }

    /// Among overdue studies the more urgent class goes first, then the one longer past its maximum,
    /// whatever the model or the hours waited say.
    @Test func overdueStudiesOrderByClassThenHoursPastTheirMaximum() {
        let ranker = TriageRanker(configuration: Self.configuration)
        let studies = [
            candidate("ROUTINE-LONG", .routine, received: now.addingTimeInterval(-4870 * 3600), probability: 0.2),
            candidate("ROUTINE-JUST", .routine, received: now.addingTimeInterval(-121 * 3600), probability: 0.9),
            candidate("STAT", .stat, received: now.addingTimeInterval(-5 * 3600), probability: 0.95),
            candidate("URGENT-1H", .urgent, received: now.addingTimeInterval(-25 * 3600), probability: 0.1),
            candidate("URGENT-3H", .urgent, received: now.addingTimeInterval(-27 * 3600), probability: 0.1),
            candidate("FRESH-STAT", .stat, received: now.addingTimeInterval(-600), probability: 0.99),
        ]
        let ranked = ranker.rank(studies, now: now)
        #expect(ranked.map(\.candidate.studyId) == ["STAT", "URGENT-3H", "URGENT-1H", "ROUTINE-LONG", "ROUTINE-JUST", "FRESH-STAT"])
        #expect(ranked.prefix(5).allSatisfy(\.overdue) && !ranked[5].overdue)
    }

    @Test func poolsRouteBySiteThenCentre() {
        var configuration = TriageConfiguration.builtIn
        configuration.pools = [.init(name: "north", sites: ["North"], centres: []), .init(name: "lymph", sites: [], centres: ["lymphoma"])]
        #expect(configuration.pool(site: "North", centre: "lymphoma") == "north")
        #expect(configuration.pool(site: "South", centre: "lymphoma") == "lymph")
        #expect(configuration.pool(site: "South", centre: "lung") == nil)
    }
}
