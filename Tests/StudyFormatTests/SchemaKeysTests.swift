import Foundation
import StudyFormat
import Testing

/// The sidecar's keys have one source, the Codable types' CodingKeys: the reader accepts those, and the
/// JSON Schema (Docs/study.schema.json) must list exactly those.
struct SchemaKeysTests {
    static func schema() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/study.schema.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func properties(_ object: [String: Any]?) -> Set<String> {
        Set(((object?["properties"] as? [String: Any]) ?? [:]).keys)
    }

    @Test func theSchemaListsTheKeysOfEveryObject() throws {
        let schema = try Self.schema()
        let definitions = schema["$defs"] as? [String: Any]
        #expect(Self.properties(schema) == StudySidecar.keys)
        #expect(Self.properties(definitions?["series"] as? [String: Any]) == SeriesSidecar.keys)
        #expect(Self.properties(definitions?["slice"] as? [String: Any]) == SliceSidecar.keys)
        #expect(Self.properties(definitions?["radiopharmaceutical"] as? [String: Any]) == RadiopharmaceuticalSidecar.keys)
    }
}
