import DICOMFormat
import Foundation
import StudyFormat
import Testing
import TriageCore
@testable import DICOMStudy

/// Discovery in any layout, series selection, slice geometry and clinical context from the tags.
@Suite struct StudyMappingTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func mapped(_ folder: TemporaryFolder, options: DICOMReadingOptions = DICOMReadingOptions(timeZone: utc)) throws -> DICOMStudyReading {
        let files = try #require(DICOMDiscovery().scan(folder.url).studies.first)
        return try DICOMStudyMapper(options: options).map(studyInstanceUID: files.studyInstanceUID, instances: files.instances, root: files.root)
    }

    static func mappingError(_ folder: TemporaryFolder) throws -> DICOMStudyError? {
        let files = try #require(DICOMDiscovery().scan(folder.url).studies.first)
        do {
            _ = try DICOMStudyMapper(options: DICOMReadingOptions(timeZone: utc)).map(
                studyInstanceUID: files.studyInstanceUID, instances: files.instances, root: files.root)
            return nil
        } catch {
            return error
        }
    }

    @Test func studiesAreFoundInAnyLayoutAndGroupedByStudyInstanceUID() throws {
        let folder = TemporaryFolder()
        var a = PETSliceWriter()
        a.studyUID = "1.2.3.100"
        a.seriesUID = "1.2.3.100.1"
        var b = PETSliceWriter()
        b.studyUID = "1.2.3.200"
        b.seriesUID = "1.2.3.200.1"
        // Study A: flat in the root, one slice nested two levels down; study B: one folder per series.
        try folder.write(a.slice(instance: 1, z: 0, stored: 1, slope: 1), to: "a1.dcm")
        try folder.write(a.slice(instance: 2, z: 3, stored: 1, slope: 1), to: "deep/er/IM0002")
        try folder.write(b.slice(instance: 1, z: 0, stored: 1, slope: 1), to: "B/PET/1")
        try folder.write(b.slice(instance: 2, z: 3, stored: 1, slope: 1), to: "B/PET/2")
        // Not slices: a DICOMDIR, a text file, a DICOM object without pixels, and a PNG study left alone.
        var report = DICOMWriter()
        report.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.88.22")
        report.set(.studyInstanceUID, .UI, "1.2.3.100")
        try folder.write(report.fileBytes(sopClassUID: "1.2.840.10008.5.1.4.1.1.88.22", sopInstanceUID: "9.9", implementationClassUID: "1.2"), to: "SR.dcm")
        var directory = DICOMWriter()
        directory.set(DICOMTag(0x0004, 0x1130), .CS, "FILESET")
        try folder.write(directory.fileBytes(sopClassUID: DICOMInstance.mediaStorageDirectoryClass, sopInstanceUID: "9.8", implementationClassUID: "1.2"), to: "DICOMDIR")
        try folder.write(Array("not dicom".utf8), to: "notes.txt")
        try folder.write(Array("{}".utf8), to: "png-study/study.json")
        try folder.write(a.slice(instance: 9, z: 30, stored: 1, slope: 1), to: "png-study/stray.dcm")

        let result = DICOMDiscovery().scan(folder.url)
        let byUID = Dictionary(uniqueKeysWithValues: result.studies.map { ($0.studyInstanceUID, $0) })
        #expect(byUID.count == 2)
        #expect(byUID["1.2.3.100"]?.instances.count == 2)
        #expect(byUID["1.2.3.100"]?.root.standardizedFileURL.path == folder.url.standardizedFileURL.path)
        #expect(byUID["1.2.3.200"]?.instances.count == 2)
        #expect(byUID["1.2.3.200"]?.root.lastPathComponent == "PET")
        let ignored = Set(result.ignored.map(\.url.lastPathComponent))
        #expect(ignored == ["SR.dcm", "DICOMDIR"], "\(result.ignored.map { "\($0.url.lastPathComponent): \($0.reason)" })")
    }

    @Test func slicesAreOrderedAlongTheNormalNotByFileOrInstanceNumber() throws {
        let folder = TemporaryFolder()
        let writer = PETSliceWriter()
        // Instance numbers run against the positions, and file names in yet another order.
        for (name, instance, z) in [("b", 1, 6.0), ("c", 2, 0.0), ("a", 3, 3.0)] {
            try folder.write(writer.slice(instance: instance, z: z, stored: 1, slope: 1), to: "\(name).dcm")
        }
        let reading = try Self.mapped(folder)
        // Head first: from the largest position along the normal (0, 0, 1).
        #expect(reading.study.series[0].slices.map(\.fileName) == ["b.dcm", "a.dcm", "c.dcm"])
        #expect(reading.petGeometry?.positionsMm == [6, 3, 0])
        #expect(reading.study.series[0].sliceSpacingMm == 3)
    }

    @Test func sagittalSlicesOrderAlongTheirOwnNormal() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.orientation = [0, 1, 0, 0, 0, -1]  // rows along y, columns down z: the normal is x
        for (index, x) in [4.0, -4.0, 0.0].enumerated() {
            try folder.write(writer.slice(instance: index + 1, z: 0, stored: 1, slope: 1, position: [x, -8, 0]), to: "\(index).dcm")
        }
        let reading = try Self.mapped(folder)
        // The normal is row × column = (−1, 0, 0): positions along it are −x, read from the largest.
        #expect(reading.petGeometry?.positionsMm == [4, 0, -4])
        #expect(reading.study.series[0].slices.map(\.fileName) == ["1.dcm", "2.dcm", "0.dcm"])
    }

    @Test func gapsAreFlaggedAndThicknessCheckedAgainstThePositions() throws {
        let folder = TemporaryFolder()
        let writer = PETSliceWriter()
        for (index, z) in [0.0, 2.0, 4.0, 10.0].enumerated() {
            try folder.write(writer.slice(instance: index + 1, z: z, stored: 1, slope: 1), to: "\(index).dcm")
        }
        let reading = try Self.mapped(folder)
        let findings = reading.petGeometry?.findings ?? []
        #expect(findings.contains(.gaps(count: 1, largestMm: 6, typicalMm: 2)), "\(findings)")
        #expect(findings.contains(.thicknessDiffers(thicknessMm: 3, spacingMm: 2)), "\(findings)")
        #expect(reading.study.warnings.contains { $0.message.contains("1 gap(s)") })
    }

    @Test func duplicatePositionsAndMixedOrientationsFailTheStudy() throws {
        let duplicate = TemporaryFolder()
        let writer = PETSliceWriter()
        for (index, z) in [0.0, 3.0, 3.0].enumerated() {
            try duplicate.write(writer.slice(instance: index + 1, z: z, stored: 1, slope: 1), to: "\(index).dcm")
        }
        let duplicateError = try #require(try Self.mappingError(duplicate))
        #expect(duplicateError.problems.contains { $0.severity == .error && $0.message.contains("share a position") }, "\(duplicateError)")

        let mixed = TemporaryFolder()
        var tilted = PETSliceWriter()
        try mixed.write(writer.slice(instance: 1, z: 0, stored: 1, slope: 1), to: "0.dcm")
        tilted.orientation = [1, 0, 0, 0, 0.8, 0.6]
        try mixed.write(tilted.slice(instance: 2, z: 3, stored: 1, slope: 1), to: "1.dcm")
        let mixedError = try #require(try Self.mappingError(mixed))
        #expect(mixedError.problems.contains { $0.message.contains("different ImageOrientationPatient") }, "\(mixedError)")
    }

    @Test func theCorrectedPETSeriesIsScoredAndCTKeptAsContext() throws {
        let folder = TemporaryFolder()
        var corrected = PETSliceWriter()
        corrected.seriesUID = "1.2.3.7.2"
        var uncorrected = PETSliceWriter()
        uncorrected.seriesUID = "1.2.3.7.3"
        uncorrected.correctedImage = ["DECY"]
        var ct = PETSliceWriter()
        ct.seriesUID = "1.2.3.7.4"
        ct.modality = "CT"
        ct.sopClass = DICOMInstance.ctImageStorage
        for index in 0..<4 {
            // The uncorrected series has more slices, which must not win.
            try folder.write(uncorrected.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1), to: "NAC/\(index).dcm")
            try folder.write(ct.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1, intercept: -1024), to: "CT/\(index).dcm")
        }
        for index in 0..<3 {
            try folder.write(corrected.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1), to: "AC/\(index).dcm")
        }
        let reading = try Self.mapped(folder)
        #expect(reading.selection.pet?.seriesInstanceUID == "1.2.3.7.2")
        #expect(reading.selection.ct?.seriesInstanceUID == "1.2.3.7.4")
        #expect(reading.study.series.map(\.modality) == ["PT", "CT"])
        #expect(reading.study.series[1].units == .hounsfield)
        let notUsed = try #require(reading.selection.choices.first { $0.seriesInstanceUID == "1.2.3.7.3" })
        #expect(notUsed.role == .notUsed)
        #expect(notUsed.reason.contains("CorrectedImage DECY"))
    }

    @Test func clinicalContextComesFromTheTagsAndTheConfiguredPatterns() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.priority = "STAT"
        writer.studyDescription = "PET/CT Lung staging"
        for index in 0..<2 { try folder.write(writer.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1), to: "\(index).dcm") }
        let options = DICOMReadingOptions(timeZone: Self.utc, organCentres: [OrganCentreRule(pattern: "lung", centre: "thoracic")])
        let study = try Self.mapped(folder, options: options).study
        #expect(study.identity.studyId == "1.2.826.0.1.3680043.8.498.7")
        #expect(study.identity.accessionNumber == "ACC-1")
        #expect(study.identity.patientId == "P-1")
        #expect(study.context.site == "Klinikum Nord")
        #expect(study.context.orderedPriority == .stat)
        #expect(study.context.organCentre == "thoracic")
        #expect(study.context.acquired == DICOMTime(timeZone: Self.utc).instant(date: "20260504", time: "104500"))
        #expect(study.warnings.isEmpty, "\(study.warnings)")
    }

    @Test func unmappedPriorityAndCentreAreVisibleNotDefaultedSilently() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.priority = "SOON"
        writer.studyDescription = "PET/CT brain"
        for index in 0..<2 { try folder.write(writer.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1), to: "\(index).dcm") }
        let options = DICOMReadingOptions(timeZone: Self.utc, organCentres: [OrganCentreRule(pattern: "lung", centre: "thoracic")])
        let study = try Self.mapped(folder, options: options).study
        #expect(study.context.orderedPriority == .routine)
        #expect(study.context.organCentre == nil)
        #expect(study.warnings.contains { $0.field == "RequestedProcedurePriority (0040,1003)" && $0.value == "SOON" && $0.message.contains("routine") })
        #expect(study.warnings.contains { $0.message.contains("no organ-centre pattern matches") && $0.value?.contains("PET/CT brain") == true })
    }

    /// Enhanced PET without its per-frame functional groups, and gated series, are refused naming the
    /// attribute and its value; the refused study still carries who it is and how urgent, for its worklist row.
    @Test func enhancedPETWithoutFunctionalGroupsAndGatedSeriesAreRefusedByNameAndKeepTheirContext() throws {
        let enhanced = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.sopClass = DICOMInstance.enhancedPETImageStorage
        writer.priority = "STAT"
        for index in 0..<2 { try enhanced.write(writer.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1), to: "\(index).dcm") }
        let enhancedError = try #require(try Self.mappingError(enhanced))
        #expect(enhancedError.problems.contains {
            $0.severity == .error && $0.field == "PerFrameFunctionalGroupsSequence (5200,9230)" && $0.value == "0 item(s)"
                && $0.message.contains("one functional-groups item per frame is required")
        }, "\(enhancedError)")
        #expect(enhancedError.metadata?.context.orderedPriority == .stat)
        #expect(enhancedError.metadata?.context.site == "Klinikum Nord")

        let gated = TemporaryFolder()
        var gatedWriter = PETSliceWriter()
        gatedWriter.seriesType = ["GATED", "IMAGE"]
        for index in 0..<2 { try gated.write(gatedWriter.slice(instance: index + 1, z: Double(index) * 3, stored: 1, slope: 1), to: "\(index).dcm") }
        let gatedError = try #require(try Self.mappingError(gated))
        #expect(gatedError.problems.contains {
            $0.severity == .error && $0.field == "SeriesType (0054,1000)" && $0.value == "GATED\\IMAGE" && $0.message.contains("gated series is not scored")
        }, "\(gatedError)")
    }

    @Test func timezoneOffsetFromTheFileWins() throws {
        let time = DICOMTime(timeZone: DICOMTime.zone(offset: "+0200", fallback: Self.utc))
        let date = try #require(time.instant(date: "20260504", time: "110000.5"))
        #expect(date == DICOMTime(timeZone: Self.utc).instant(date: "20260504", time: "090000.5"))
        #expect(DICOMTime(timeZone: Self.utc).instant(dateTime: "20260504110000-0100") == DICOMTime(timeZone: Self.utc).instant(date: "20260504", time: "120000"))
        #expect(DICOMTime.timeOfDay("10:30:15")! == (10, 30, 15))
        #expect(DICOMTime.timeOfDay("25") == nil)
    }
}
