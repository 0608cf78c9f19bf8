import DICOMFormat
import Foundation
import Quantification
import StudyFormat
import Testing
import TriageCore
@testable import DICOMStudy

/// The SUV cases of the PNG path, again from DICOM tags. Fixtures are generated: a uniform phantom
/// whose activity concentration is computed by hand from SUVbw = C · W / D, so SUV must read 1.000.
@Suite struct SUVFromTagsTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let weightGrams = 70_000.0
    static let doseBq = 370e6
    static let halfLife = 6586.2

    /// Bq/mL of SUV 1 for a dose decayed over `seconds`.
    static func concentration(decayedFor seconds: Double, halfLife: Double = halfLife) -> Double {
        doseBq * pow(2, -seconds / halfLife) / weightGrams
    }

    static func read(_ folder: TemporaryFolder, options: DICOMReadingOptions = DICOMReadingOptions(timeZone: utc)) throws -> DICOMStudyReading {
        let scan = DICOMDiscovery().scan(folder.url)
        let files = try #require(scan.studies.first)
        return try DICOMStudyMapper(options: options).map(studyInstanceUID: files.studyInstanceUID, instances: files.instances, root: files.root)
    }

    /// SUV of every pixel of every slice of the scored series, decoded from the files.
    static func suv(_ reading: DICOMStudyReading) throws -> (values: [Double], provenance: SUVProvenance) {
        let series = reading.study.series[0]
        guard case .calibrated(let calibration) = SUVCalibrator.calibrate(series: series, of: reading.study) else {
            Issue.record("SUV not computable: \(SUVCalibrator.calibrate(series: series, of: reading.study))")
            throw CancellationError()
        }
        var values: [Double] = []
        var samples: [UInt16] = []
        for (index, slice) in series.slices.enumerated() {
            let file = try DICOMParser().parse([UInt8](Data(contentsOf: slice.url)))
            try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)
            values += samples.map { calibration.suv(stored: $0, slice: index) }
        }
        return (values, calibration.provenance)
    }

    static func expectUniform(_ values: [Double], _ label: String) {
        #expect(!values.isEmpty)
        for value in values { #expect(abs(value - 1) < 1e-4, "\(label): SUV \(value)") }
    }

    /// Three slices of a uniform phantom whose stored 1000 means `concentration`.
    static func writeUniform(_ writer: PETSliceWriter, concentration: Double, into folder: TemporaryFolder, slopes: [Double]? = nil) throws {
        for index in 0..<3 {
            let slope = slopes?[index] ?? concentration / 1000
            let stored = UInt16((concentration / slope).rounded())
            try folder.write(writer.slice(instance: index + 1, z: Double(index) * 3, stored: stored, slope: slope), to: "PT/\(index).dcm")
        }
    }

    @Test func startUniformPhantomReadsOne() throws {
        let folder = TemporaryFolder()
        try Self.writeUniform(PETSliceWriter(), concentration: Self.concentration(decayedFor: 3600), into: folder)
        let reading = try Self.read(folder)
        let (values, provenance) = try Self.suv(reading)
        Self.expectUniform(values, "START")
        #expect(provenance.decayIntervalSeconds == 3600...3600)
        #expect(provenance.scanReferenceRule == .seriesDateTime)
        #expect(provenance.injectedActivityMBq == 370)
    }

    @Test func adminUniformPhantomReadsOne() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.decayCorrection = "ADMIN"
        try Self.writeUniform(writer, concentration: Self.concentration(decayedFor: 0), into: folder)
        let (values, provenance) = try Self.suv(try Self.read(folder))
        Self.expectUniform(values, "ADMIN")
        #expect(provenance.decayIntervalSeconds == 0...0)
    }

    @Test func gallium68UsesItsOwnHalfLife() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.nuclideMeaning = "^68^Gallium"
        writer.halfLife = "4062.6"
        try Self.writeUniform(writer, concentration: Self.concentration(decayedFor: 3600, halfLife: 4062.6), into: folder)
        let (values, provenance) = try Self.suv(try Self.read(folder))
        Self.expectUniform(values, "Ga-68")
        #expect(provenance.radionuclide == "Ga-68")
        #expect(provenance.halfLifeSeconds == 4062.6)
    }

    @Test func injectionBeforeMidnightScanAfter() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.startDateTime = nil
        writer.startTime = "233000"
        writer.seriesDate = "20260505"
        writer.acquisitionDate = "20260505"
        writer.seriesTime = "004000"
        writer.acquisitionTime = "004000"
        try Self.writeUniform(writer, concentration: Self.concentration(decayedFor: 70 * 60), into: folder)
        let (values, provenance) = try Self.suv(try Self.read(folder))
        Self.expectUniform(values, "midnight")
        #expect(provenance.injectionPlacedOnPreviousDay)
        #expect(provenance.decayIntervalSeconds == 4200...4200)
    }

    @Test func perSliceSlopesApplyPerSlice() throws {
        let folder = TemporaryFolder()
        let concentration = Self.concentration(decayedFor: 3600)
        try Self.writeUniform(PETSliceWriter(), concentration: concentration, into: folder,
                              slopes: [concentration / 1000, concentration / 20000, concentration / 31000])
        let reading = try Self.read(folder)
        #expect(Set(reading.study.series[0].slices.map(\.rescaleSlope)).count == 3)
        Self.expectUniform(try Self.suv(reading).values, "per-slice slopes")
    }

    @Test func seriesTimeAfterTheEarliestAcquisitionUsesTheAcquisition() throws {
        // A late reconstruction: the series time is 11:30, the slices were acquired from 11:00.
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.seriesTime = "113000"
        writer.acquisitionTime = "110000"
        try Self.writeUniform(writer, concentration: Self.concentration(decayedFor: 3600), into: folder)
        let (values, provenance) = try Self.suv(try Self.read(folder))
        Self.expectUniform(values, "late series time")
        #expect(provenance.scanReferenceRule == .earliestAcquisition)
    }

    @Test func dynamicSeriesScoresItsLastFrameReferredToTheSeriesTime() throws {
        // Two frames, the second acquired 16 min after the series start; both decay-corrected to the
        // series start (START), so the reference is the series time, not the frame's acquisition.
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.seriesType = ["DYNAMIC", "IMAGE"]
        let concentration = Self.concentration(decayedFor: 3600)
        for frame in 1...2 {
            writer.acquisitionTime = frame == 1 ? "110000" : "111600"
            for index in 0..<3 {
                let slope = concentration / 1000
                try folder.write(writer.slice(instance: index + 1, z: Double(index) * 3, stored: 1000, slope: slope, temporal: frame),
                                 to: "PT/f\(frame)-\(index).dcm")
            }
        }
        let reading = try Self.read(folder)
        let series = reading.study.series[0]
        #expect(series.slices.count == 3)
        #expect(series.slices.allSatisfy { $0.url.lastPathComponent.hasPrefix("f2-") }, "the last frame is scored")
        #expect(reading.study.warnings.contains { $0.message.contains("dynamic series of 2 time frames") })
        let (values, provenance) = try Self.suv(reading)
        Self.expectUniform(values, "dynamic")
        #expect(provenance.scanReferenceRule == .seriesDateTime)
        #expect(provenance.decayIntervalSeconds == 3600...3600)
    }

    @Test func signedPixelsKeepTheirValues() throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.pixelRepresentation = 1
        let concentration = Self.concentration(decayedFor: 3600)
        try Self.writeUniform(writer, concentration: concentration, into: folder)
        Self.expectUniform(try Self.suv(try Self.read(folder)).values, "signed")
    }

    // MARK: - Refusals, each naming its tag

    static func refusals(_ writer: PETSliceWriter) throws -> [InputProblem] {
        let folder = TemporaryFolder()
        try writeUniform(writer, concentration: concentration(decayedFor: 3600), into: folder)
        let reading = try read(folder)
        let series = reading.study.series[0]
        guard case .unavailable(let reasons) = SUVCalibrator.calibrate(series: series, of: reading.study) else { return [] }
        return reasons.map { DICOMSUVProblems.problem($0, instances: reading.seriesInstances[0]) }
    }

    @Test func countsUnitsAreRefusedNamingUnits() throws {
        var writer = PETSliceWriter()
        writer.units = "CNTS"
        let problems = try Self.refusals(writer)
        #expect(problems.contains { $0.field == "Units (0054,1001)" && $0.value == "CNTS" }, "\(problems)")
    }

    @Test func missingWeightNamesPatientWeight() throws {
        var writer = PETSliceWriter()
        writer.weight = nil
        let problems = try Self.refusals(writer)
        #expect(problems.contains { $0.field == "PatientWeight (0010,1030)" }, "\(problems)")
    }

    @Test func doseWrittenInMBqIsRefusedNamingTheDoseInBq() throws {
        var writer = PETSliceWriter()
        writer.dose = "370"
        let problems = try Self.refusals(writer)
        let problem = try #require(problems.first { $0.field?.hasSuffix("RadionuclideTotalDose (0018,1074)") == true }, "\(problems)")
        #expect(problem.value == "370 Bq")
        #expect(problem.message.contains("was it written in MBq?"))
    }

    @Test func lutetiumWithoutAnInjectionDateIsRefused() throws {
        var writer = PETSliceWriter()
        writer.nuclideMeaning = "^177^Lutetium"
        writer.halfLife = nil
        writer.startDateTime = nil
        let problems = try Self.refusals(writer)
        #expect(problems.contains { $0.field?.hasSuffix("RadiopharmaceuticalStartDateTime (0018,1078)") == true && $0.value == "StartTime 100000 only" }, "\(problems)")
    }

    @Test func unknownNuclideNamesTheCodeSequence() throws {
        var writer = PETSliceWriter()
        writer.nuclideMeaning = "^99^Unobtainium"
        let problems = try Self.refusals(writer)
        #expect(problems.contains { $0.field?.contains("RadionuclideCodeSequence (0054,0300)") == true && $0.value == "^99^Unobtainium" }, "\(problems)")
    }

    @Test func unknownDecayCorrectionNamesTheTag() throws {
        var writer = PETSliceWriter()
        writer.decayCorrection = "SOMETIMES"
        let problems = try Self.refusals(writer)
        #expect(problems.contains { $0.field == "DecayCorrection (0054,1102)" && $0.value == "SOMETIMES" }, "\(problems)")
    }
}

/// The PET series pydicom writes (DICOMFormatTests/Reference/write_pet_series.py) in four encodings,
/// read into the study model: SUV at a pixel against the formula worked by hand.
@Suite struct PydicomSeriesSUVTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DICOMFormatTests/Reference/write_pet_series.py")
    static let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/venv/bin/python")

    @Test func everyEncodingGivesTheHandComputedSUV() throws {
        let folder = TemporaryFolder()
        let process = Process()
        process.executableURL = Self.python
        process.arguments = [Self.script.path, folder.url.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "write_pet_series.py failed (is .build/venv there? `make test-venv`)")
        for encoding in ["implicit-defined", "implicit-undefined", "explicit-defined", "explicit-undefined"] {
            let files = try #require(DICOMDiscovery().scan(folder.url.appendingPathComponent(encoding)).studies.first)
            let reading = try DICOMStudyMapper(options: DICOMReadingOptions(timeZone: SUVFromTagsTests.utc))
                .map(studyInstanceUID: files.studyInstanceUID, instances: files.instances, root: files.root)
            #expect(reading.study.context.site == "Hôpital Nord")
            let series = reading.study.series[0]
            guard case .calibrated(let calibration) = SUVCalibrator.calibrate(series: series, of: reading.study) else {
                Issue.record("\(encoding): SUV not computable")
                continue
            }
            // Head first: the slice written with index 2 (z highest) comes first. Its pixel 0 stores 2000, slope 1.0.
            #expect(series.slices.map(\.fileName) == ["slice3.dcm", "slice2.dcm", "slice1.dcm"])
            let expected = 2000 * 1.0 * 70_000 / (370e6 * pow(2, -3600 / 6586.2))
            #expect(abs(calibration.suv(stored: 2000, slice: 0) - expected) < 1e-9 * expected, "\(encoding)")
            #expect(calibration.provenance.halfLifeSeconds == 6586.2)
        }
    }
}
