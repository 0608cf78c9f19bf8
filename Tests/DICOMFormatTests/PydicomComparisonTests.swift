import DICOMFormat
import Foundation
import Testing
import TriageCore

/// The reader against pydicom 3.0.2 on pydicom's own test files: every tag radtriage reads, and the
/// pixel array (SHA-256 of its little-endian bytes), in every syntax this reader decodes; the rest
/// must be refused with a reason naming what is not supported.
@Suite struct PydicomComparisonTests {
    /// What the reader made of one file, in the reference's terms.
    struct Outcome {
        var parseError: DICOMError?
        var tagMismatches: [String] = []
        var pixelsEqual: Bool?
        var pixelError: DICOMError?
        var syntax: TransferSyntax?
        /// The first frame read at the offset the header-only parse found differs from the whole parse's.
        var locationMismatch: String?
    }

    /// A run reads a slice's pixels at the offset discovery's header parse found: that must give what
    /// the whole parse gives, or nothing (nil: parse it whole), never other values.
    static func compareLocation(_ bytes: [UInt8], whole file: DICOMFile) -> String? {
        var expected: [UInt16] = []
        guard (try? DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &expected)) != nil else { return nil }
        guard case .success(let header) = DICOMParser().parseHeaderSalvaging(bytes) else { return "the header alone does not parse" }
        guard let location = NativePixelLocation(header, fileSize: bytes.count) else {
            let syntax = file.transferSyntax
            return syntax.pixels == .native && !syntax.bigEndian && !syntax.deflated ? "no pixel location for a native little-endian file" : nil
        }
        var samples: [UInt16] = []
        do {
            guard try DICOMPixelDecoder().grayscaleFrame(0, at: location, in: bytes, into: &samples) != nil else { return "the location was not found again" }
        } catch {
            return "\(error)"
        }
        return samples == expected ? nil : "samples differ"
    }

    static func compare(_ record: PydicomReference.Record) -> Outcome {
        var outcome = Outcome()
        let file: DICOMFile
        do {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: record.file)))
            file = try DICOMParser().parse(bytes)
            outcome.locationMismatch = compareLocation(bytes, whole: file)
        } catch let error as DICOMError {
            outcome.parseError = error
            return outcome
        } catch {
            outcome.parseError = DICOMError(.malformed, "\(error)")
            return outcome
        }
        outcome.syntax = file.transferSyntax
        for (keyword, expected) in record.tags ?? [:] {
            let parts = keyword.split(separator: ".")
            var dataset = file.dataset
            if parts.count == 2 {
                guard let item = dataset.items(.radiopharmaceuticalInformationSequence).first else {
                    outcome.tagMismatches.append("\(keyword): no RadiopharmaceuticalInformationSequence item")
                    continue
                }
                dataset = item
            }
            guard let tag = DICOMDictionary.tag(keyword: String(parts.last!)) else {
                outcome.tagMismatches.append("\(keyword): not in the dictionary")
                continue
            }
            let got: PydicomReference.Record.Value
            if expected.numbers != nil {
                got = .init(numbers: dataset.doubles(tag))
            } else if expected.unparsable != nil {
                got = dataset.doubles(tag) == nil ? expected : .init(numbers: dataset.doubles(tag))
            } else {
                got = .init(text: dataset.strings(tag)?.joined(separator: "\\"))
            }
            if got != expected { outcome.tagMismatches.append("\(keyword): \(got) ≠ pydicom \(expected)") }
        }
        guard record.pixels != nil || record.pixelError != nil else { return outcome }
        do {
            let (_, bytes) = try DICOMPixelDecoder().allFrames(of: file)
            outcome.pixelsEqual = record.pixels.map { SHA256.hex(bytes) == $0.sha256 }
        } catch {
            outcome.pixelError = error
        }
        return outcome
    }

    /// Files the reader refuses on purpose, with the words its reason must contain.
    static let expectedRefusals: [String: String] = [
        "MR_truncated.dcm": "PixelData (7FE0,0010) declares 8192 bytes but only 8130 remain",
        "rtplan_truncated.dcm": "declares 976 bytes but only 711 remain",
        // A DICOMDIR whose offsets were cut out without updating the lengths around them.
        "DICOMDIR-nooffset": "declares 248 bytes but only 224 remain",
        "liver_1frame.dcm": "BitsAllocated (0028,0100) = 1",
        "liver_expb_1frame.dcm": "BitsAllocated (0028,0100) = 1",
        "liver.dcm": "BitsAllocated (0028,0100) = 1",
        "liver_expb.dcm": "BitsAllocated (0028,0100) = 1",
        "SC_ybr_full_422_uncompressed.dcm": "subsampled colour",
    ]

    @Test func pydicomTestFilesAgree() throws {
        let folder = try PydicomReference.pydicomFolder().appendingPathComponent("data")
        let records = try PydicomReference.records(for: [
            folder.appendingPathComponent("test_files").path, folder.appendingPathComponent("charset_files").path,
        ])
        #expect(records.count > 150, "pydicom's wheel holds more test files than \(records.count)")
        var summary: [String: [String]] = [:]
        for record in records {
            let name = URL(fileURLWithPath: record.file).lastPathComponent
            let outcome = Self.compare(record)
            let syntax = outcome.syntax?.name ?? "?"
            if record.error != nil {
                summary["pydicom cannot read", default: []].append(name + (outcome.parseError.map { " (we: \($0.reason))" } ?? " (we read it)"))
                continue
            }
            if let error = outcome.parseError {
                let expected = Self.expectedRefusals[name]
                #expect(expected != nil && error.description.contains(expected!), "\(name): refused: \(error)")
                summary["file refused", default: []].append("\(name): \(error.reason)")
                continue
            }
            #expect(outcome.locationMismatch == nil, "\(name) (\(syntax)): pixels at the header's offset: \(outcome.locationMismatch ?? "")")
            #expect(outcome.tagMismatches.isEmpty, "\(name) (\(syntax)): \(outcome.tagMismatches.joined(separator: "; "))")
            if !outcome.tagMismatches.isEmpty { summary["tags differ", default: []].append(name) }
            if record.pixels == nil, record.pixelError != nil {
                // pydicom without plugins decodes no JPEG: this reader must refuse those too, naming the syntax.
                if let error = outcome.pixelError {
                    if outcome.syntax?.pixels == .compressed {
                        #expect(error.reason.contains(outcome.syntax!.uid), "\(name): the refusal must name the transfer syntax: \(error)")
                    }
                    summary["neither decodes pixels (we: \(error.kind == .unsupported ? "unsupported" : error.reason))", default: []].append(name)
                } else {
                    summary["pydicom cannot decode pixels, we do", default: []].append(name)
                }
                continue
            }
            switch (outcome.pixelsEqual, outcome.pixelError) {
            case (true?, _): summary["pixels equal: \(syntax)", default: []].append(name)
            case (false?, _):
                Issue.record("\(name) (\(syntax)): pixel array differs from pydicom's")
                summary["pixels differ", default: []].append(name)
            case (nil, let error?):
                if outcome.syntax?.pixels == .compressed {
                    #expect(error.reason.contains(outcome.syntax!.uid), "\(name): the refusal must name the transfer syntax: \(error)")
                    summary["pixels refused: \(syntax)", default: []].append(name)
                } else {
                    let expected = Self.expectedRefusals[name]
                    #expect(expected != nil && error.description.contains(expected!), "\(name) (\(syntax)): pixels refused: \(error)")
                    summary["pixels refused (\(error.reason))", default: []].append(name)
                }
            case (nil, nil):
                if record.pixelError != nil { summary["pydicom cannot decode pixels", default: []].append(name) }
                else { summary["tags only (no pixel data)", default: []].append(name) }
            }
        }
        let report = summary.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.count)\n    \($0.value.sorted().joined(separator: ", "))" }
        print("pydicom comparison over \(records.count) files\n" + report.joined(separator: "\n"))
    }

    /// PET series written by pydicom in implicit and explicit VR, with defined and undefined lengths
    /// of the Radiopharmaceutical Information Sequence and its items: every tag and pixel equal.
    @Test func petSeriesWrittenByPydicomAgree() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pydicom-pet-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try PydicomReference.run("write_pet_series.py", [folder.path])
        let records = try PydicomReference.records(for: [folder.path])
        #expect(records.count == 12)
        for record in records {
            let outcome = Self.compare(record)
            #expect(outcome.parseError == nil, "\(record.file): \(String(describing: outcome.parseError))")
            #expect(outcome.tagMismatches.isEmpty, "\(record.file): \(outcome.tagMismatches)")
            #expect(outcome.pixelsEqual == true, "\(record.file): \(String(describing: outcome.pixelError))")
            #expect(outcome.locationMismatch == nil, "\(record.file): pixels at the header's offset: \(outcome.locationMismatch ?? "")")
            #expect(record.tags?["Drug.RadionuclideTotalDose"] != nil, "\(record.file): the sequence was read")
            #expect(record.tags?["PatientName"]?.text == "Müller^Jürgen")
        }
    }
}
