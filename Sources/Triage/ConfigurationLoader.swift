import Foundation
import TriageCore
import Yams

/// A configuration file that could not be used, with every problem found in it.
public struct ConfigurationError: UserFacingError {
    public let path: String
    /// Each problem: the line and column, the key path (`centres.lung.boards[0].weekday`), the value
    /// and what is allowed.
    public let problems: [InputProblem]

    public init(file: String, problems: [InputProblem]) {
        self.path = file
        self.problems = problems
    }

    /// One problem with the file as a whole (it cannot be read, it is not YAML).
    init(file: String, _ message: String) {
        self.init(file: file, problems: [InputProblem(file: file, message: message)])
    }

    public var file: String? { path }
    public var what: String { problems.map(\.message).joined(separator: "; ") }
    public var headline: String? { "invalid configuration" }
    /// One line per problem, `file:line:column: key.path = value: expected …`.
    public var description: String { problems.map(\.compilerStyle).joined(separator: "\n") }
}

/// Reads the YAML configuration (Docs/radtriage.example.yaml), validating every key and collecting
/// every problem with its line, key path, value and what is allowed.
public struct ConfigurationLoader {
    /// A configuration above this size is not a configuration.
    static let maxFileBytes = 1 << 20

    public init() {}

    /// Weights of earlier versions whose meaning changed, and what replaced them.
    static let retiredWeights: [(old: String, replacement: String)] = [
        ("modelProbability", "weights.model instead: the model term now counts the study's rank by probability among the worklist's studies (0 to 1), not the probability itself"),
    ]

    public func load(file: String) throws(ConfigurationError) -> TriageConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.bytes(path: file, maxBytes: Self.maxFileBytes)
        } catch {
            throw ConfigurationError(file: file, "cannot read the file: \(error.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(file: file, "cannot read the file: it is not UTF-8 text")
        }
        return try parse(text, file: file)
    }

    public func parse(_ text: String, file: String = "configuration") throws(ConfigurationError) -> TriageConfiguration {
        let refused = YAMLStructureGuard.problems(in: text, file: file)
        guard refused.isEmpty else { throw ConfigurationError(file: file, problems: refused) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, "not valid YAML: \(error)")
        }
        var reader = Reader(file: file)
        var configuration = TriageConfiguration.builtIn
        guard let root else { return configuration }
        guard let top = reader.mapping(root, path: "") else { throw ConfigurationError(file: file, problems: reader.problems) }
        reader.rejectUnknown(top, path: "", known: ["weights", "priorities", "centres", "pools", "dicom"])
        if let node = top["weights"], let weights = reader.mapping(node, path: "weights") {
            // Keys whose meaning changed are refused by name, so that an old file is not read with a new meaning.
            for (old, replacement) in Self.retiredWeights {
                if let key = weights.keys.first(where: { $0.string == old }) {
                    reader.problem(key, path: "weights.\(old)", value: nil, allowed: replacement)
                }
            }
            reader.rejectUnknown(weights, path: "weights", known: Set(Self.retiredWeights.map(\.old)).union(
                ["model", "priority", "waiting", "deadline", "deadlineHorizonHours"]))
            let w = configuration.weights
            configuration.weights.model = reader.number(weights["model"], path: "weights.model", minimum: 0) ?? w.model
            configuration.weights.priority = reader.number(weights["priority"], path: "weights.priority", minimum: 0) ?? w.priority
            configuration.weights.waiting = reader.number(weights["waiting"], path: "weights.waiting", minimum: 0) ?? w.waiting
            configuration.weights.deadline = reader.number(weights["deadline"], path: "weights.deadline", minimum: 0) ?? w.deadline
            configuration.weights.deadlineHorizonHours = reader.number(
                weights["deadlineHorizonHours"], path: "weights.deadlineHorizonHours", minimum: 0, exclusive: true) ?? w.deadlineHorizonHours
        }
        if let node = top["priorities"], let priorities = reader.mapping(node, path: "priorities") {
            for (key, value) in priorities {
                let name = key.string ?? ""
                let path = "priorities.\(name)"
                guard let priority = OrderedPriority(rawValue: name) else {
                    reader.problem(key, path: path, value: name, allowed: "stat, urgent or routine")
                    continue
                }
                guard let fields = reader.mapping(value, path: path) else { continue }
                reader.rejectUnknown(fields, path: path, known: ["urgency", "maxWaitHours"])
                var priorityClass = configuration.priorityClass(priority)
                priorityClass.urgency = reader.number(fields["urgency"], path: "\(path).urgency", minimum: 0, maximum: 1) ?? priorityClass.urgency
                priorityClass.maxWaitHours = reader.number(fields["maxWaitHours"], path: "\(path).maxWaitHours", minimum: 0, exclusive: true)
                    ?? priorityClass.maxWaitHours
                configuration.priorityClasses[priority] = priorityClass
            }
        }
        if let node = top["centres"], let centres = reader.mapping(node, path: "centres") {
            for (key, value) in centres {
                let name = key.string ?? ""
                if let centre = reader.centre(name: name, value) { configuration.centres[name] = centre }
            }
        }
        if let node = top["pools"], let pools = reader.sequence(node, path: "pools") {
            for (index, item) in pools.enumerated() {
                let path = "pools[\(index)]"
                guard let fields = reader.mapping(item, path: path) else { continue }
                reader.rejectUnknown(fields, path: path, known: ["name", "sites", "centres"])
                guard let name = reader.string(fields["name"], path: "\(path).name", required: true) else { continue }
                configuration.pools.append(TriageConfiguration.ReadingPool(
                    name: name, sites: reader.strings(fields["sites"], path: "\(path).sites"),
                    centres: reader.strings(fields["centres"], path: "\(path).centres")))
            }
        }
        if let node = top["dicom"], let dicom = reader.mapping(node, path: "dicom") {
            reader.rejectUnknown(dicom, path: "dicom", known: ["timeZone", "organCentres"])
            if let zoneText = reader.string(dicom["timeZone"], path: "dicom.timeZone") {
                configuration.dicom.timeZone = TimeZone(identifier: zoneText)
                if configuration.dicom.timeZone == nil {
                    reader.problem(dicom["timeZone"], path: "dicom.timeZone", value: zoneText, allowed: "an IANA time zone such as Europe/Berlin")
                }
            }
            if let list = dicom["organCentres"], let items = reader.sequence(list, path: "dicom.organCentres") {
                for (index, item) in items.enumerated() {
                    let path = "dicom.organCentres[\(index)]"
                    guard let fields = reader.mapping(item, path: path) else { continue }
                    reader.rejectUnknown(fields, path: path, known: ["pattern", "centre"])
                    if let pattern = reader.string(fields["pattern"], path: "\(path).pattern", required: true),
                       let centre = reader.string(fields["centre"], path: "\(path).centre", required: true) {
                        configuration.dicom.organCentres.append(.init(pattern: pattern, centre: centre))
                    }
                }
            }
        }
        guard reader.problems.isEmpty else { throw ConfigurationError(file: file, problems: reader.problems) }
        return configuration
    }
}

/// Typed reads from YAML nodes that record a problem (line, key path, value, what is allowed) instead of failing.
private struct Reader {
    let file: String
    var problems: [InputProblem] = []

    mutating func problem(_ node: Node?, path: String, value: String?, allowed: String) {
        problems.append(InputProblem(file: file, field: path.isEmpty ? "(top level)" : path, value: value, message: "expected \(allowed)",
                                     line: node?.mark?.line, column: node?.mark?.column))
    }

    mutating func missing(_ path: String, _ what: String = "") {
        problems.append(InputProblem(file: file, field: path, message: "required key is missing" + what))
    }

    mutating func mapping(_ node: Node, path: String) -> Node.Mapping? {
        guard let mapping = node.mapping else {
            problem(node, path: path, value: node.string, allowed: "a mapping of keys to values")
            return nil
        }
        return mapping
    }

    mutating func sequence(_ node: Node, path: String) -> Node.Sequence? {
        guard let sequence = node.sequence else {
            problem(node, path: path, value: node.string, allowed: "a list")
            return nil
        }
        return sequence
    }

    mutating func rejectUnknown(_ mapping: Node.Mapping, path: String, known: Set<String>) {
        for key in mapping.keys where !known.contains(key.string ?? "") {
            let full = path.isEmpty ? key.string ?? "?" : "\(path).\(key.string ?? "?")"
            problem(key, path: full, value: nil, allowed: "one of the known keys (\(known.sorted().joined(separator: ", "))); unknown keys are refused so that a typo is not ignored")
        }
    }

    mutating func number(_ node: Node?, path: String, minimum: Double, maximum: Double? = nil, exclusive: Bool = false) -> Double? {
        guard let node else { return nil }
        guard let value = node.float ?? node.int.map(Double.init), value.isFinite,
              exclusive ? value > minimum : value >= minimum, maximum.map({ value <= $0 }) ?? true else {
            let range = maximum.map { "a number from \(minimum) to \($0)" } ?? "a number \(exclusive ? "above" : "of at least") \(minimum)"
            problem(node, path: path, value: node.string, allowed: range)
            return nil
        }
        return value
    }

    mutating func string(_ node: Node?, path: String, required: Bool = false) -> String? {
        guard let node else {
            if required { missing(path) }
            return nil
        }
        guard let text = node.string, node.scalar != nil, !text.isEmpty else {
            problem(node, path: path, value: nil, allowed: "a non-empty text")
            return nil
        }
        return text
    }

    mutating func strings(_ node: Node?, path: String) -> [String] {
        guard let node else { return [] }
        guard let items = sequence(node, path: path) else { return [] }
        return items.enumerated().compactMap { string($1, path: "\(path)[\($0)]") }
    }

    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    mutating func centre(name: String, _ node: Node) -> TriageConfiguration.OrganCentre? {
        let path = "centres.\(name)"
        guard let fields = mapping(node, path: path) else { return nil }
        rejectUnknown(fields, path: path, known: ["preparationMarginHours", "boards"])
        let margin = number(fields["preparationMarginHours"], path: "\(path).preparationMarginHours", minimum: 0) ?? 0
        guard let boardsNode = fields["boards"] else {
            missing("\(path).boards", " (a list of weekly boards)")
            return nil
        }
        guard let boards = sequence(boardsNode, path: "\(path).boards") else { return nil }
        var parsed: [TriageConfiguration.TumourBoard] = []
        for (index, item) in boards.enumerated() {
            let boardPath = "\(path).boards[\(index)]"
            guard let board = mapping(item, path: boardPath) else { continue }
            rejectUnknown(board, path: boardPath, known: ["weekday", "time", "timeZone"])
            let weekdayText = string(board["weekday"], path: "\(boardPath).weekday", required: true)
            let weekday = weekdayText.flatMap { Self.weekdays.firstIndex(of: $0.lowercased()) }.map { $0 + 1 }
            if let weekdayText, weekday == nil {
                problem(board["weekday"], path: "\(boardPath).weekday", value: weekdayText, allowed: "a weekday name (monday ... sunday)")
            }
            let timeText = string(board["time"], path: "\(boardPath).time", required: true)
            let time = timeText.flatMap(Self.clock)
            if let timeText, time == nil {
                problem(board["time"], path: "\(boardPath).time", value: timeText, allowed: "a local time HH:MM")
            }
            let zoneText = string(board["timeZone"], path: "\(boardPath).timeZone", required: true)
            let zone = zoneText.flatMap(TimeZone.init(identifier:))
            if let zoneText, zone == nil {
                problem(board["timeZone"], path: "\(boardPath).timeZone", value: zoneText, allowed: "an IANA time zone such as Europe/Berlin")
            }
            if let weekday, let time, let zone {
                parsed.append(TriageConfiguration.TumourBoard(weekday: weekday, hour: time.hour, minute: time.minute, timeZone: zone))
            }
        }
        return TriageConfiguration.OrganCentre(name: name, boards: parsed, preparationMarginHours: margin)
    }

    static func clock(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        return (hour, minute)
    }
}
