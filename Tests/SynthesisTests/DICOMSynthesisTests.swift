import DICOMFormat
import Foundation
import SliceCodec
import StudyFormat
import Testing
import TriageCore
@testable import Synthesis

/// `synth --format dicom`: the files pass dciodvfy (Debian's dicom3tools, an independent validator of
/// the DICOM information object definitions) without errors, and carry the PNG study's values.
@Suite struct DICOMSynthesisTests {
    static let dciodvfy = "/usr/bin/dciodvfy"

    static func options(format: SynthesisOptions.SliceFormat) -> SynthesisOptions {
        var options = SynthesisTests.options(studies: 1, slices: 6)
        options.includeCT = true
        options.format = format
        return options
    }

    @Test func everyFilePassesDciodvfyWithoutErrors() throws {
        let folder = SynthesisTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try StudySynthesizer(options: Self.options(format: .dicom)).writeStudies(to: folder)
        let files = try SynthesisTests.files(under: folder).keys.filter { $0.hasSuffix(".dcm") }.sorted()
        #expect(files.count == 12)
        #expect(try SynthesisTests.files(under: folder)["/S0001/study.json"] == nil, "a DICOM study has no sidecar")
        try #require(FileManager.default.isExecutableFile(atPath: Self.dciodvfy), "dciodvfy missing: `make deps` installs dicom3tools")
        for file in files {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.dciodvfy)
            process.arguments = [folder.path + file]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // dciodvfy exits 0 even when it reports errors: the report is what counts.
            let errors = text.split(separator: "\n").filter { $0.hasPrefix("Error") }
            #expect(errors.isEmpty, "\(file): \(errors.joined(separator: "; "))")
            #expect(text.contains(file.contains("/PT/") ? "PETImage" : "CTImage"), "\(file): dciodvfy did not recognise the IOD: \(text)")
        }
    }

    @Test func dicomSlicesHoldThePNGStudysValues() throws {
        let png = SynthesisTests.temporaryFolder(), dicom = SynthesisTests.temporaryFolder()
        defer { for url in [png, dicom] { try? FileManager.default.removeItem(at: url) } }
        try StudySynthesizer(options: Self.options(format: .png)).writeStudies(to: png)
        try StudySynthesizer(options: Self.options(format: .dicom)).writeStudies(to: dicom)
        let study = try StudyReader().read(folder: png.appendingPathComponent("S0001"))
        let pet = study.series[0]
        for (index, slice) in pet.slices.enumerated() {
            let url = dicom.appendingPathComponent("S0001/PT").appendingPathComponent(slice.url.deletingPathExtension().lastPathComponent + ".dcm")
            let file = try DICOMParser().parse([UInt8](Data(contentsOf: url)))
            var samples: [UInt16] = []
            try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)
            #expect(samples == (try PNGSliceDecoder().decodeFile(atPath: slice.url.path)).samples, "slice \(index)")
            let slope = try #require(file.dataset.double(.rescaleSlope))
            #expect(abs(slope - slice.rescaleSlope) <= 1e-12 * slice.rescaleSlope, "slice \(index)")
            #expect(file.dataset.double(.patientWeight) == study.patientWeightKg)
            #expect(file.dataset.string(.accessionNumber) == study.identity.accessionNumber)
        }
    }
}
