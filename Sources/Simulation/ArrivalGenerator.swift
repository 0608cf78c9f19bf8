import Foundation
import TriageCore

/// What the model does on diseased and healthy studies, from which each simulated study's probability is drawn.
public enum ModelBehaviour: Sendable, Equatable, CustomStringConvertible {
    /// The model's call alone: probability 1 for a positive call, 0 for a negative one.
    case calls(sensitivity: Double, specificity: Double)
    /// Scores normal on a latent axis (healthy N(0, 1), diseased N(d, 1), with d such that the call at
    /// the healthy's `specificity` quantile has this sensitivity), turned into the calibrated posterior
    /// probability at the department's prevalence.
    case binormal(sensitivity: Double, specificity: Double)
    /// Probabilities drawn from the model's scores on validation studies with and without disease,
    /// each list sorted ascending (scores, or a manifest's equally spaced quantiles): by their
    /// distribution, interpolated between neighbouring scores.
    case validationScores(diseased: [Double], healthy: [Double])

    func probability(diseased: Bool, prevalence: Double, _ random: inout SeededRandom) -> Double {
        switch self {
        case .calls(let sensitivity, let specificity):
            return random.chance(diseased ? sensitivity : 1 - specificity) ? 1 : 0
        case .binormal(let sensitivity, let specificity):
            let separation = Normal.quantile(specificity) + Normal.quantile(sensitivity)
            let z = random.normal() + (diseased ? separation : 0)
            let prior = Foundation.log(prevalence / (1 - prevalence))
            return 1 / (1 + Foundation.exp(-(separation * z - separation * separation / 2 + prior)))
        case .validationScores(let positives, let negatives):
            let scores = diseased ? positives : negatives
            guard scores.count > 1 else { return scores.first ?? 0 }
            let position = random.unit() * Double(scores.count - 1)
            let below = Int(position)
            let fraction = position - Double(below)
            return scores[below] + fraction * (scores[min(below + 1, scores.count - 1)] - scores[below])
        }
    }

    public var description: String {
        switch self {
        case .calls(let se, let sp): String(format: "the model's call only (sensitivity %.2f, specificity %.2f)", se, sp)
        case .binormal(let se, let sp): String(format: "binormal scores, sensitivity %.2f at specificity %.2f", se, sp)
        case .validationScores(let d, let h): "validation scores of \(d.count) diseased and \(h.count) healthy studies"
        }
    }
}

/// The standard normal distribution's quantile, by bisection on its CDF (called a few times per simulation).
enum Normal {
    static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    static func quantile(_ p: Double) -> Double {
        var (low, high) = (-40.0, 40.0)
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if cdf(middle) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}

/// A department's arrivals: studies per hour for each weekday and hour, the mix of priority classes
/// and organ centres, the prevalence of disease, the model's behaviour, and reading times per class.
public struct ArrivalPattern: Sendable {
    /// Studies per hour, `[weekday - 1][hour]` (weekday 1 = Monday), local time.
    public var ratePerHour: [[Double]]
    public var timeZone: TimeZone
    public var classShares: [OrderedPriority: Double]
    /// Organ centres (nil: none) and their shares of studies.
    public var centreShares: [(centre: String?, share: Double)]
    public var prevalence: Double
    public var model: ModelBehaviour
    public var readingTimes: [OrderedPriority: ReadingTime]

    public init(ratePerHour: [[Double]], timeZone: TimeZone, classShares: [OrderedPriority: Double],
                centreShares: [(centre: String?, share: Double)] = [(nil, 1)], prevalence: Double, model: ModelBehaviour,
                readingTimes: [OrderedPriority: ReadingTime]) {
        self.ratePerHour = ratePerHour
        self.timeZone = timeZone
        self.classShares = classShares
        self.centreShares = centreShares
        self.prevalence = prevalence
        self.model = model
        self.readingTimes = readingTimes
    }

    /// The same rate at every hour of every day.
    public static func constantRate(perHour rate: Double) -> [[Double]] {
        Array(repeating: Array(repeating: rate, count: 24), count: 7)
    }

    /// `perDay` studies spread evenly over `fromHour..<toHour` on the given weekdays.
    public static func workingDayRate(perDay: Double, weekdays: Set<Int>, fromHour: Int, toHour: Int) -> [[Double]] {
        (1...7).map { weekday in
            (0..<24).map { hour in weekdays.contains(weekday) && hour >= fromHour && hour < toHour ? perDay / Double(toHour - fromHour) : 0 }
        }
    }

    /// Poisson arrivals from `start` for `days` days (rates constant within each local hour), each
    /// with its class, centre, truth, model probability and reading time drawn from `random`.
    public func arrivals(from start: Date, days: Int, _ random: inout SeededRandom) -> [SimulatedStudy] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let classes = OrderedPriority.allCases
        let classWeights = classes.map { classShares[$0] ?? 0 }
        let centreWeights = centreShares.map(\.share)
        var studies: [SimulatedStudy] = []
        var day = calendar.startOfDay(for: start)
        for _ in 0..<days {
            guard let nextDay = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            let weekday = calendar.component(.weekday, from: day) == 1 ? 7 : calendar.component(.weekday, from: day) - 1
            for hour in 0..<24 {
                let rate = ratePerHour[weekday - 1][hour]
                guard rate > 0 else { continue }
                let slotStart = day.addingTimeInterval(Double(hour) * 3600)
                let slotEnd = min(slotStart.addingTimeInterval(3600), nextDay)
                var time = slotStart.addingTimeInterval(random.exponential(mean: 3600 / rate))
                while time < slotEnd {
                    if time >= start { studies.append(study(number: studies.count + 1, at: time, classes, classWeights, centreWeights, &random)) }
                    time.addTimeInterval(random.exponential(mean: 3600 / rate))
                }
            }
            day = nextDay
        }
        return studies
    }

    private func study(number: Int, at time: Date, _ classes: [OrderedPriority], _ classWeights: [Double], _ centreWeights: [Double],
                       _ random: inout SeededRandom) -> SimulatedStudy {
        let priority = classes[random.pick(weights: classWeights)]
        let centre = centreShares[random.pick(weights: centreWeights)].centre
        let diseased = random.chance(prevalence)
        let probability = model.probability(diseased: diseased, prevalence: prevalence, &random)
        let reading = (readingTimes[priority] ?? .exponential(meanMinutes: 15)).draw(&random)
        return SimulatedStudy(id: "S\(number)", arrival: time, priority: priority, centre: centre,
                              probability: probability, diseased: diseased, readingMinutes: reading)
    }
}
