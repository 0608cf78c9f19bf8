import DICOMFormat
import Foundation
import Quantification
import Testing
import TriageCore
@testable import DICOMStudy

/// Enhanced PET Image Storage (one multi-frame file) written by pydicom
/// (DICOMFormatTests/Reference/write_enhanced_pet.py): planes in shuffled order, a rescale slope per
/// frame, the dose in MBq. radtriage's SUV volume must equal the one numpy computes from pydicom's
/// pixel_array and the functional groups pydicom read; the refusals name the attribute.
@Suite struct EnhancedPETTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DICOMFormatTests/Reference/write_enhanced_pet.py")
    static let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/venv/bin/python")
    static let options = DICOMReadingOptions(timeZone: TimeZone(identifier: "UTC")!)

    struct Expected: Decodable {
        var frames: [Int]
        var rows: Int
        var columns: Int
        var positionsMm: [Double]
        var decayIntervalSeconds: Double
        var injectedActivityMBq: Double
        var numberOfFrames: Int
    }

    /// Writes the variant into a new folder with pydicom.
    static func write(_ variant: String, encoding: String = "explicit") throws -> TemporaryFolder {
        let folder = TemporaryFolder()
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, folder.url.path, variant, encoding]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "write_enhanced_pet.py \(variant) failed (is .build/venv there? `make test-venv`)")
        return folder
    }

    static func files(_ folder: TemporaryFolder) throws -> DICOMStudyFiles {
        try #require(DICOMDiscovery().scan(folder.url).studies.first)
    }

    static func mappingProblems(_ folder: TemporaryFolder) throws -> [InputProblem] {
        let files = try files(folder)
        do {
            _ = try DICOMStudyMapper(options: options).map(files)
            Issue.record("the study was read")
            return []
        } catch {
            return error.problems
        }
    }

    /// Every voxel's SUV as radtriage computes it: the frames read at their offsets by the slice reader
    /// scoring uses, through the calibration of the series.
    static func radtriageSUV(_ reading: DICOMStudyReading) throws -> [Double] {
        let series = reading.study.series[0]
        guard case .calibrated(let calibration) = SUVCalibrator.calibrate(series: series, of: reading.study) else {
            Issue.record("SUV not computable: \(SUVCalibrator.calibrate(series: series, of: reading.study))")
            throw CancellationError()
        }
        var reader = DICOMSliceReader()
        var samples: [UInt16] = []
        var values: [Double] = []
        for (index, instance) in reading.seriesInstances[series.index].enumerated() {
            try #require(try reader.readFrame(of: instance, into: &samples) != nil, "frame \(instance.frame) not read at its offset")
            values += samples.map { calibration.suv(stored: $0, slice: index) }
        }
        return values
    }

    static func compare(_ folder: TemporaryFolder, _ label: String) throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.url.appendingPathComponent("expected.json")))
        let raw = try Data(contentsOf: folder.url.appendingPathComponent("suv.f64"))
        let reference = raw.withUnsafeBytes { bytes in
            (0..<raw.count / 8).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
        let reading = try DICOMStudyMapper(options: options).map(try files(folder))
        let instances = reading.seriesInstances[0]
        #expect(instances.map(\.frame) == expected.frames, "\(label): frames head first")
        #expect(reading.petGeometry?.positionsMm == expected.positionsMm, "\(label)")
        #expect(reading.study.series[0].slices.count == expected.frames.count)
        let values = try radtriageSUV(reading)
        try #require(values.count == reference.count, "\(label): \(values.count) voxels against pydicom's \(reference.count)")
        let worst = zip(values, reference).map { abs($0 - $1) / max(abs($1), 1e-12) }.max() ?? 0
        #expect(worst < 1e-9, "\(label): largest relative difference from numpy \(worst)")
        #expect(Set(reading.study.series[0].slices.map(\.rescaleSlope)).count == expected.frames.count, "a slope per frame")
        guard case .calibrated(let calibration) = SUVCalibrator.calibrate(series: reading.study.series[0], of: reading.study) else { return }
        #expect(calibration.provenance.injectedActivityMBq == expected.injectedActivityMBq, "RadionuclideTotalDose read in MBq")
        #expect(calibration.provenance.decayIntervalSeconds == expected.decayIntervalSeconds...expected.decayIntervalSeconds)
        #expect(calibration.provenance.scanReferenceRule == .decayCorrectionDateTime)
    }

    @Test func staticSeriesEqualsNumpyInBothEncodings() throws {
        try Self.compare(try Self.write("static"), "explicit VR")
        try Self.compare(try Self.write("static", encoding: "implicit"), "implicit VR, undefined lengths")
    }

    @Test func dynamicSeriesScoresItsLastTimePosition() throws {
        let folder = try Self.write("dynamic")
        try Self.compare(folder, "dynamic")
        let reading = try DICOMStudyMapper(options: Self.options).map(try Self.files(folder))
        #expect(reading.study.warnings.contains { $0.message.contains("dynamic series of 2 time frames") && $0.field?.contains("TemporalPositionIndex (0020,9128)") == true },
                "\(reading.study.warnings)")
    }

    @Test func inspectShowsTheFramesAndTheirSUV() throws {
        let folder = try Self.write("static")
        let inspection = DICOMInspection(try Self.files(folder), options: Self.options)
        #expect(inspection.isUsable, "\(inspection.problems)")
        #expect(inspection.fileCount == 1)
        #expect(inspection.readSeries.first?.sliceCount == 7)
        #expect(inspection.series.first?.reason.contains("7 slice(s)") == true)
        #expect(inspection.suv?.injectedActivityMBq == 370)
        #expect(inspection.text.contains("PT series 5: 7 slices"), "\(inspection.text)")
        // The instant DecayCorrectionDateTime names, not the series time (10:55).
        #expect(inspection.text.contains("SUV scan reference time: 2026-05-04T11:00:00Z (GMT) (decayCorrectionDateTime)"), "\(inspection.text)")
    }

    @Test func aFrameWithoutPlanePositionNamesTheGroup() throws {
        let problems = try Self.mappingProblems(try Self.write("no-plane-position"))
        let problem = try #require(problems.first { $0.field == "PlanePositionSequence (0020,9113)" }, "\(problems)")
        #expect(problem.message.contains("1 of 7 frame(s), the first frame 4"), "\(problem.message)")
    }

    @Test func framesWithoutPixelValueTransformationAreRefused() throws {
        let problems = try Self.mappingProblems(try Self.write("no-rescale"))
        #expect(problems.contains { $0.field == "PixelValueTransformationSequence (0028,9145)" && $0.message.contains("7 of 7") }, "\(problems)")
    }

    @Test func gatedSeriesIsRefusedNamingItsSynchronisation() throws {
        let problems = try Self.mappingProblems(try Self.write("gated"))
        #expect(problems.contains { $0.field == "CardiacSynchronizationSequence (0018,9118)" && $0.message.contains("gated") }, "\(problems)")
    }

    @Test func doseWrittenInBqIsRefusedAsMBq() throws {
        let folder = try Self.write("dose-in-bq")
        let reading = try DICOMStudyMapper(options: Self.options).map(try Self.files(folder))
        guard case .unavailable(let reasons) = SUVCalibrator.calibrate(series: reading.study.series[0], of: reading.study) else {
            Issue.record("a dose of 370e6 MBq was accepted")
            return
        }
        let problems = reasons.map { DICOMSUVProblems.problem($0, instances: reading.seriesInstances[0]) }
        let problem = try #require(problems.first { $0.field?.hasSuffix("RadionuclideTotalDose (0018,1074)") == true }, "\(problems)")
        #expect(problem.value == "370000000 MBq")
        #expect(problem.message.contains("was it written in Bq?"), "\(problem.message)")
    }

    @Test func aTruncatedFrameTableIsRefused() throws {
        // NumberOfFrames says more frames than the functional groups describe.
        let folder = try Self.write("static")
        let file = folder.url.appendingPathComponent("PT/enhanced.dcm")
        var bytes = [UInt8](try Data(contentsOf: file))
        let parsed = try DICOMParser().parse(bytes, headerOnly: true)
        let element = try #require(parsed.dataset.element(.numberOfFrames))
        let value = element.value
        let text = Array("8 ".utf8)
        try #require(value.count == text.count, "NumberOfFrames is \(value.count) bytes")
        bytes.replaceSubrange(value, with: text)
        try Data(bytes).write(to: file)
        let problems = try Self.mappingProblems(folder)
        #expect(problems.contains { $0.field == "PerFrameFunctionalGroupsSequence (5200,9230)" && $0.value == "7 item(s)" }, "\(problems)")
    }
}
