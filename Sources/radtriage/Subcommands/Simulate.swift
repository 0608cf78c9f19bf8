import ArgumentParser
import Foundation
import Scoring
import Simulation
import TriageCore
import Triage
import TriagePipeline

/// `radtriage simulate`: a reading week through the configured ranking and its alternatives.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate readers working through a week of studies under the configured ranking, arrival order, priority class only and model only.",
        discussion: """
            Arrivals come from a run state (--state, the --out folder of radtriage run: each study's arrival, class, \
            centre and model probability) or are generated (Poisson, --studies-per-day over --arrival-hours on \
            --arrival-days, the class mix, the prevalence and the model's operating point). With neither, it simulates \
            the example department in the README. Readers take the top of the order whenever free and at work, and \
            finish the study they opened. Reports per policy the time to read (arrival to read) per class and for \
            positive studies, the share ready before their tumour board, the longest wait against the class's \
            guard, and the worst day. The same options and --seed give the same report.
            """)

    @Option(help: "YAML configuration to simulate (Docs/radtriage.example.yaml). Default: the built-in ranking with the example department's five tumour boards.")
    var config: String?

    @Option(help: "Replay the arrivals stored in this run state (the --out folder of radtriage run) instead of generating them.")
    var state: String?

    @Option(help: "Random seed: the same seed gives the same report.")
    var seed: UInt64 = 1

    @Option(help: "Weeks of arrivals to generate.")
    var weeks: Int = 1

    @Option(help: "Generated arrivals start on this day (ISO 8601, midnight in --time-zone): default Monday 2026-11-23.")
    var start: String?

    @Option(help: "Studies per arrival day (generated arrivals).")
    var studiesPerDay: Double = 60

    @Option(help: "Local hours in which studies arrive, FROM-TO (generated arrivals).")
    var arrivalHours: String = "07-16"

    @Option(help: "Weekdays on which studies arrive: Mon-Fri, Mon-Sun or a list like Mon,Wed,Fri.")
    var arrivalDays: String = "Mon-Fri"

    @Option(help: "CSV of arrival rates per weekday and local hour, lines 'weekday,hour,studies per hour' (mon,7,6.5); replaces --studies-per-day, --arrival-hours and --arrival-days.")
    var arrivalRates: String?

    @Option(help: "Share of stat studies, 0...1.")
    var statShare: Double = 0.1

    @Option(help: "Share of urgent studies, 0...1 (the rest is routine).")
    var urgentShare: Double = 0.2

    @Option(help: "Share of studies with disease, 0...1.")
    var prevalence: Double = 0.4

    @Option(help: "The model's sensitivity at --specificity (default: the default model's, Models/pet-default/metrics.json).")
    var sensitivity: Double = 0.9

    @Option(help: "The model's specificity.")
    var specificity: Double = 0.9

    @Flag(help: "Give each study the model's call only (probability 1 or 0) instead of binormal scores.")
    var callsOnly = false

    @Option(help: "CSV of the model's validation scores, lines 'probability,diseased' (1 or 0): probabilities are drawn from it.")
    var validationScores: String?

    @Option(help: "Model folder whose manifest's validationScores give the probabilities (instead of --sensitivity and --specificity).")
    var model: String?

    @Option(help: "Readers reading any study.")
    var readers: Int = 2

    @Option(help: "Readers of reading pools, POOL=COUNT[,POOL=COUNT...] (pools as in the configuration).")
    var poolReaders: String?

    @Option(help: "Readers' working hours, DAYS HH:MM-HH:MM, or 'always'.")
    var readerHours: String = "Mon-Fri 08:00-17:30"

    @Option(help: "Mean reading minutes: one number, or per class like stat=20,urgent=15,routine=15.")
    var readingMinutes: String = "18"

    @Option(help: "Standard deviation of reading minutes (log-normal reads); 0 for fixed reads.")
    var readingSd: Double = 6

    @Option(help: "Time zone of the department: arrival hours, working hours and days.")
    var timeZone: String = "Europe/Berlin"

    @Flag(help: "Write the report as JSON on stdout instead of text.")
    var json = false

    @Option(help: "Also write the report as a self-contained HTML page with plots to this file.")
    var html: String?

    func validate() throws {
        guard weeks >= 1, weeks <= 520 else { throw ValidationError("--weeks must be 1...520") }
        guard studiesPerDay >= 0, studiesPerDay <= 100_000 else { throw ValidationError("--studies-per-day must be 0...100000") }
        for (name, value) in [("--stat-share", statShare), ("--urgent-share", urgentShare), ("--prevalence", prevalence)] {
            guard (0...1).contains(value) else { throw ValidationError("\(name) must be within 0...1, not \(value)") }
        }
        guard statShare + urgentShare <= 1 else { throw ValidationError("--stat-share and --urgent-share add up to more than 1") }
        guard (0.5..<1).contains(sensitivity), (0.5..<1).contains(specificity) || callsOnly else {
            throw ValidationError("--sensitivity and --specificity must be within 0.5...1 (exclusive of 1 unless --calls-only)")
        }
        guard readers >= 0 else { throw ValidationError("--readers must not be negative") }
        guard readingSd >= 0 else { throw ValidationError("--reading-sd must not be negative") }
    }

    func run() throws {
        guard let zone = TimeZone(identifier: timeZone) else { throw ValidationError("--time-zone \(timeZone) is not an IANA time zone such as Europe/Berlin") }
        var configuration = ExampleDepartment.configuration
        if let config { configuration = try ConfigurationLoader().load(file: config) }
        let reading = try parseReadingTimes()
        var random = SeededRandom(seed: seed)
        var description: [String] = []
        let studies: [SimulatedStudy]
        if let state {
            let candidates = try TriageRun.storedCandidates(output: URL(fileURLWithPath: state))
            studies = candidates.compactMap { candidate in
                guard let arrival = candidate.received else { return nil }
                var probability = 0.0
                if case .scored(let p, _, _) = candidate.finding { probability = p }
                return SimulatedStudy(id: candidate.studyId, arrival: arrival, priority: candidate.priority, centre: candidate.centre,
                                      site: candidate.site, probability: probability,
                                      readingMinutes: (reading[candidate.priority] ?? .fixed(minutes: 15)).draw(&random))
            }
            description.append("replayed history: \(studies.count) studies of the run state in the given folder"
                + (candidates.count > studies.count ? " (\(candidates.count - studies.count) without an arrival time left out)" : ""))
        } else {
            let pattern = try arrivalPattern(zone: zone, configuration: configuration, reading: reading)
            let first = try startDate(zone: zone)
            studies = pattern.arrivals(from: first, days: 7 * weeks, &random)
            if config == nil && isExampleDepartment {
                description += ExampleDepartment.summary
            } else {
                description.append(arrivalRates.map { "generated: the arrival rates of \(URL(fileURLWithPath: $0).lastPathComponent) (\(timeZone)), \(weeks) week(s)" }
                    ?? String(format: "generated: %g studies per day, %@ on %@ (%@), %d week(s)", studiesPerDay, arrivalHours, arrivalDays, timeZone, weeks))
                description.append(String(format: "%.0f %% stat, %.0f %% urgent; disease in %.0f %%; model: %@", 100 * statShare,
                                          100 * urgentShare, 100 * prevalence, pattern.model.description))
            }
        }
        let team = try readerList(zone: zone)
        if !(config == nil && isExampleDepartment && state == nil) {
            description.append("\(team.count) reader(s), \(readerHours); reads \(readingMinutes) min mean, sd \(readingSd) min")
            description.append("configuration: \(config ?? "built-in ranking with the example department's five tumour boards")")
        }
        let report = Simulation(studies: studies, readers: team, configuration: configuration, timeZone: zone, description: description,
                                seed: seed).report()
        if let html {
            do {
                try Data(SimulationPage.html(report).utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                FileHandle.standardError.write(Data("Error: cannot write \(html): \(error.localizedDescription)\n".utf8))
                throw ExitCode(.cannotWriteOutput)
            }
        }
        if json {
            FileHandle.standardOutput.write(try JSONFormat.readable().encode(report) + Data("\n".utf8))
        } else {
            print(report.text, terminator: "")
        }
    }

    /// Every option left at the example department's values.
    private var isExampleDepartment: Bool {
        studiesPerDay == 60 && arrivalHours == "07-16" && arrivalDays == "Mon-Fri" && statShare == 0.1 && urgentShare == 0.2
            && arrivalRates == nil && prevalence == 0.4 && sensitivity == 0.9 && specificity == 0.9 && !callsOnly && validationScores == nil && model == nil && readers == 2
            && poolReaders == nil && readerHours == "Mon-Fri 08:00-17:30" && readingMinutes == "18" && readingSd == 6
            && timeZone == "Europe/Berlin"
    }

    private func startDate(zone: TimeZone) throws -> Date {
        guard let start else { return zone == ExampleDepartment.timeZone ? ExampleDepartment.start : localMidnight("2026-11-23", zone)! }
        guard let date = localMidnight(String(start.prefix(10)), zone) else {
            throw ValidationError("--start \(start) is not a date like 2026-11-23")
        }
        return date
    }

    private func localMidnight(_ day: String, _ zone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: day)
    }

    private func arrivalPattern(zone: TimeZone, configuration: TriageConfiguration, reading: [OrderedPriority: ReadingTime]) throws -> ArrivalPattern {
        let hours = arrivalHours.split(separator: "-").compactMap { Int($0) }
        guard hours.count == 2, (0...23).contains(hours[0]), (1...24).contains(hours[1]), hours[0] < hours[1] else {
            throw ValidationError("--arrival-hours \(arrivalHours) must be FROM-TO in whole hours, like 07-17")
        }
        let days = try Self.weekdays(arrivalDays, option: "--arrival-days")
        let behaviour: ModelBehaviour
        if let validationScores {
            behaviour = try Self.loadScores(validationScores)
        } else if let folder = model {
            guard let scores = try ModelLocation.load(folder).manifest.validationScores else {
                throw ValidationError("--model \(folder): its manifest.json has no validationScores; give --sensitivity and --specificity")
            }
            behaviour = .validationScores(diseased: scores.positiveQuantiles.sorted(), healthy: scores.negativeQuantiles.sorted())
        } else {
            behaviour = callsOnly ? .calls(sensitivity: sensitivity, specificity: specificity) : .binormal(sensitivity: sensitivity, specificity: specificity)
        }
        // The example department's centres when the configuration has them; else 70 % spread evenly over the configured centres.
        var centres: [(centre: String?, share: Double)] = ExampleDepartment.pattern.centreShares
        if !centres.allSatisfy({ $0.centre.map { configuration.centres[$0] != nil } ?? true }) {
            let names = configuration.centres.keys.sorted()
            centres = names.map { (Optional($0), 0.7 / Double(names.count)) } + [(nil, names.isEmpty ? 1 : 0.3)]
        }
        return ArrivalPattern(
            ratePerHour: try arrivalRates.map(Self.loadRates)
                ?? ArrivalPattern.workingDayRate(perDay: studiesPerDay, weekdays: days, fromHour: hours[0], toHour: hours[1]),
            timeZone: zone, classShares: [.stat: statShare, .urgent: urgentShare, .routine: 1 - statShare - urgentShare],
            centreShares: centres, prevalence: prevalence, model: behaviour, readingTimes: reading)
    }

    private func parseReadingTimes() throws -> [OrderedPriority: ReadingTime] {
        func time(_ mean: Double) -> ReadingTime { readingSd == 0 ? .fixed(minutes: mean) : .lognormal(meanMinutes: mean, sdMinutes: readingSd) }
        if let mean = Double(readingMinutes), mean > 0 {
            return Dictionary(uniqueKeysWithValues: OrderedPriority.allCases.map { ($0, time(mean)) })
        }
        var times: [OrderedPriority: ReadingTime] = [:]
        for item in readingMinutes.split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let priority = OrderedPriority(rawValue: String(parts[0])), let mean = Double(parts[1]), mean > 0 else {
                throw ValidationError("--reading-minutes \(readingMinutes): expected minutes, or stat=M,urgent=M,routine=M")
            }
            times[priority] = time(mean)
        }
        guard times.count == OrderedPriority.allCases.count else { throw ValidationError("--reading-minutes must give stat, urgent and routine") }
        return times
    }

    private func readerList(zone: TimeZone) throws -> [Reader] {
        var hours: WorkingHours?
        if readerHours != "always" {
            let parts = readerHours.split(separator: " ")
            let clock = parts.count == 2 ? parts[1].split(separator: "-").map { $0.split(separator: ":").compactMap { Int($0) } } : []
            guard clock.count == 2, clock.allSatisfy({ $0.count == 2 }), let from = clock.first.map({ $0[0] * 60 + $0[1] }),
                  let to = clock.last.map({ $0[0] * 60 + $0[1] }), from < to, to <= 24 * 60 else {
                throw ValidationError("--reader-hours \(readerHours) must be like 'Mon-Fri 08:00-18:00' or 'always'")
            }
            hours = WorkingHours(weekdays: try Self.weekdays(String(parts[0]), option: "--reader-hours"), startMinute: from, endMinute: to, timeZone: zone)
        }
        var team = (0..<readers).map { Reader(name: "reader \($0 + 1)", hours: hours) }
        for item in (poolReaders ?? "").split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                throw ValidationError("--pool-readers \(poolReaders ?? ""): expected POOL=COUNT[,POOL=COUNT...]")
            }
            team += (0..<count).map { Reader(name: "\(parts[0]) reader \($0 + 1)", pool: String(parts[0]), hours: hours) }
        }
        guard !team.isEmpty else { throw ValidationError("no readers: give --readers or --pool-readers") }
        return team
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    static func weekdays(_ text: String, option: String) throws -> Set<Int> {
        var days: Set<Int> = []
        for item in text.lowercased().split(separator: ",") {
            let range = item.split(separator: "-").map { dayNames.firstIndex(of: String($0)) }
            guard !range.isEmpty, range.count <= 2, let first = range.first!, let last = range.last! else {
                throw ValidationError("\(option) \(text): expected days like Mon-Fri or Mon,Wed,Fri")
            }
            days.formUnion(first <= last ? Array(first...last).map { $0 + 1 } : Array(first...6).map { $0 + 1 } + Array(0...last).map { $0 + 1 })
        }
        return days
    }

    /// Rates per weekday and hour from 'weekday,hour,rate' lines; hours not listed have none.
    static func loadRates(_ file: String) throws -> [[Double]] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("--arrival-rates \(file): cannot read the file") }
        var rates = Array(repeating: Array(repeating: 0.0, count: 24), count: 7)
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard fields.count == 3, let day = dayNames.firstIndex(of: String(fields[0].prefix(3))), let hour = Int(fields[1]), (0..<24).contains(hour),
                  let rate = Double(fields[2]), rate >= 0, rate.isFinite else {
                if number == 0 { continue }  // a header line
                throw ValidationError("--arrival-rates \(file):\(number + 1): expected 'weekday,hour,studies per hour' like mon,7,6.5")
            }
            rates[day][hour] = rate
        }
        guard rates.joined().contains(where: { $0 > 0 }) else { throw ValidationError("--arrival-rates \(file): no hour with arrivals") }
        return rates
    }

    static func loadScores(_ file: String) throws -> ModelBehaviour {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("--validation-scores \(file): cannot read the file") }
        var diseased: [Double] = []
        var healthy: [Double] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2, let probability = Double(fields[0]), (0...1).contains(probability), ["0", "1"].contains(fields[1]) else {
                if number == 0 { continue }  // a header line
                throw ValidationError("--validation-scores \(file):\(number + 1): expected 'probability,diseased' with a probability in 0...1 and diseased 1 or 0")
            }
            if fields[1] == "1" { diseased.append(probability) } else { healthy.append(probability) }
        }
        guard !diseased.isEmpty, !healthy.isEmpty else {
            throw ValidationError("--validation-scores \(file): needs scores of both diseased (1) and healthy (0) studies")
        }
        return .validationScores(diseased: diseased.sorted(), healthy: healthy.sorted())
    }
}
