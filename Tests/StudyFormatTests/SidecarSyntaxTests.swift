import Foundation
import Testing
import TriageCore
@testable import StudyFormat

/// Syntax errors in a sidecar say where they are (Foundation's decoder said only "not valid JSON").
@Suite struct SidecarSyntaxTests {
    static let folder = URL(fileURLWithPath: "/nonexistent/S1")

    @Test(arguments: [
        ("{\"schemaVersion\": 1e999}", "line 1, column 19: the number 1e999 is out of range"),
        ("{\"schemaVersion\": NaN}", "line 1, column 19: 'NaN' is not a JSON value (JSON has no NaN or infinity)"),
        (String(repeating: "[", count: 100), "line 1, column 65: nested more than 64 levels deep"),
        ("{\n  \"studyId\": \"x\",, }", "line 2, column 18: expected a field name in double quotes"),
        ("{\"a\": 1, \"a\": 2}", "line 1, column 10: the field \"a\" appears twice"),
        ("{\"a\": \"tab\there\"}", "line 1, column 11: a control character in a string must be escaped"),
        ("{\"a\": 01}", "line 1, column 8: expected ',' or '}' in an object"),
    ] as [(String, String)])
    func syntaxErrorsSayWhere(text: String, expected: String) {
        #expect(throws: JSONText.SyntaxError.self) { try JSONText.parse(Array(text.utf8)) }
        do {
            _ = try StudyReader().read(sidecar: Data(text.utf8), folder: Self.folder)
            Issue.record("accepted \(text)")
        } catch {
            let message = error.problems.first?.message ?? ""
            #expect(message.hasPrefix("not valid JSON: ") && message.contains(expected), "\(message)")
        }
    }

    /// On valid documents the reader gives what Foundation's decoder gives.
    @Test func validDocumentsReadAsFoundationReadsThem() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var documents = try ["S0001", "S0002", "S0003"].map { try Data(contentsOf: repository.appendingPathComponent("SampleData/\($0)/study.json")) }
        documents += [
            #"{"s": "\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t", "n": [-0, 0.5, -1.25e-3, 1E+2, 123456789012345678901234567890], "e": {}, "a": [], "t": true, "f": false, "z": null}"#,
            "  [1 , 2\n,3]  ", "\"text\"", "-7",
        ].map { Data($0.utf8) }
        for document in documents {
            let foundation = try JSONDecoder().decode(JSONValue.self, from: document)
            #expect(try JSONText.parse([UInt8](document)) == foundation)
        }
    }
}
