import Foundation
import TriageCore

/// One study as the simulation sees it: when it arrived, what the ranking knows of it, whether it
/// is really diseased (when known), and how long its read takes.
public struct SimulatedStudy: Sendable, Codable, Equatable {
    public var id: String
    public var arrival: Date
    public var priority: OrderedPriority
    public var centre: String?
    public var site: String?
    /// The model's probability of an abnormal finding.
    public var probability: Double
    /// The truth, when the arrivals were generated; nil for a replayed history.
    public var diseased: Bool?
    public var readingMinutes: Double

    public init(id: String, arrival: Date, priority: OrderedPriority, centre: String? = nil, site: String? = nil, probability: Double,
                diseased: Bool? = nil, readingMinutes: Double) {
        self.id = id
        self.arrival = arrival
        self.priority = priority
        self.centre = centre
        self.site = site
        self.probability = probability
        self.diseased = diseased
        self.readingMinutes = readingMinutes
    }
}

/// How long reads take.
public enum ReadingTime: Sendable, Equatable, CustomStringConvertible {
    case fixed(minutes: Double)
    case exponential(meanMinutes: Double)
    /// Log-normal with this mean and standard deviation: reads are never negative and a few take long.
    case lognormal(meanMinutes: Double, sdMinutes: Double)

    public func draw(_ random: inout SeededRandom) -> Double {
        switch self {
        case .fixed(let minutes):
            return minutes
        case .exponential(let mean):
            return random.exponential(mean: mean)
        case .lognormal(let mean, let sd):
            let variance = Foundation.log(1 + (sd * sd) / (mean * mean))
            return Foundation.exp(Foundation.log(mean) - variance / 2 + variance.squareRoot() * random.normal())
        }
    }

    public var meanMinutes: Double {
        switch self {
        case .fixed(let minutes): minutes
        case .exponential(let mean): mean
        case .lognormal(let mean, _): mean
        }
    }

    public var description: String {
        switch self {
        case .fixed(let minutes): String(format: "%g min", minutes)
        case .exponential(let mean): String(format: "exponential, mean %g min", mean)
        case .lognormal(let mean, let sd): String(format: "log-normal, mean %g min, sd %g min", mean, sd)
        }
    }
}

/// The hours a reader reads: weekdays (1 = Monday ... 7 = Sunday) from `start` to `end` local time.
/// A reader finishes the study open at the end of the day.
public struct WorkingHours: Sendable, Equatable, CustomStringConvertible {
    public var weekdays: Set<Int>
    /// Minutes after local midnight.
    public var startMinute: Int
    public var endMinute: Int
    public var timeZone: TimeZone

    public init(weekdays: Set<Int>, startMinute: Int, endMinute: Int, timeZone: TimeZone) {
        self.weekdays = weekdays
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.timeZone = timeZone
    }

    /// `date` itself when it falls in working hours, else the next start of work (nil when none is set).
    public func nextWorkingInstant(from date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var day = calendar.startOfDay(for: date)
        for _ in 0..<8 {
            let weekday = calendar.component(.weekday, from: day) == 1 ? 7 : calendar.component(.weekday, from: day) - 1
            if weekdays.contains(weekday),
               let start = calendar.date(bySettingHour: startMinute / 60, minute: startMinute % 60, second: 0, of: day),
               let end = calendar.date(bySettingHour: endMinute / 60, minute: endMinute % 60, second: 0, of: day), date < end {
                return max(date, start)
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = next
        }
        return nil
    }

    public var description: String {
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let days = weekdays.sorted().map { names[$0 - 1] }.joined(separator: ",")
        return String(format: "%@ %02d:%02d–%02d:%02d %@", days, startMinute / 60, startMinute % 60, endMinute / 60, endMinute % 60,
                      timeZone.identifier)
    }
}

/// A reader: reads studies of one pool (or of any when `pool` is nil) during its working hours
/// (always when nil).
public struct Reader: Sendable, Equatable {
    public var name: String
    public var pool: String?
    public var hours: WorkingHours?

    public init(name: String, pool: String? = nil, hours: WorkingHours? = nil) {
        self.name = name
        self.pool = pool
        self.hours = hours
    }
}
