import ArgumentParser
import Foundation
import Inspection

/// `radtriage inspect PATH`: explains a study, a folder of studies, or one slice.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a study, a folder of studies, or one PNG slice: what was read, the values, what is wrong.",
        discussion: """
            Prints series, slice counts, sizes, value ranges, SUVmax with its position in mm, QC flags and how \
            SUV was computed. Exit code 0 when everything inspected is usable, 1 when something is not.
            """)

    @Argument(help: "A study folder, a folder of studies, or a PNG file.")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let target: StudyInspector.Target
        do {
            target = try StudyInspector().inspect(path: path)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode.someInputUnusable
        }
        let usable: Bool
        switch target {
        case .slice(let slice):
            usable = slice.isUsable
            try emit(slice, text: InspectionText.render(slice))
        case .studies(let studies):
            usable = studies.allSatisfy(\.isUsable) && !studies.isEmpty
            if json {
                try emit(studies, text: "")
            } else if studies.isEmpty {
                print("\(path): no study folders found")
            } else {
                print(studies.map(InspectionText.render).joined(separator: "\n\n"))
            }
        }
        if !usable { throw ExitCode.someInputUnusable }
    }

    private func emit<Value: Encodable>(_ value: Value, text: String) throws {
        guard json else {
            print(text)
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
