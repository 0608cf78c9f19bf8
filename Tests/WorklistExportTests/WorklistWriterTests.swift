import CSV
import Foundation
import Testing
import TriageCore
@testable import WorklistExport

/// Identifiers full of markup, quotes, commas, newlines and non-ASCII text come out escaped in HTML,
/// and intact when the CSV and JSON are parsed back.
@Suite struct WorklistWriterTests {
    static let hostile = [
        "<script>alert('x')</script>", "Müller, \"Hans\"\nline two", "S-0001 ☢ 放射", "a,b;c\r\nd", "&amp; <b>bold</b>",
    ]

    static func row(_ rank: Int, id: String, patient: String, status: WorklistRow.Status = .scored) -> WorklistRow {
        WorklistRow(
            rank: rank, studyId: id, accession: "ACC,\(rank)", patientId: patient, site: "Nord \"A\"", centre: "lung", pool: nil,
            priorityClass: "stat", dicomPriority: "STAT", hl7Priority: "S", fhirPriority: "stat", triageScore: 91.25,
            scoreComponents: ["model": 40], modelProbability: status == .scored ? 0.93 : nil, suvMax: 9.4,
            suvMaxPositionMm: PositionMm(x: 1, y: 2, z: 312), suvPeak: 7.5, hotVolumeMl: 12, keySlices: [3, 4], keySliceFiles: ["0004.png", "0005.png"],
            board: Date(timeIntervalSince1970: 1_790_000_000), deadline: Date(timeIntervalSince1970: 1_789_992_800), hoursWaiting: 5.25,
            overdue: false, status: status, reason: "model 0.93; \(patient)", modelId: "m@1", thumbnailPNG: [137, 80, 78, 71])
    }

    static var worklist: Worklist {
        Worklist(generatedAt: Date(timeIntervalSince1970: 1_789_900_000), modelId: "m@1", weightsSHA256: "ab", pool: nil,
                 rows: hostile.enumerated().map { row($0 + 1, id: $1, patient: hostile[(($0 + 1) % hostile.count)], status: $0 == 4 ? .failed : .scored) })
    }

    @Test func csvParsesBackIntact() throws {
        let text = try WorklistWriter.csv(Self.worklist)
        #expect(text.hasPrefix("rank,study_id,accession,patient_id,site,centre,pool,priority_class,dicom_priority,hl7_priority,fhir_priority,triage_score,model_probability,suv_max,"))
        #expect(text.contains("\r\n"), "RFC 4180 line ends")
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        var parsed: [[String]] = []
        while let fields = reader.next() { parsed.append(fields) }
        #expect(parsed.count == Self.hostile.count)
        for (index, fields) in parsed.enumerated() {
            let row = Self.worklist.rows[index]
            #expect(fields.count == WorklistWriter.csvColumns.count)
            #expect(fields[1] == row.studyId && fields[2] == row.accession && fields[3] == row.patientId && fields[4] == row.site)
            #expect(fields[WorklistWriter.csvColumns.firstIndex(of: "reason")!] == row.reason)
            #expect(fields[WorklistWriter.csvColumns.firstIndex(of: "key_slices")!] == "3 4")
        }
    }

    @Test func jsonParsesBackIntact() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(Worklist.self, from: WorklistWriter.json(Self.worklist))
        #expect(decoded.schemaVersion == 1)
        #expect(decoded.rows.map(\.studyId) == Self.hostile)
        #expect(decoded.rows.map(\.patientId) == Self.worklist.rows.map(\.patientId))
        #expect(decoded.rows[0].thumbnailPNG == nil, "thumbnails are for the page only")
        #expect(decoded.rows[0].board == Self.worklist.rows[0].board)
    }

    /// Board times on the page are the board's own wall clock with its zone, across the clock change:
    /// the worklist's reasons speak local time, so the board column does too.
    @Test func thePageShowsBoardTimesInTheBoardsZone() {
        let winter = ISO8601DateFormatter().date(from: "2026-11-24T15:30:00Z")!
        let summer = ISO8601DateFormatter().date(from: "2026-06-23T14:30:00Z")!
        #expect(WorklistPage.localTime(winter, zone: "Europe/Berlin") == "Tue 24 Nov 16:30 Europe/Berlin (UTC+01:00)")
        #expect(WorklistPage.localTime(summer, zone: "Europe/Berlin") == "Tue 23 Jun 16:30 Europe/Berlin (UTC+02:00)")
        #expect(WorklistPage.localTime(winter, zone: "America/New_York") == "Tue 24 Nov 10:30 America/New_York (UTC-05:00)")
        #expect(WorklistPage.localTime(winter, zone: nil) == "Tue 24 Nov 15:30 UTC")
        var worklist = Self.worklist
        worklist.rows[0].board = winter
        worklist.rows[0].deadline = winter.addingTimeInterval(-2 * 3600)
        worklist.rows[0].boardTimeZone = "Europe/Berlin"
        let html = WorklistPage.html(worklist)
        #expect(html.contains("Tue 24 Nov 16:30 Europe/Berlin (UTC+01:00)"))
        #expect(html.contains("ready by Tue 24 Nov 14:30 Europe/Berlin (UTC+01:00)"))
        #expect(!html.contains("2026-11-24T15:30:00Z"))
    }

    @Test func htmlEscapesEveryText() {
        let html = WorklistPage.html(Self.worklist)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") || html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(html.contains("S-0001 ☢ 放射"))
        #expect(html.contains("data:image/png;base64,iVBORw=="), "the thumbnail is embedded")
        #expect(html.contains("Failed studies"))
        // Every opening <tr> closes: the hostile newlines did not break the structure.
        #expect(html.components(separatedBy: "<tr").count == html.components(separatedBy: "</tr>").count)
    }

    /// Entities in the input are shown as typed: "&amp;" reads "&amp;" on the page, "&lt;i&gt;" reads "&lt;i&gt;".
    @Test func htmlShowsInputTextExactlyAsGiven() {
        var worklist = Self.worklist
        worklist.rows[0].studyId = "&amp; &lt;i&gt; &#60;"
        worklist.pool = "a&b"
        let html = WorklistPage.html(worklist)
        #expect(html.contains("&amp;amp; &amp;lt;i&amp;gt; &amp;#60;"))
        #expect(html.contains("<title>radtriage worklist — pool a&amp;b</title>"))
        #expect(!html.contains("<b>bold</b>") && html.contains("&amp;amp; &lt;b&gt;bold&lt;/b&gt;"))
    }

    /// Cells a spreadsheet would evaluate get a leading apostrophe; numbers stay numbers.
    @Test(arguments: ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
    func csvCellsAreNeutralisedAgainstFormulaInjection(text: String) throws {
        var worklist = Self.worklist
        worklist.rows[0].studyId = text
        worklist.rows[0].reason = text
        worklist.rows[0].suvMax = -1.5
        let reader = try CSVReader(string: try WorklistWriter.csv(worklist), hasHeaderRow: true)
        let fields = try #require(reader.next())
        #expect(fields[1] == "'" + text)
        #expect(fields[WorklistWriter.csvColumns.firstIndex(of: "reason")!] == "'" + text)
        #expect(fields[WorklistWriter.csvColumns.firstIndex(of: "suv_max")!] == "-1.50")
    }

    /// The out-of-distribution warning stands at the top of the page, before the table; the focal
    /// candidates appear in their row; a page without warnings has no warning block.
    @Test func runWarningsLeadThePageAndFocalUptakeIsShownPerRow() throws {
        var worklist = Self.worklist
        worklist.warnings = ["the model's scores look <unlike> its validation studies"]
        worklist.rows[0].focalUptake = ["focal uptake SUVmax 7.2, SUVpeak 5.1, 1.4 mL, at 312 mm"]
        let html = WorklistPage.html(worklist)
        let warning = try #require(html.range(of: "the model&#39;s scores look &lt;unlike&gt; its validation studies")
                                    ?? html.range(of: "the model's scores look &lt;unlike&gt; its validation studies"))
        let table = try #require(html.range(of: "<table"))
        #expect(warning.lowerBound < table.lowerBound)
        #expect(html.contains("class=\"warning\""))
        #expect(html.contains("focal uptake SUVmax 7.2, SUVpeak 5.1, 1.4 mL, at 312 mm"))
        #expect(!WorklistPage.html(Self.worklist).contains("class=\"warning\""))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(Worklist.self, from: WorklistWriter.json(worklist))
        #expect(decoded.warnings == worklist.warnings && decoded.rows[0].focalUptake == worklist.rows[0].focalUptake)
    }

    @Test func filesAreReplacedAtomicallyAndPoolNamesStayInside() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-worklist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("old".utf8).write(to: folder.appendingPathComponent("worklist.csv"))
        var worklist = Self.worklist
        let written = try WorklistWriter(directory: folder).write(worklist)
        #expect(written.map(\.lastPathComponent) == ["worklist.csv", "worklist.json", "worklist.html"])
        #expect(try String(contentsOf: folder.appendingPathComponent("worklist.csv"), encoding: .utf8).hasPrefix("rank,"))
        worklist.pool = "../../etc/north"
        let pool = try WorklistWriter(directory: folder).write(worklist)
        #expect(pool.allSatisfy { $0.deletingLastPathComponent().path == folder.path })
        #expect(pool.first?.lastPathComponent == "worklist-______etc_north.csv")
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func anUnwritableDirectoryIsAClearError() throws {
        let folder = URL(fileURLWithPath: "/nonexistent/radtriage-out")
        #expect(throws: WorklistWriter.WriteError.self) { try WorklistWriter(directory: folder).write(Self.worklist) }
    }

    /// The error names the file and the cause, and no temporary file stays behind.
    @Test func writeErrorsNameTheFileAndTheCause() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/radtriage-out")
        #expect { try WorklistWriter(directory: missing).write(Self.worklist) } throws: { error in
            "\(error)" == "/nonexistent/radtriage-out/worklist.csv: cannot write: No such file or directory"
        }
        // A folder where worklist.json should go: the rename onto it fails after all files were staged.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-worklist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("worklist.json"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect { try WorklistWriter(directory: folder).write(Self.worklist) } throws: { error in
            "\(error)" == "\(folder.path)/worklist.json: cannot write: Is a directory"
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".tmp-") }.isEmpty)
    }

    /// Temporary files a killed run left are removed; nothing else is.
    @Test func leftoversOfAKilledRunAreRemoved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-worklist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in [".tmp-worklist.csv.4242", ".tmp-worklist-north.html.17", ".radtriage.lock", "worklist.csv", "notes.tmp-worklist"] {
            try Data("x".utf8).write(to: folder.appendingPathComponent(name))
        }
        WorklistWriter(directory: folder).removeLeftovers()
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == [".radtriage.lock", "worklist.csv", "notes.tmp-worklist"])
    }
}
