import DICOMFormat
import Foundation
import TriageCore

/// A DICOM study read into the study model, with what was decided on the way (for `inspect`).
public struct DICOMStudyReading: Sendable {
    public let study: Study
    public let studyInstanceUID: String
    public let selection: SeriesSelection
    /// The scored PET series' geometry, if there is a PET series.
    public let petGeometry: SeriesGeometry?
    /// The instances of each series of `study`, in the same order as its slices.
    public let seriesInstances: [[DICOMInstance]]
}

/// Why a DICOM study cannot be read: problems naming the file, the attribute and its value.
public struct DICOMStudyError: Error, Sendable, CustomStringConvertible {
    public let studyInstanceUID: String
    public let problems: [InputProblem]
    public let selection: SeriesSelection?
    /// The study's identity and clinical context from the tags, when the study got that far.
    public let metadata: StudyMetadata?

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Maps the instances of one study (one StudyInstanceUID) to the study model: the series chosen by
/// `SeriesSelection`, slices ordered by `SeriesGeometry`, dates resolved, the clinical context from
/// the tags and the configured mappings. Pure: reads nothing from disk.
public struct DICOMStudyMapper: Sendable {
    public var options: DICOMReadingOptions

    public init(options: DICOMReadingOptions = DICOMReadingOptions()) {
        self.options = options
    }

    /// The study discovery found: its instances, and the files of it whose header broke (which fail it).
    public func map(_ files: DICOMStudyFiles) throws(DICOMStudyError) -> DICOMStudyReading {
        try map(studyInstanceUID: files.studyInstanceUID, instances: files.instances, root: files.root,
                unreadable: files.unreadable.map { InputProblem(file: $0.url.path, message: $0.reason) })
    }

    public func map(studyInstanceUID: String, instances: [DICOMInstance], root: URL, unreadable: [InputProblem] = []) throws(DICOMStudyError) -> DICOMStudyReading {
        let selection = SeriesSelection(instances)
        var problems = unreadable
        var warnings: [InputProblem] = []
        let primary = selection.pet ?? selection.ct
        guard let primary else {
            let found = Set(instances.compactMap(\.modality)).sorted().joined(separator: ", ")
            throw DICOMStudyError(studyInstanceUID: studyInstanceUID, problems: problems + [InputProblem(
                file: instances.first?.url.path ?? root.path, field: "Modality (0008,0060)", value: found.isEmpty ? nil : found,
                message: "no PET or CT image series in the study")], selection: selection, metadata: nil)
        }
        let head = primary.instances[0]
        let zone = DICOMTime.zone(offset: head.dates.timezoneOffset, fallback: options.timeZone)
        let time = DICOMTime(timeZone: zone)

        var series: [Series] = []
        var seriesInstances: [[DICOMInstance]] = []
        var petGeometry: SeriesGeometry?
        for choice in [selection.pet, selection.ct].compactMap({ $0 }) {
            var instances = choice.instances
            if choice.role == .scoredPET {
                instances = splitFrames(instances, problems: &problems)
                instances = frameToScore(instances, problems: &problems, warnings: &warnings)
            }
            guard !instances.isEmpty else { continue }
            let geometry = SeriesGeometry(instances)
            if choice.role == .scoredPET { petGeometry = geometry }
            let file = instances[0].url.path
            for finding in geometry.findings {
                let problem = InputProblem(finding.isFatal ? .error : .warning, file: file, field: "\(choice.modality) series \(choice.seriesNumber.map(String.init) ?? "?")", message: finding.description)
                if finding.isFatal { problems.append(problem) } else { warnings.append(problem) }
            }
            let ordered = geometry.order.map { instances[$0] }
            if let built = makeSeries(index: series.count, choice: choice, ordered: ordered, geometry: geometry, time: time,
                                      problems: &problems, warnings: &warnings) {
                series.append(built)
                seriesInstances.append(ordered)
            }
        }
        let context = clinicalContext(head, choice: primary, time: time, warnings: &warnings)
        let metadata = StudyMetadata(
            identity: StudyIdentifiers(studyId: studyInstanceUID, accessionNumber: head.context.accessionNumber, patientId: head.context.patientID),
            context: ClinicalContext(site: head.context.institutionName, organCentre: context.centre, orderedPriority: context.priority,
                                     acquired: context.acquired, received: instances.map(\.status.modified).max()))
        guard problems.isEmpty else {
            // The study fails, but its worklist row still shows who it is, its priority and site.
            throw DICOMStudyError(studyInstanceUID: studyInstanceUID, problems: problems + warnings, selection: selection, metadata: metadata)
        }
        let study = Study(
            folder: root, sidecarPath: head.url.path, identity: metadata.identity, context: metadata.context,
            timeZone: zone, patientWeightKg: head.pet.patientWeightKg, series: series, warnings: warnings)
        return DICOMStudyReading(study: study, studyInstanceUID: studyInstanceUID, selection: selection, petGeometry: petGeometry,
                                 seriesInstances: seriesInstances)
    }

    // MARK: - Series

    private func makeSeries(
        index: Int, choice: SeriesSelection.Choice, ordered: [DICOMInstance], geometry: SeriesGeometry, time: DICOMTime,
        problems: inout [InputProblem], warnings: inout [InputProblem]
    ) -> Series? {
        let head = ordered[0]
        let file = head.url.path
        guard let spacing = head.pixelSpacing, spacing.count == 2, spacing.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            problems.append(InputProblem(file: file, field: "PixelSpacing (0028,0030)", value: head.pixelSpacing.map { "\($0)" },
                                         message: "required: two positive spacings in mm (between rows, between columns)"))
            return nil
        }
        guard let sliceSpacing = geometry.spacingMm ?? head.sliceThickness, sliceSpacing > 0 else {
            problems.append(InputProblem(file: file, field: "SliceThickness (0018,0050)", value: head.sliceThickness.map { "\($0)" },
                                         message: "no slice spacing: neither ImagePositionPatient steps nor a positive SliceThickness"))
            return nil
        }
        var slices: [SliceReference] = []
        for instance in ordered {
            if instance.rescaleText.slope != nil && (instance.rescaleSlope == nil || instance.rescaleSlope == 0) {
                problems.append(InputProblem(file: instance.url.path, field: "RescaleSlope (0028,1053)", value: instance.rescaleText.slope,
                                             message: "not a usable rescale slope (a number other than 0)"))
                continue
            }
            if instance.rescaleText.intercept != nil && instance.rescaleIntercept == nil {
                problems.append(InputProblem(file: instance.url.path, field: "RescaleIntercept (0028,1052)", value: instance.rescaleText.intercept,
                                             message: "not a number"))
                continue
            }
            let slope = instance.rescaleSlope ?? 1
            // Signed samples arrive shifted by +32768 (GrayscaleFrame): the intercept takes the shift back.
            let shift = instance.pixelRepresentation == 1 ? 32768 * slope : 0
            let name = instance.url.lastPathComponent
            slices.append(SliceReference(
                fileName: instance.numberOfFrames > 1 ? "\(name) frame \(instance.frame + 1)" : name, url: instance.url, rescaleSlope: slope,
                rescaleIntercept: (instance.rescaleIntercept ?? 0) - shift,
                acquisitionDate: acquisitionDate(instance, time: time)))
        }
        var drug: Radiopharmaceutical?
        if let item = head.pet.radiopharmaceutical {
            let nuclide = RadionuclideCode.name(meaning: item.nuclideMeaning, code: item.nuclideCode)
                ?? item.nuclideMeaning ?? item.nuclideCode ?? ""
            var injection: InjectionTime?
            if let date = time.instant(dateTime: item.startDateTime) {
                injection = .dateTime(date)
            } else if let text = item.startTime, let clock = DICOMTime.timeOfDay(text) {
                injection = .timeOfDay(hour: clock.hour, minute: clock.minute, second: clock.second)
            }
            drug = Radiopharmaceutical(
                radionuclide: nuclide, tracer: item.name, injectedActivityMBq: item.totalDose.map { head.pet.doseInMBq ? $0 : $0 / 1e6 }, injection: injection,
                halfLifeSeconds: item.halfLife)
        }
        let name = "\(choice.modality) series \(choice.seriesNumber.map(String.init) ?? choice.seriesInstanceUID)"
        let decay = decayCorrection(head, injection: drug?.injection, time: time, warnings: &warnings)
        return Series(
            index: index, folderName: name, folder: head.url.deletingLastPathComponent(), modality: choice.modality,
            seriesDate: time.instant(date: head.dates.seriesDate, time: head.dates.seriesTime),
            units: head.pet.units.map(PixelUnits.init(text:)) ?? (choice.modality == "CT" ? .hounsfield : nil),
            pixelSpacingMm: PixelSpacing(rowMm: spacing[0], columnMm: spacing[1]), sliceThicknessMm: head.sliceThickness ?? sliceSpacing,
            sliceSpacingMm: sliceSpacing, decayCorrection: decay.correction, correctedImage: head.pet.correctedImage,
            radiopharmaceutical: drug, slices: slices, decayReferenceDate: decay.reference)
    }

    /// DecayCorrection (0054,1102); in Enhanced PET, DecayCorrected (0018,9758) with the instant it names,
    /// DecayCorrectionDateTime (0018,9701): ADMIN when that is the injection, else START referred to it.
    private func decayCorrection(
        _ head: DICOMInstance, injection: InjectionTime?, time: DICOMTime, warnings: inout [InputProblem]
    ) -> (correction: DecayCorrection?, reference: Date?) {
        guard let corrected = head.pet.decayCorrected else { return (head.pet.decayCorrection.map(DecayCorrection.init(text:)), nil) }
        switch corrected {
        case "NO":
            return (.uncorrected, nil)
        case "YES":
            guard let reference = time.instant(dateTime: head.pet.decayCorrectionDateTime) else {
                warnings.append(InputProblem(.warning, file: head.url.path, field: DICOMTag.decayCorrectionDateTime.named, value: head.pet.decayCorrectionDateTime,
                                             message: "DecayCorrected is YES but the instant is not readable: START is assumed (the QIBA scan reference time)"))
                return (.start, nil)
            }
            if case .dateTime(let injected)? = injection, abs(injected.timeIntervalSince(reference)) < 0.5 { return (.admin, nil) }
            return (.start, reference)
        default:
            return (.other("DecayCorrected \(corrected)"), nil)
        }
    }

    private func acquisitionDate(_ instance: DICOMInstance, time: DICOMTime) -> Date? {
        if let date = time.instant(dateTime: instance.dates.acquisitionDateTime) { return date }
        guard instance.dates.acquisitionTime != nil else { return nil }
        return time.instant(date: instance.dates.acquisitionDate ?? instance.dates.seriesDate, time: instance.dates.acquisitionTime)
    }

    /// Multi-frame Enhanced PET files split into one instance per frame; a file whose functional groups
    /// do not place or quantify every frame fails the study, naming the attribute.
    private func splitFrames(_ instances: [DICOMInstance], problems: inout [InputProblem]) -> [DICOMInstance] {
        var split: [DICOMInstance] = []
        for instance in instances {
            if let enhanced = instance.enhancedPET, !enhanced.problems.isEmpty {
                problems += enhanced.problems.map { InputProblem(file: instance.url.path, field: $0.field, value: $0.value, message: $0.message) }
            } else {
                split += instance.frames()
            }
        }
        return split
    }

    /// Dynamic series: the last time frame is scored (the latest uptake, the image a static protocol
    /// would give); its values are decay-corrected to the series start (or, in Enhanced PET, to the
    /// DecayCorrectionDateTime), so SUV still refers to that instant. Gated series are refused: their
    /// bins are parts of one acquisition, none a whole image.
    private func frameToScore(_ instances: [DICOMInstance], problems: inout [InputProblem], warnings: inout [InputProblem]) -> [DICOMInstance] {
        guard let head = instances.first else { return [] }
        let type = head.pet.seriesType?.first?.uppercased()
        if let gated = head.pet.gatedBy {
            problems.append(InputProblem(file: head.url.path, field: gated, message: "a gated series is not scored: its frames are gates of one acquisition; export a static reconstruction"))
            return []
        }
        if type == "GATED" {
            problems.append(InputProblem(file: head.url.path, field: "SeriesType (0054,1000)", value: head.pet.seriesType?.joined(separator: "\\"),
                                         message: "a gated series is not scored: its bins are parts of one acquisition; export a static reconstruction"))
            return []
        }
        var frames: [String: [DICOMInstance]] = [:]
        for instance in instances {
            let key = instance.pet.temporalPosition.map { String(format: "%012d", $0) }
                ?? instance.pet.frameReferenceTimeMs.map { String(format: "%015.3f", $0) }
                ?? (type == "DYNAMIC" ? instance.dates.acquisitionTime : nil) ?? ""
            frames[key, default: []].append(instance)
        }
        guard frames.count > 1 else { return instances }
        let keys = frames.keys.sorted()
        let last = keys[keys.count - 1]
        let field = head.enhancedPET == nil ? "SeriesType (0054,1000)" : "\(DICOMTag.frameContentSequence.named) > \(DICOMTag.temporalPositionIndex.named)"
        let value = head.enhancedPET == nil ? head.pet.seriesType?.joined(separator: "\\") : "\(keys.count) values"
        warnings.append(InputProblem(.warning, file: head.url.path, field: field, value: value,
                                     message: "dynamic series of \(keys.count) time frames: the last frame (\(frames[last]!.count) slices) is scored, its SUV referred to the instant its values are decay-corrected to"))
        return frames[last]!
    }

    // MARK: - Clinical context

    private func clinicalContext(
        _ head: DICOMInstance, choice: SeriesSelection.Choice, time: DICOMTime, warnings: inout [InputProblem]
    ) -> (priority: OrderedPriority, centre: String?, acquired: Date?) {
        let file = head.url.path
        var priority = OrderedPriority.routine
        let field = "RequestedProcedurePriority (0040,1003)"
        if let text = head.context.requestedProcedurePriority {
            if let mapped = options.priorities[text.uppercased()] {
                priority = mapped
            } else {
                warnings.append(InputProblem(.warning, file: file, field: field, value: text, message: "not a known priority: the study is ranked as routine"))
            }
        } else {
            warnings.append(InputProblem(.warning, file: file, field: field, message: "absent: the study is ranked as routine"))
        }
        let texts = [head.context.requestedProcedureDescription, head.context.studyDescription, choice.description].compactMap { $0 }
        let centre = options.organCentres.first { rule in
            texts.contains { $0.range(of: rule.pattern, options: [.caseInsensitive, .diacriticInsensitive]) != nil }
        }?.centre
        if centre == nil {
            warnings.append(InputProblem(.warning, file: file, field: "RequestedProcedureDescription (0032,1060), StudyDescription (0008,1030)",
                                         value: texts.isEmpty ? nil : texts.joined(separator: " | "),
                                         message: options.organCentres.isEmpty ? "no organ-centre patterns configured: no tumour board" : "no organ-centre pattern matches: no tumour board"))
        }
        let acquired = time.instant(date: head.dates.studyDate, time: head.dates.studyTime)
            ?? time.instant(date: head.dates.seriesDate, time: head.dates.seriesTime)
        return (priority, centre, acquired)
    }
}
