import Foundation
import Glibc
import TriageCore

/// Why a study folder could not be read: every problem found in it, not just the first.
public struct StudyReadError: Error, Sendable, CustomStringConvertible {
    public let folder: URL
    /// Errors first, then the warnings found on the way.
    public let problems: [InputProblem]

    public var errors: [InputProblem] { problems.filter { $0.severity == .error } }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// Reads a study folder: validates `study.json` against schema version 1 and lists each series' slices.
///
/// Only the file system and the sidecar are read here; pixels are decoded later, slice by slice.
public struct StudyReader: Sendable {
    /// A sidecar above this size is not a sidecar (a study with 10,000 listed slices is about 1.5 MB).
    public var maxSidecarBytes = 32 << 20
    /// The folder every study folder, sidecar, series folder and slice must resolve into (the studies
    /// folder of a run); nil checks nothing. A symlink that leads out of it is refused, or with
    /// `followsSymlinks` read and recorded as a warning (which the study's result and worklist keep).
    public var boundary: URL?
    public var followsSymlinks = false

    public init() {}

    public func read(folder: URL) throws(StudyReadError) -> Study {
        let sidecarURL = folder.appendingPathComponent(Study.sidecarFileName)
        var validator = SidecarValidator(file: sidecarURL.path)
        guard contained(folder, "$", nil, what: "the study folder", validator: &validator),
              contained(sidecarURL, "$", nil, what: Study.sidecarFileName, validator: &validator),
              let data = loadFile(at: sidecarURL, validator: &validator) else {
            throw StudyReadError(folder: folder, problems: validator.problems)
        }
        return try validate(data, folder: folder, sidecarPath: sidecarURL.path, validator: &validator)
    }

    /// Validates sidecar bytes already read, as if they were `folder`'s `study.json` (for the fuzzer,
    /// and for callers that hold the bytes).
    public func read(sidecar data: Data, folder: URL) throws(StudyReadError) -> Study {
        let sidecarPath = folder.appendingPathComponent(Study.sidecarFileName).path
        var validator = SidecarValidator(file: sidecarPath)
        return try validate(data, folder: folder, sidecarPath: sidecarPath, validator: &validator)
    }

    private func validate(_ data: Data, folder: URL, sidecarPath: String, validator: inout SidecarValidator) throws(StudyReadError) -> Study {
        guard let root = parseJSON(data, validator: &validator) else {
            throw StudyReadError(folder: folder, problems: validator.problems)
        }
        let study = validateStudy(root, folder: folder, sidecarPath: sidecarPath, validator: &validator)
        guard let study, !validator.hasErrors else {
            throw StudyReadError(folder: folder, problems: ordered(validator.problems))
        }
        return study
    }

    /// Whether `url` may be read: true unless it is a symlink leading outside `boundary` (then an error,
    /// or a warning when symlinks are followed). Only symlinks need resolving: a plain entry of a folder
    /// already inside stays inside.
    private func contained(_ url: URL, _ field: String, _ value: JSONValue?, what: String, validator v: inout SidecarValidator) -> Bool {
        guard let boundary else { return true }
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return true }
        guard let inside = realpath(boundary.path, nil), let target = realpath(url.path, nil) else { return true }  // dangling: reported as missing
        defer { free(inside); free(target) }
        let (root, resolved) = (String(cString: inside), String(cString: target))
        guard resolved != root, !resolved.hasPrefix(root == "/" ? "/" : root + "/") else { return true }
        if followsSymlinks {
            v.warning(field, value, "\(what) is a symlink to \(resolved), outside the studies folder: followed (--follow-symlinks)")
            return true
        }
        v.error(field, value, "\(what) is a symlink to \(resolved), outside the studies folder: refused (radtriage run --follow-symlinks reads it)")
        return false
    }

    private func ordered(_ problems: [InputProblem]) -> [InputProblem] {
        problems.filter { $0.severity == .error } + problems.filter { $0.severity == .warning }
    }

    /// The sidecar's top-level object, or nil with the problems recorded (also for the shard identity).
    func loadJSON(at url: URL, validator: inout SidecarValidator) -> [String: JSONValue]? {
        loadFile(at: url, validator: &validator).flatMap { parseJSON($0, validator: &validator) }
    }

    private func loadFile(at url: URL, validator: inout SidecarValidator) -> Data? {
        let path = url.path
        var status = stat()
        guard stat(path, &status) == 0 else {
            validator.error("$", nil, "\(Study.sidecarFileName) not found: every study folder needs one (Docs/StudyFormat.md)")
            return nil
        }
        let data: Data
        do {
            // Refuses a FIFO or device before opening it (an open would block), and an oversized file before reading it.
            data = Data(try RegularFile.bytes(path: path, maxBytes: maxSidecarBytes))
        } catch {
            validator.error("$", nil, "cannot read the file: \(error.reason)")
            return nil
        }
        return data
    }

    private func parseJSON(_ data: Data, validator: inout SidecarValidator) -> [String: JSONValue]? {
        guard !data.isEmpty else {
            validator.error("$", nil, "file is empty")
            return nil
        }
        do {
            return validator.object(try JSONText.parse([UInt8](data)), at: "$")
        } catch {
            validator.error("$", nil, "not valid JSON: \(error)")
            return nil
        }
    }

    // MARK: - Study level

    private static let studyKeys: Set<String> = [
        "schemaVersion", "studyId", "accessionNumber", "patientId", "site", "organCentre", "orderedPriority",
        "timeZone", "acquisitionDateTime", "receivedDateTime", "patientWeightKg", "series",
    ]

    private func validateStudy(
        _ root: [String: JSONValue], folder: URL, sidecarPath: String, validator v: inout SidecarValidator
    ) -> Study? {
        v.warnAboutUnknownKeys(root, at: "$", known: Self.studyKeys)
        if let version = v.integer(root, "schemaVersion", at: "$", required: true),
           version != StudySidecar.currentSchemaVersion {
            v.error("$.schemaVersion", .number(Double(version)), "unsupported schema version; this radtriage reads version \(StudySidecar.currentSchemaVersion)")
        }
        let id = v.string(root, "studyId", at: "$", required: true)
        var priority = OrderedPriority.routine
        if let text = v.string(root, "orderedPriority", at: "$") {
            if let parsed = OrderedPriority(rawValue: text.lowercased()) {
                priority = parsed
            } else {
                v.error("$.orderedPriority", .string(text), "expected one of stat, urgent, routine")
            }
        }
        var timeZone = TimeZone(identifier: "UTC") ?? .current
        if let name = v.string(root, "timeZone", at: "$") {
            if let zone = TimeZone(identifier: name) {
                timeZone = zone
            } else {
                v.error("$.timeZone", .string(name), "not an IANA time zone name (e.g. Europe/Berlin)")
            }
        }
        let weight = v.number(root, "patientWeightKg", at: "$")
        let study = (
            accession: v.string(root, "accessionNumber", at: "$"),
            patient: v.string(root, "patientId", at: "$"),
            site: v.string(root, "site", at: "$"),
            centre: v.string(root, "organCentre", at: "$"),
            acquired: v.dateTime(root, "acquisitionDateTime", at: "$", timeZone: timeZone),
            received: v.dateTime(root, "receivedDateTime", at: "$", timeZone: timeZone)
        )
        let series = validateSeriesList(root["series"], folder: folder, timeZone: timeZone, validator: &v)
        guard let id, let series else { return nil }
        return Study(
            folder: folder, sidecarPath: sidecarPath,
            identity: StudyIdentifiers(studyId: id, accessionNumber: study.accession, patientId: study.patient),
            context: ClinicalContext(site: study.site, organCentre: study.centre, orderedPriority: priority,
                                     acquired: study.acquired, received: study.received),
            timeZone: timeZone, patientWeightKg: weight, series: series, warnings: v.problems.filter { $0.severity == .warning })
    }

    private func validateSeriesList(
        _ value: JSONValue?, folder: URL, timeZone: TimeZone, validator v: inout SidecarValidator
    ) -> [Series]? {
        guard let value else {
            v.error("$.series", nil, "required field is missing: a study needs at least one series")
            return nil
        }
        guard case .array(let items) = value, !items.isEmpty else {
            v.error("$.series", value, "expected a non-empty array of series")
            return nil
        }
        var series: [Series] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "$.series[\(index)]"
            guard let fields = v.object(item, at: path) else { continue }
            if case .string(let name)? = fields["folder"], let first = seen[name] {
                v.error("\(path).folder", .string(name), "the same folder is already series \(first)")
                continue
            }
            if case .string(let name)? = fields["folder"] { seen[name] = index }
            if let parsed = validateSeries(fields, index: index, folder: folder, timeZone: timeZone, validator: &v) {
                series.append(parsed)
            }
        }
        return series.count == items.count ? series : nil
    }

    // MARK: - Series level

    private static let seriesKeys: Set<String> = [
        "folder", "modality", "seriesDateTime", "units", "rescaleSlope", "rescaleIntercept", "pixelSpacingMm",
        "sliceThicknessMm", "sliceSpacingMm", "decayCorrection", "correctedImage", "radiopharmaceutical", "slices",
    ]

    private func validateSeries(
        _ fields: [String: JSONValue], index: Int, folder: URL, timeZone: TimeZone, validator v: inout SidecarValidator
    ) -> Series? {
        let path = "$.series[\(index)]"
        v.warnAboutUnknownKeys(fields, at: path, known: Self.seriesKeys)
        let modality = v.string(fields, "modality", at: path, required: true)
        let slope = rescaleSlope(fields, at: path, validator: &v) ?? 1
        let intercept = v.number(fields, "rescaleIntercept", at: path) ?? 0
        let spacing = pixelSpacing(fields["pixelSpacingMm"], at: "\(path).pixelSpacingMm", validator: &v)
        let thickness = v.length(fields, "sliceThicknessMm", at: path, required: true)
        let sliceSpacing = v.length(fields, "sliceSpacingMm", at: path)
        let seriesDate = v.dateTime(fields, "seriesDateTime", at: path, timeZone: timeZone)
        let units = v.string(fields, "units", at: path)
        let decay = v.string(fields, "decayCorrection", at: path)
        let corrected = v.stringArray(fields, "correctedImage", at: path)
        var radiopharmaceutical: Radiopharmaceutical?
        if let value = fields["radiopharmaceutical"], value != .null,
           let object = v.object(value, at: "\(path).radiopharmaceutical") {
            radiopharmaceutical = validateRadiopharmaceutical(object, at: "\(path).radiopharmaceutical", timeZone: timeZone, validator: &v)
        }
        guard let name = v.plainName(fields, "folder", at: path) else { return nil }
        let seriesFolder = folder.appendingPathComponent(name, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: seriesFolder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            v.error("\(path).folder", .string(name), "series folder not found in the study folder")
            return nil
        }
        guard contained(seriesFolder, "\(path).folder", .string(name), what: "the series folder", validator: &v) else { return nil }
        let slices = listSlices(
            fields["slices"], in: seriesFolder, at: path, defaults: (slope, intercept), timeZone: timeZone, validator: &v)
        guard let modality, let spacing, let thickness, let slices else { return nil }
        return Series(
            index: index, folderName: name, folder: seriesFolder, modality: modality, seriesDate: seriesDate,
            units: units.map(PixelUnits.init(text:)), pixelSpacingMm: spacing, sliceThicknessMm: thickness,
            sliceSpacingMm: sliceSpacing ?? thickness, decayCorrection: decay.map(DecayCorrection.init(text:)), correctedImage: corrected,
            radiopharmaceutical: radiopharmaceutical, slices: slices)
    }

    /// A slope of zero would turn every value into the intercept: an error, not a value.
    private func rescaleSlope(_ fields: [String: JSONValue], at path: String, validator v: inout SidecarValidator) -> Double? {
        guard let slope = v.number(fields, "rescaleSlope", at: path) else { return nil }
        if slope == 0 {
            v.error("\(path).rescaleSlope", .number(slope), "a rescale slope of 0 erases every value")
            return nil
        }
        return slope
    }

    private func pixelSpacing(_ value: JSONValue?, at path: String, validator v: inout SidecarValidator) -> PixelSpacing? {
        guard let value, value != .null else {
            v.error(path, nil, "required field is missing: [row spacing, column spacing] in mm")
            return nil
        }
        guard case .array(let items) = value, items.count == 2,
              case .number(let row) = items[0], case .number(let column) = items[1] else {
            v.error(path, value, "expected two numbers: [row spacing, column spacing] in mm")
            return nil
        }
        guard row > 0, column > 0, row.isFinite, column.isFinite else {
            v.error(path, value, "spacings must be greater than zero")
            return nil
        }
        guard SidecarValidator.lengthRangeMm.contains(row), SidecarValidator.lengthRangeMm.contains(column) else {
            v.error(path, value, "spacings " + SidecarValidator.lengthRangeMessage)
            return nil
        }
        return PixelSpacing(rowMm: row, columnMm: column)
    }

    private static let radiopharmaceuticalKeys: Set<String> = [
        "radionuclide", "tracer", "injectedActivityMBq", "injectionDateTime", "injectionTime", "halfLifeSeconds",
    ]

    private func validateRadiopharmaceutical(
        _ fields: [String: JSONValue], at path: String, timeZone: TimeZone, validator v: inout SidecarValidator
    ) -> Radiopharmaceutical? {
        v.warnAboutUnknownKeys(fields, at: path, known: Self.radiopharmaceuticalKeys)
        let nuclide = v.string(fields, "radionuclide", at: path, required: true)
        let tracer = v.string(fields, "tracer", at: path)
        let activity = v.number(fields, "injectedActivityMBq", at: path)
        let halfLife = v.number(fields, "halfLifeSeconds", at: path, positive: true)
        var injection: InjectionTime?
        if let date = v.dateTime(fields, "injectionDateTime", at: path, timeZone: timeZone) {
            injection = .dateTime(date)
        }
        if let text = v.string(fields, "injectionTime", at: path) {
            if let time = DateTimeText.parseTimeOfDay(text) {
                if injection == nil { injection = .timeOfDay(hour: time.hour, minute: time.minute, second: time.second) }
            } else {
                v.error("\(path).injectionTime", .string(text), "expected a time of day HH:MM:SS")
            }
        }
        guard let nuclide else { return nil }
        return Radiopharmaceutical(
            radionuclide: nuclide, tracer: tracer, injectedActivityMBq: activity, injection: injection,
            halfLifeSeconds: halfLife)
    }

    // MARK: - Slices

    private static let sliceKeys: Set<String> = ["file", "rescaleSlope", "rescaleIntercept", "acquisitionDateTime"]

    /// The slices in reading order: as listed in the sidecar, or the folder's PNG files in natural order.
    private func listSlices(
        _ listed: JSONValue?, in folder: URL, at path: String, defaults: (slope: Double, intercept: Double),
        timeZone: TimeZone, validator v: inout SidecarValidator
    ) -> [SliceReference]? {
        let present: [String]
        do {
            present = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".png") }
        } catch {
            v.error("\(path).folder", .string(folder.lastPathComponent), "cannot list the series folder: \(error.localizedDescription)")
            return nil
        }
        guard let listed, listed != .null else {
            guard !present.isEmpty else {
                v.error("\(path).folder", .string(folder.lastPathComponent), "no PNG slices in the series folder")
                return nil
            }
            let slices = NaturalOrder.sorted(present).map {
                SliceReference(fileName: $0, url: folder.appendingPathComponent($0), rescaleSlope: defaults.slope,
                      rescaleIntercept: defaults.intercept, acquisitionDate: nil)
            }
            let refused = slices.filter { !contained($0.url, "\(path).folder", .string($0.fileName), what: "slice \($0.fileName)", validator: &v) }
            return refused.isEmpty ? slices : nil
        }
        guard case .array(let items) = listed, !items.isEmpty else {
            v.error("\(path).slices", listed, "expected a non-empty array of slices")
            return nil
        }
        let available = Set(present)
        var slices: [SliceReference] = []
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            let slicePath = "\(path).slices[\(index)]"
            guard let fields = v.object(item, at: slicePath) else { continue }
            v.warnAboutUnknownKeys(fields, at: slicePath, known: Self.sliceKeys)
            let slope = rescaleSlope(fields, at: slicePath, validator: &v)
            let intercept = v.number(fields, "rescaleIntercept", at: slicePath)
            let acquired = v.dateTime(fields, "acquisitionDateTime", at: slicePath, timeZone: timeZone)
            guard let name = v.plainName(fields, "file", at: slicePath) else { continue }
            guard seen.insert(name).inserted else {
                v.error("\(slicePath).file", .string(name), "slice listed twice")
                continue
            }
            let url = folder.appendingPathComponent(name)
            guard available.contains(name) || FileManager.default.fileExists(atPath: url.path) else {
                v.error("\(slicePath).file", .string(name), "slice file not found in the series folder \(folder.lastPathComponent)/")
                continue
            }
            guard contained(url, "\(slicePath).file", .string(name), what: "slice \(name)", validator: &v) else { continue }
            slices.append(SliceReference(
                fileName: name, url: url, rescaleSlope: slope ?? defaults.slope,
                rescaleIntercept: intercept ?? defaults.intercept, acquisitionDate: acquired))
        }
        let unlisted = available.subtracting(seen)
        if !unlisted.isEmpty {
            let examples = NaturalOrder.sorted(Array(unlisted)).prefix(3).joined(separator: ", ")
            v.warning("\(path).slices", nil, "\(unlisted.count) PNG file(s) in \(folder.lastPathComponent)/ are not listed and are ignored (\(examples))")
        }
        return slices.count == items.count ? slices : nil
    }
}

extension StudyReadError: UserFacingError {
    public var file: String? { errors.first?.file ?? folder.path }
    public var field: String? { errors.first?.field }
    public var value: String? { errors.first?.value }
    public var what: String { errors.first?.message ?? "cannot be read" }
}
