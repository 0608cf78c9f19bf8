import ArgumentParser
import DICOMStudy
import Foundation
import Inspection
import TriageCore
import TriagePipeline

/// `radtriage inspect PATH`: explains a study, a folder of studies, or one slice.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a study, a folder of studies, or one PNG slice: what was read, the values, what is wrong.",
        discussion: """
            Prints series, slice counts, sizes, value ranges, SUVmax with its position in mm, QC flags and how \
            SUV was computed. Exit code 0 when everything inspected is usable, 1 when something is not.
            """)

    @Argument(help: "A study folder, a folder of studies (PNG or DICOM, in any layout), or a PNG file.")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let target = try StudyInspector().inspect(path: path)
        let usable: Bool
        switch target {
        case .slice(let slice):
            usable = slice.isUsable
            try emit(slice, text: InspectionText.render(slice))
        case .studies(let pngStudies):
            // DICOM studies beside the PNG ones: a folder that holds DICOM files is not a PNG study without a sidecar.
            let sources = (try? StudySource.discover(at: URL(fileURLWithPath: path))) ?? []
            let dicomFiles = sources.compactMap { if case .dicom(let files) = $0 { files } else { nil } }
            let pngPaths = Set(sources.compactMap { if case .sidecarFolder(let folder) = $0 { folder.standardizedFileURL.path } else { nil } })
            let unreadable = sources.compactMap { if case .unreadableDICOM(let file) = $0 { UnreadableDICOMFile(file) } else { nil } }
            let studies = dicomFiles.isEmpty && unreadable.isEmpty
                ? pngStudies : pngStudies.filter { pngPaths.contains(URL(fileURLWithPath: $0.path).standardizedFileURL.path) }
            let dicom = dicomFiles.map { DICOMInspection($0, options: DICOMReadingOptions()) }
            usable = studies.allSatisfy(\.isUsable) && dicom.allSatisfy(\.isUsable) && unreadable.isEmpty && !(studies.isEmpty && dicom.isEmpty)
            if json {
                // One array: PNG study inspections, then DICOM ones and unreadable DICOM files (marked `"format": "dicom"`).
                try emit(studies.map(InspectedStudy.png) + dicom.map(InspectedStudy.dicom) + unreadable.map(InspectedStudy.unreadable), text: "")
            } else if studies.isEmpty && dicom.isEmpty && unreadable.isEmpty {
                print("\(path): no study folders found")
            } else {
                print((studies.map(InspectionText.render) + dicom.map(\.text) + unreadable.map(\.text)).joined(separator: "\n\n"))
            }
        }
        if !usable { throw ExitCode.someInputUnusable }
    }

    private func emit<Value: Encodable>(_ value: Value, text: String) throws {
        guard json else {
            print(text)
            return
        }
        print(String(decoding: try JSONFormat.readable().encode(value), as: UTF8.self))
    }
}

/// A file that looks like DICOM but whose header breaks before it names its study.
private struct UnreadableDICOMFile: Encodable {
    let format = "dicom"
    let path: String
    let problems: [InputProblem]
    let usable = false

    init(_ file: DICOMDiscovery.UnreadableFile) {
        path = file.url.path
        problems = [InputProblem(file: file.url.path, message: file.reason)]
    }

    var text: String { "DICOM file \(path): not read, its study unknown\n  \(problems[0].message)\n  NOT usable" }
}

/// A study of either format in `inspect --json`'s array, encoded as its own inspection.
private enum InspectedStudy: Encodable {
    case png(StudyInspection)
    case dicom(DICOMInspection)
    case unreadable(UnreadableDICOMFile)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .png(let study): try container.encode(study)
        case .dicom(let study): try container.encode(study)
        case .unreadable(let file): try container.encode(file)
        }
    }
}
