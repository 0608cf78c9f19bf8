import Foundation
import TriageCore
import Triage

/// The department `radtriage simulate` shows when it is given no arrivals: a PET/CT unit with 60
/// studies a weekday (07:00–16:00), two readers (08:00–17:30) with 18-minute reads on average, so
/// busy that the order matters, 10 % stat and 20 % urgent, five weekly tumour boards, disease in
/// 40 % of studies and a model at an example operating point (sensitivity 0.90 at specificity 0.90:
/// a target, above the default model's measured point in Models/pet-default/metrics.json).
public enum ExampleDepartment {
    public static let timeZone = TimeZone(identifier: "Europe/Berlin")!
    /// Monday 23 November 2026, 00:00 in Berlin.
    public static let start = Date(timeIntervalSince1970: 1_795_388_400)
    static let weekdays: Set<Int> = [1, 2, 3, 4, 5]

    public static var pattern: ArrivalPattern {
        ArrivalPattern(
            ratePerHour: ArrivalPattern.workingDayRate(perDay: 60, weekdays: weekdays, fromHour: 7, toHour: 16), timeZone: timeZone,
            classShares: [.stat: 0.1, .urgent: 0.2, .routine: 0.7],
            centreShares: [("lung", 0.25), ("breast", 0.15), ("lymphoma", 0.2), ("headneck", 0.1), (nil, 0.3)],
            prevalence: 0.4, model: .binormal(sensitivity: 0.9, specificity: 0.9),
            readingTimes: Dictionary(uniqueKeysWithValues: OrderedPriority.allCases.map { ($0, .lognormal(meanMinutes: 18, sdMinutes: 6)) }))
    }

    public static func readers(count: Int = 2) -> [Reader] {
        (1...max(count, 1)).map {
            Reader(name: "reader \($0)", hours: WorkingHours(weekdays: weekdays, startMinute: 8 * 60, endMinute: 17 * 60 + 30, timeZone: timeZone))
        }
    }

    /// The built-in ranking with the five boards of Docs/radtriage.example.yaml.
    public static var configuration: TriageConfiguration {
        var configuration = TriageConfiguration.builtIn
        func board(_ weekday: Int, _ hour: Int, _ minute: Int) -> TriageConfiguration.TumourBoard {
            .init(weekday: weekday, hour: hour, minute: minute, timeZone: timeZone)
        }
        configuration.centres = [
            "lung": .init(name: "lung", boards: [board(2, 16, 30)], preparationMarginHours: 2),
            "breast": .init(name: "breast", boards: [board(1, 14, 30)], preparationMarginHours: 4),
            "lymphoma": .init(name: "lymphoma", boards: [board(3, 15, 0), board(5, 8, 0)], preparationMarginHours: 2),
            "headneck": .init(name: "headneck", boards: [board(4, 15, 0)], preparationMarginHours: 2),
        ]
        return configuration
    }

    public static let summary = [
        "example department: 60 PET/CT studies a weekday, Poisson arrivals 07:00–16:00 Europe/Berlin",
        "10 % stat, 20 % urgent, 70 % routine; centres lung 25 %, breast 15 %, lymphoma 20 %, head and neck 10 %, none 30 %",
        "five weekly tumour boards (lung Tue 16:30, breast Mon 14:30, lymphoma Wed 15:00 and Fri 08:00, head and neck Thu 15:00)",
        "disease in 40 % of studies; model: binormal scores, sensitivity 0.90 at specificity 0.90",
        "2 readers, Mon–Fri 08:00–17:30; reads log-normal, mean 18 min, sd 6 min (0.95 of the reading hours)",
    ]
}
