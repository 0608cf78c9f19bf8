import Foundation
import TriageCore
import Testing
import Triage
@testable import Simulation

@Suite struct ArrivalAndPoolTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let start = Date(timeIntervalSince1970: 1_795_392_000)  // Monday 2026-11-23 00:00 UTC

    static func pattern(_ model: ModelBehaviour, prevalence: Double = 0.4) -> ArrivalPattern {
        ArrivalPattern(ratePerHour: ArrivalPattern.constantRate(perHour: 10), timeZone: utc, classShares: [.stat: 0.1, .urgent: 0.2, .routine: 0.7],
                       prevalence: prevalence, model: model, readingTimes: [.routine: .fixed(minutes: 10)])
    }

    /// Binormal scores keep the operating point they were given: at the healthy studies' 90th
    /// percentile, 90 % of diseased studies score above it (20 000 studies: about 8 000 diseased, so
    /// the binomial standard deviation is under 0.004 and the tolerance four of them).
    @Test func binormalScoresHaveTheGivenSensitivityAtTheGivenSpecificity() {
        var random = SeededRandom(seed: 11)
        let studies = Self.pattern(.binormal(sensitivity: 0.9, specificity: 0.9)).arrivals(from: Self.start, days: 84, &random)
        let healthy = studies.filter { $0.diseased == false }.map(\.probability).sorted()
        let diseased = studies.filter { $0.diseased == true }.map(\.probability)
        #expect(studies.count > 19_000 && studies.count < 21_300, "10 an hour for 84 days")
        #expect(abs(Double(diseased.count) / Double(studies.count) - 0.4) < 0.015)
        let threshold = healthy[Int(0.9 * Double(healthy.count))]
        let sensitivity = Double(diseased.filter { $0 > threshold }.count) / Double(diseased.count)
        #expect(abs(sensitivity - 0.9) < 0.015, "sensitivity \(sensitivity) at specificity 0.9")
        // Calibrated at the prevalence: the mean probability is the share diseased.
        let meanProbability = studies.map(\.probability).reduce(0, +) / Double(studies.count)
        #expect(abs(meanProbability - 0.4) < 0.015)
        let stat = Double(studies.filter { $0.priority == .stat }.count) / Double(studies.count)
        #expect(abs(stat - 0.1) < 0.01)
    }

    @Test func validationScoresAndCallsAreDrawnAsGiven() {
        var random = SeededRandom(seed: 12)
        let scored = Self.pattern(.validationScores(diseased: [0.8, 0.9], healthy: [0.1, 0.2, 0.7])).arrivals(from: Self.start, days: 28, &random)
        let diseased = scored.filter { $0.diseased == true }.map(\.probability), healthy = scored.filter { $0.diseased == false }.map(\.probability)
        #expect(diseased.allSatisfy { (0.8...0.9).contains($0) } && healthy.allSatisfy { (0.1...0.7).contains($0) })
        // Uniform between neighbouring quantiles: the healthy median is 0.2 and half of them lie above it.
        #expect(abs(diseased.reduce(0, +) / Double(diseased.count) - 0.85) < 0.005)
        #expect(abs(Double(healthy.filter { $0 > 0.2 }.count) / Double(healthy.count) - 0.5) < 0.03)
        let calls = Self.pattern(.calls(sensitivity: 0.9, specificity: 0.8)).arrivals(from: Self.start, days: 28, &random)
        let callsOnHealthy = calls.filter { $0.diseased == false }
        #expect(Set(calls.map(\.probability)) == [0, 1])
        let specificity = Double(callsOnHealthy.filter { $0.probability == 0 }.count) / Double(callsOnHealthy.count)
        #expect(abs(specificity - 0.8) < 0.02)
    }

    /// Arrivals follow the hourly rates of each weekday in the pattern's zone: none where the rate is 0.
    @Test func arrivalsFollowTheRatePerWeekdayAndHour() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        var rates = Array(repeating: Array(repeating: 0.0, count: 24), count: 7)
        rates[0][9] = 30  // Monday 09:00–10:00
        rates[4][14] = 6  // Friday 14:00–15:00
        var pattern = Self.pattern(.calls(sensitivity: 0.9, specificity: 0.9))
        pattern.ratePerHour = rates
        pattern.timeZone = berlin
        var random = SeededRandom(seed: 13)
        let studies = pattern.arrivals(from: ExampleDepartment.start, days: 28, &random)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = berlin
        let slots = Set(studies.map { "\(calendar.component(.weekday, from: $0.arrival))-\(calendar.component(.hour, from: $0.arrival))" })
        #expect(slots == ["2-9", "6-14"])
        let monday = studies.filter { calendar.component(.weekday, from: $0.arrival) == 2 }.count
        #expect(monday > 90 && monday < 150, "30 an hour for four Mondays")
    }

    /// Readers of a pool read only its studies; a study of no pool waits for a reader of any.
    @Test func poolReadersReadOnlyTheirPool() throws {
        let configuration = try ConfigurationLoader().parse("pools:\n  - {name: north, sites: [North]}\n  - {name: south, sites: [South]}\n")
        let sites = ["North", "South", "North", "East", "South", "North"]
        let studies = sites.enumerated().map { index, site in
            SimulatedStudy(id: "S\(index)", arrival: Self.start.addingTimeInterval(Double(index) * 60), priority: .routine, site: site,
                           probability: 0.5, readingMinutes: 30)
        }
        let pools = [Reader(name: "north", pool: "north"), Reader(name: "south", pool: "south")]
        let (reads, unread) = ReadingSimulator(readers: pools, configuration: configuration).run(studies, policy: .arrivalOrder)
        #expect(unread.map(\.id) == ["S3"])
        for read in reads { #expect(pools[read.reader].pool == configuration.pool(site: read.study.site, centre: nil)) }
        // North's three studies one after another by its one reader, while south's reader reads its two.
        let north = reads.filter { $0.study.site == "North" }.map(\.start)
        #expect(north == [0, 30, 60].map { Self.start.addingTimeInterval(Double($0) * 60) })
        let report = PolicyReport(policy: .arrivalOrder, reads: reads, unread: unread, configuration: configuration, timeZone: Self.utc)
        #expect(report.unread == 1 && report.guards.first?.pastGuard == 1, "a study never read counts past its guard")
        let withAnyone = ReadingSimulator(readers: pools + [Reader(name: "anyone")], configuration: configuration).run(studies, policy: .arrivalOrder)
        #expect(withAnyone.unread.isEmpty && withAnyone.reads.count == studies.count)
    }
}
