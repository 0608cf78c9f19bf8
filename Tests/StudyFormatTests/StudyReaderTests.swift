import Foundation
import Testing
import TriageCore
@testable import StudyFormat

@Suite struct StudyReaderTests {
    @Test func readsAValidStudyWithResolvedDatesAndNaturalSliceOrder() throws {
        let fixture = try StudyFolderFixture(sidecar: validPETSidecar)
        defer { fixture.remove() }
        let study = try StudyReader().read(folder: fixture.folder)
        #expect(study.identity.studyId == "S0001")
        #expect(study.context.orderedPriority == .urgent)
        #expect(study.patientWeightKg == 72.5)
        #expect(study.warnings.isEmpty)
        let series = try #require(study.series.first)
        #expect(series.slices.map(\.fileName) == ["1.png", "2.png", "10.png"])
        #expect(series.slices.allSatisfy { $0.rescaleSlope == 2.0 && $0.rescaleIntercept == 0 })
        #expect(series.pixelSpacingMm == PixelSpacing(rowMm: 4.0, columnMm: 3.5))
        #expect(series.sliceSpacingMm == 3.0, "slice spacing defaults to the thickness")
        // 01:30 CET (UTC+1) on the morning of the March change is 00:30 UTC.
        #expect(study.context.acquired == Date(timeIntervalSince1970: 1_774_744_200))
        // 01:30 CET → 03:30 CEST is one hour of real time, not two: the zone's rules apply.
        let received = try #require(study.context.received)
        let acquired = try #require(study.context.acquired)
        #expect(received.timeIntervalSince(acquired) == 3600)
        let drug = try #require(series.radiopharmaceutical)
        #expect(drug.radionuclide == "F-18")
        #expect(drug.injectedActivityMBq == 350)
        #expect(drug.injection == .dateTime(Date(timeIntervalSince1970: 1_774_744_200 - 3600)))
    }

    @Test func explicitSliceListSetsOrderAndPerSliceValues() throws {
        let sidecar = validPETSidecar.replacingOccurrences(of: "\"decayCorrection\": \"START\",", with: """
            "decayCorrection": "START",
            "slices": [
              {"file": "10.png", "rescaleSlope": 0.5, "acquisitionDateTime": "2026-03-29T01:31:00"},
              {"file": "2.png", "rescaleIntercept": -3},
              {"file": "1.png"}
            ],
            """)
        let fixture = try StudyFolderFixture(sidecar: sidecar)
        defer { fixture.remove() }
        let series = try #require(try StudyReader().read(folder: fixture.folder).series.first)
        #expect(series.slices.map(\.fileName) == ["10.png", "2.png", "1.png"])
        #expect(series.slices.map(\.rescaleSlope) == [0.5, 2.0, 2.0])
        #expect(series.slices.map(\.rescaleIntercept) == [0, -3, 0])
        #expect(series.slices[0].acquisitionDate != nil && series.slices[1].acquisitionDate == nil)
    }

    @Test func collectsEveryProblemWithFileFieldAndValue() throws {
        let sidecar = """
            {
              "schemaVersion": 2,
              "studyId": "",
              "orderedPriority": "asap",
              "timeZone": "Mars/Olympus",
              "acquisitionDateTime": "2026-02-30T10:00:00",
              "patientWeight": 70,
              "series": [
                {"folder": "../etc", "modality": "PT", "pixelSpacingMm": [4], "sliceThicknessMm": -1, "rescaleSlope": 0},
                {"folder": "PT", "modality": 5, "pixelSpacingMm": [4, 4], "sliceThicknessMm": 3,
                 "radiopharmaceutical": {"radionuclide": "F-18", "injectionTime": "25:00"}}
              ]
            }
            """
        let fixture = try StudyFolderFixture(sidecar: sidecar)
        defer { fixture.remove() }
        let error = try #require(throws: StudyReadError.self) { try StudyReader().read(folder: fixture.folder) }
        let byField = Dictionary(grouping: error.problems, by: { $0.field ?? "" })
        let expected: [(field: String, value: String?, fragment: String)] = [
            ("$.schemaVersion", "2", "unsupported schema version"),
            ("$.studyId", "\"\"", "must not be empty"),
            ("$.orderedPriority", "\"asap\"", "stat, urgent, routine"),
            ("$.timeZone", "\"Mars/Olympus\"", "IANA"),
            ("$.acquisitionDateTime", "\"2026-02-30T10:00:00\"", "ISO 8601"),
            ("$.series[0].folder", "\"../etc\"", "plain name"),
            ("$.series[0].pixelSpacingMm", "[4]", "two numbers"),
            ("$.series[0].sliceThicknessMm", "-1", "greater than zero"),
            ("$.series[0].rescaleSlope", "0", "erases every value"),
            ("$.series[1].modality", "5", "expected a string"),
            ("$.series[1].radiopharmaceutical.injectionTime", "\"25:00\"", "time of day"),
        ]
        for item in expected {
            let problem = try #require(byField[item.field]?.first, "no problem reported for \(item.field)")
            #expect(problem.severity == .error)
            #expect(problem.file == fixture.sidecarPath)
            #expect(problem.value == item.value, "\(item.field)")
            #expect(problem.message.contains(item.fragment), "\(item.field): \(problem.message)")
        }
        let unknown = try #require(byField["$.patientWeight"]?.first)
        #expect(unknown.severity == .warning && unknown.message.contains("unknown field"))
        #expect(error.errors.count == expected.count)
    }

    @Test func missingEmptyAndMalformedSidecarsAreReported() throws {
        let cases: [(sidecar: String?, fragment: String)] = [
            (nil, "study.json not found"),
            ("", "file is empty"),
            ("{\"schemaVersion\": 1,", "not valid JSON"),
            ("[1, 2]", "expected an object, found an array"),
            ("{\"schemaVersion\": 1, \"studyId\": \"S\"}", "a study needs at least one series"),
        ]
        for item in cases {
            let fixture = try StudyFolderFixture(sidecar: item.sidecar)
            defer { fixture.remove() }
            let error = try #require(throws: StudyReadError.self) { try StudyReader().read(folder: fixture.folder) }
            let first = try #require(error.errors.first)
            #expect(first.file == fixture.sidecarPath)
            #expect(first.message.contains(item.fragment), "\(first.message)")
        }
    }

    @Test func sliceListProblemsNameTheSlice() throws {
        let sidecar = validPETSidecar.replacingOccurrences(of: "\"decayCorrection\": \"START\",", with: """
            "decayCorrection": "START",
            "slices": [{"file": "1.png"}, {"file": "1.png"}, {"file": "missing.png"}, {"file": "sub/2.png"}],
            """)
        let fixture = try StudyFolderFixture(sidecar: sidecar)
        defer { fixture.remove() }
        let error = try #require(throws: StudyReadError.self) { try StudyReader().read(folder: fixture.folder) }
        let messages = error.errors.map { "\($0.field ?? ""): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("$.series[0].slices[1].file") && $0.contains("listed twice") })
        #expect(messages.contains { $0.hasPrefix("$.series[0].slices[2].file") && $0.contains("not found") })
        #expect(messages.contains { $0.hasPrefix("$.series[0].slices[3].file") && $0.contains("plain name") })
        // 2.png and 10.png are present but not listed: a warning, not an error.
        #expect(error.problems.contains { $0.severity == .warning && $0.message.contains("2 PNG file(s)") })
    }

    @Test func seriesFolderWithoutSlicesOrMissingIsAnError() throws {
        let empty = try StudyFolderFixture(sidecar: validPETSidecar, seriesFiles: ["PT": ["notes.txt"]])
        defer { empty.remove() }
        let noSlices = try #require(throws: StudyReadError.self) { try StudyReader().read(folder: empty.folder) }
        #expect(noSlices.errors.first?.message.contains("no PNG slices") == true)

        let missing = try StudyFolderFixture(sidecar: validPETSidecar, seriesFiles: [:])
        defer { missing.remove() }
        let noFolder = try #require(throws: StudyReadError.self) { try StudyReader().read(folder: missing.folder) }
        #expect(noFolder.errors.first?.field == "$.series[0].folder")
        #expect(noFolder.errors.first?.message.contains("series folder not found") == true)
    }

    @Test func timeOfDayInjectionIsKeptForTheQuantificationToPlace() throws {
        let sidecar = validPETSidecar.replacingOccurrences(
            of: "\"injectionDateTime\": \"2026-03-29T00:30:00\"", with: "\"injectionTime\": \"23:45:30.5\"")
        let fixture = try StudyFolderFixture(sidecar: sidecar)
        defer { fixture.remove() }
        let drug = try #require(try StudyReader().read(folder: fixture.folder).series.first?.radiopharmaceutical)
        #expect(drug.injection == .timeOfDay(hour: 23, minute: 45, second: 30.5))
    }

    @Test func discoveryFindsStudiesInNaturalOrderAndKeepsFoldersWithoutSidecar() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-discovery-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["S10", "S2", ".hidden", "S1"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try Data().write(to: root.appendingPathComponent("README.txt"))
        #expect(try StudyDiscovery.studyFolders(at: root).map(\.lastPathComponent) == ["S1", "S2", "S10"])
        let single = root.appendingPathComponent("S1")
        try Data("{}".utf8).write(to: single.appendingPathComponent("study.json"))
        #expect(try StudyDiscovery.studyFolders(at: single) == [single])
        #expect(throws: StudyDiscovery.NotADirectory.self) {
            try StudyDiscovery.studyFolders(at: root.appendingPathComponent("README.txt"))
        }
    }
}
