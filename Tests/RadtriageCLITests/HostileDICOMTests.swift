import Foundation
import Testing

/// Hostile DICOM through the built executable, the issue's list: one slice of a DICOM study spoiled, a
/// sound DICOM study beside it. The spoiled study fails with a reason naming the element and its
/// length or value, its row still shows its priority and site; the sound one is scored; the run exits 1.
@Suite(.tags(.endToEnd), .serialized) struct HostileDICOMTests {
    /// One top-level element of an explicit VR little-endian file with defined lengths, as `synth
    /// --format dicom` writes it; walked here, independently of the reader under test.
    struct Element {
        var group: UInt16
        var element: UInt16
        var start: Int
        var lengthAt: Int
        var value: Range<Int>
    }

    static let longVRs: Set<String> = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]

    static func le16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    static func le32(_ b: [UInt8], _ at: Int) -> Int { le16(b, at) | le16(b, at + 2) << 16 }

    /// The top-level elements after the preamble, the meta group's and the data set's, up to PixelData.
    static func elements(_ b: [UInt8]) throws -> [Element] {
        var offset = 132
        var found: [Element] = []
        while offset + 8 <= b.count {
            let vr = String(decoding: b[offset + 4..<offset + 6], as: UTF8.self)
            let long = longVRs.contains(vr)
            let lengthAt = offset + (long ? 8 : 6)
            let length = long ? le32(b, lengthAt) : le16(b, lengthAt)
            try #require(length != 0xFFFF_FFFF, "synth writes defined lengths")
            let valueStart = offset + (long ? 12 : 8)
            let element = Element(group: UInt16(le16(b, offset)), element: UInt16(le16(b, offset + 2)), start: offset, lengthAt: lengthAt,
                                  value: valueStart..<valueStart + length)
            found.append(element)
            if element.group == 0x7FE0 { break }
            offset = element.value.upperBound
        }
        return found
    }

    static func find(_ elements: [Element], _ group: UInt16, _ element: UInt16) throws -> Element {
        try #require(elements.first { $0.group == group && $0.element == element }, "(\(group), \(element)) in the synth file")
    }

    static func write32(_ value: UInt32, into b: inout [UInt8], at: Int) {
        for index in 0..<4 { b[at + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    /// Each case: a label, how it spoils a slice's bytes, and what the failed study's reason must say.
    static let cases: [(label: String, spoil: @Sendable ([UInt8]) throws -> [UInt8], reason: [String])] = [
        ("truncated in the pixel data", { b in
            let pixels = try find(elements(b), 0x7FE0, 0x0010)
            return Array(b[..<(pixels.value.lowerBound + pixels.value.count / 2)])
        }, ["PixelData (7FE0,0010) declares", "remain"]),
        ("a length past the end", { b in
            var b = b
            let rows = try find(elements(b), 0x0028, 0x0010)
            (b[rows.lengthAt], b[rows.lengthAt + 1]) = (0xF0, 0xFF)
            return b
        }, ["Rows (0028,0010) declares 65520 bytes"]),
        ("a length of 2^32 - 2", { b in
            var b = b
            let drug = try find(elements(b), 0x0054, 0x0016)
            write32(0xFFFF_FFFE, into: &b, at: drug.lengthAt)
            return b
        }, ["declares 4294967294 bytes"]),
        ("a sequence nested 10^5 deep", { b in
            let drug = try find(elements(b), 0x0054, 0x0016)
            // RadiopharmaceuticalInformationSequence, undefined length, holding an undefined-length item that
            // holds the same again, 10^5 times.
            let open: [UInt8] = [0x54, 0x00, 0x16, 0x00] + Array("SQ".utf8) + [0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
                + [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
            var nested = Array(b[..<drug.start])
            nested.reserveCapacity(nested.count + open.count * 100_000)
            for _ in 0..<100_000 { nested += open }
            return nested
        }, ["nested more than 32 levels"]),
        ("a tag out of order", { b in
            let found = try elements(b)
            let rows = try find(found, 0x0028, 0x0010), columns = try find(found, 0x0028, 0x0011)
            try #require(rows.value.upperBound == columns.start, "Rows and Columns are adjacent")
            return Array(b[..<rows.start]) + Array(b[columns.start..<columns.value.upperBound]) + Array(b[rows.start..<rows.value.upperBound])
                + Array(b[columns.value.upperBound...])
        }, ["Rows (0028,0010) follows Columns (0028,0011)"]),
        ("pixel data shorter than Rows × Columns", { b in
            var b = b
            let rows = try find(elements(b), 0x0028, 0x0010)
            b[rows.value.lowerBound] &+= 1
            return b
        }, ["PixelData (7FE0,0010) holds", "needs"]),
    ]

    @Test(arguments: cases.indices)
    func aHostileDICOMSliceFailsItsStudyAndTheOtherIsScored(index: Int) throws {
        let (label, spoil, expected) = Self.cases[index]
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: studies)
            try? FileManager.default.removeItem(at: out)
        }
        let synth = try ExecutableRunner.run(["synth", "--out", studies.path, "--studies", "2", "--slices", "8", "--matrix", "48",
                                              "--seed", "41", "--format", "dicom"])
        try #require(synth.status == 0, "\(synth.stderr)")
        let slice = try #require(try FileManager.default.contentsOfDirectory(atPath: studies.appendingPathComponent("S0002/PT").path).sorted().dropFirst(3).first)
        let url = studies.appendingPathComponent("S0002/PT").appendingPathComponent(slice)
        let original = try [UInt8](Data(contentsOf: url))
        let uid = try Self.find(Self.elements(original), 0x0020, 0x000D)
        let badUID = String(decoding: original[uid.value], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\0 "))
        try Data(spoil(original)).write(to: url)

        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--log-format", "json"])
        print("hostile DICOM \(label): exit \(run.status), peak \(String(format: "%.1f", run.peakMB)) MB, \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 1, "\(label): \(run.stderr)")
        #expect(run.peakMB < 300, "\(label): peak \(run.peakMB) MB")
        let worklist = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        let rows = try #require(worklist["rows"] as? [[String: Any]])
        #expect(rows.count == 2, "\(label): \(rows)")
        let bad = try #require(rows.first { $0["studyId"] as? String == badUID }, "\(label): \(rows)")
        let good = try #require(rows.first { $0["studyId"] as? String != badUID })
        #expect(good["status"] as? String == "scored", "\(label): the study beside it is scored")
        #expect(bad["status"] as? String == "failed")
        let reason = bad["reason"] as? String ?? ""
        #expect(reason.contains(slice), "\(label): the reason names the file: \(reason)")
        for text in expected { #expect(reason.contains(text), "\(label): \(reason)") }
        // The failed study still shows who it is and how urgent: from the tags of its other slices.
        #expect((bad["site"] as? String)?.isEmpty == false, "\(label): \(bad)")
        #expect(bad["priorityClass"] as? String != nil, "\(label): \(bad)")
        #expect((bad["accession"] as? String)?.hasPrefix("ACC") == true, "\(label): \(bad)")
        // What was not mapped stays visible on the failed row: no organ-centre patterns are configured.
        let flags = bad["flags"] as? [String] ?? []
        #expect(flags.contains { $0.contains("StudyDescription (0008,1030) = PET/CT") && $0.contains("no organ-centre patterns configured") },
                "\(label): \(flags)")
    }

    @Test func aFileBrokenBeforeItNamesItsStudyFailsOnItsOwn() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: studies)
            try? FileManager.default.removeItem(at: out)
        }
        let synth = try ExecutableRunner.run(["synth", "--out", studies.path, "--studies", "1", "--slices", "8", "--matrix", "48",
                                              "--seed", "41", "--format", "dicom"])
        try #require(synth.status == 0, "\(synth.stderr)")
        let stray = studies.appendingPathComponent("export/IM0001.dcm")
        try FileManager.default.createDirectory(at: stray.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not DICOM at all, only a name that says so".utf8).write(to: stray)

        let run = try ExecutableRunner.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--log-format", "json"])
        #expect(run.status == 1, "\(run.stderr)")
        let worklist = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        let rows = try #require(worklist["rows"] as? [[String: Any]])
        #expect(rows.count == 2, "\(rows)")
        #expect(rows.filter { $0["status"] as? String == "scored" }.count == 1)
        let failed = try #require(rows.first { $0["status"] as? String == "failed" })
        let reason = failed["reason"] as? String ?? ""
        #expect(reason.contains("IM0001.dcm") && reason.contains("the header does not parse: not a DICOM file"), "\(reason)")

        let inspect = try ExecutableRunner.run(["inspect", studies.path, "--json"])
        #expect(inspect.status == 1)
        let inspected = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [[String: Any]])
        #expect(inspected.count == 2, "\(inspect.stdout)")
        #expect(inspected.filter { $0["format"] as? String == "dicom" && $0["usable"] as? Bool == false }.count == 1)
    }
}
