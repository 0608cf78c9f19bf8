import Foundation
import TriageCore
import Testing
import Triage
@testable import Simulation

@Suite struct GuardAndBoardTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func time(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { preconditionFailure("bad time \(text)") }
        return date
    }

    /// Eight hours of likely-positive routine studies every 10 minutes and a likely-negative one every
    /// hour, 10-minute reads, one reader: more work than the reader can do while it lasts, so reading
    /// by the model alone leaves the negatives until the positives stop. The configured ranking with a
    /// 2 h guard reads each negative once it reaches the guard, when the read in progress ends.
    @Test func theGuardBoundsTheLongestWait() throws {
        let start = Self.time("2026-11-23T08:00:00Z")
        var studies: [SimulatedStudy] = []
        for minute in stride(from: 0, to: 8 * 60, by: 10) {
            studies.append(SimulatedStudy(id: "P\(minute)", arrival: start.addingTimeInterval(Double(minute) * 60), priority: .routine,
                                          probability: 0.9, readingMinutes: 10))
        }
        for hour in 0..<8 {
            studies.append(SimulatedStudy(id: "N\(hour)", arrival: start.addingTimeInterval(Double(hour) * 3600 + 30), priority: .routine,
                                          probability: 0.1, readingMinutes: 10))
        }
        var configuration = TriageConfiguration.builtIn
        configuration.priorityClasses[.routine]?.maxWaitHours = 2
        // No ageing in the score: the guard alone must bound the wait.
        configuration.weights.waiting = 0
        let simulator = ReadingSimulator(readers: [Reader(name: "one")], configuration: configuration)
        let modelOnly = simulator.run(studies, policy: .modelOnly).reads
        let configured = simulator.run(studies, policy: .configured).reads
        #expect(modelOnly.count == studies.count && configured.count == studies.count)
        let starved = try #require(modelOnly.map(\.waitMinutes).max())
        let guarded = try #require(configured.map(\.waitMinutes).max())
        #expect(starved > 3 * 120, "without the guard the first negative waits until the positives stop")
        #expect(guarded <= 120 + 10, "longest wait \(guarded) min against a 120 min guard and 10 min reads")
        #expect(guarded > 120, "the negatives do reach the guard: the ranking alone would have left them")
        let report = PolicyReport(policy: .configured, reads: configured, unread: [], configuration: configuration, timeZone: Self.utc)
        #expect(report.guards.first { $0.priority == "routine" }?.guardHours == 2)
        #expect(report.guards.first { $0.priority == "routine" }.map { $0.longestWaitHours * 60 } == guarded)
    }

    /// A hand-made week for the lung board (Tuesday 16:30 Berlin, ready 2 h before: 13:30 UTC), one
    /// reader at work Monday to Friday 08:00–18:00 Berlin, hour-long reads, arrival order.
    @Test func boardReadinessOnAHandMadeWeek() {
        var configuration = TriageConfiguration.builtIn
        configuration.centres["lung"] = .init(name: "lung", boards: [.init(weekday: 2, hour: 16, minute: 30, timeZone: Self.berlin)],
                                              preparationMarginHours: 2)
        func lung(_ id: String, _ time: String, centre: String? = "lung") -> SimulatedStudy {
            SimulatedStudy(id: id, arrival: Self.time(time), priority: .routine, centre: centre, probability: 0.5, readingMinutes: 60)
        }
        let studies = [
            lung("monday", "2026-11-23T08:00:00Z"),          // read 09:00–10:00 Berlin Monday: ready
            lung("monday-night", "2026-11-23T20:00:00Z"),    // read Tuesday 08:00–09:00 Berlin: ready
            lung("tuesday-late", "2026-11-24T12:45:00Z"),    // read 13:45–14:45 Berlin... ends 13:45 UTC, after 13:30: not ready
            lung("after-deadline", "2026-11-24T13:40:00Z"),  // due next Tuesday's board: ready
            lung("no-centre", "2026-11-24T09:00:00Z", centre: nil),
            lung("unknown-centre", "2026-11-24T09:00:00Z", centre: "breast"),
        ]
        let hours = WorkingHours(weekdays: [1, 2, 3, 4, 5], startMinute: 8 * 60, endMinute: 18 * 60, timeZone: Self.berlin)
        let simulator = ReadingSimulator(readers: [Reader(name: "one", hours: hours)], configuration: configuration)
        let (reads, unread) = simulator.run(studies, policy: .arrivalOrder)
        #expect(unread.isEmpty)
        let start = Dictionary(uniqueKeysWithValues: reads.map { ($0.study.id, $0.start) })
        #expect(start["monday-night"] == Self.time("2026-11-24T07:00:00Z"))
        #expect(start["tuesday-late"] == Self.time("2026-11-24T12:45:00Z"))
        let report = PolicyReport(policy: .arrivalOrder, reads: reads, unread: unread, configuration: configuration, timeZone: Self.berlin)
        #expect(report.boards == .init(studiesWithBoard: 4, readyInTime: 3, share: 0.75))
    }

    @Test func theSameSeedGivesTheSameReport() throws {
        func report(seed: UInt64) -> SimulationReport {
            var random = SeededRandom(seed: seed)
            let studies = ExampleDepartment.pattern.arrivals(from: ExampleDepartment.start, days: 7, &random)
            return Simulation(studies: studies, readers: ExampleDepartment.readers(), configuration: ExampleDepartment.configuration,
                              timeZone: ExampleDepartment.timeZone, description: ExampleDepartment.summary, seed: seed).report()
        }
        let first = report(seed: 7)
        #expect(first == report(seed: 7))
        #expect(first.text == report(seed: 7).text)
        #expect(SimulationPage.html(first) == SimulationPage.html(report(seed: 7)))
        #expect(first != report(seed: 8))
        #expect(first.studies > 250 && first.studies < 350, "60 a weekday for five weekdays")
        #expect(first.policies.map(\.policy) == ReadingPolicy.allCases)
        // The policies read the same studies, so the mean over everyone differs by the order alone.
        let all = first.policies.compactMap { $0.group("all")?.studies }
        #expect(Set(all) == [first.studies])
    }
}
