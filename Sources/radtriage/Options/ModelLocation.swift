import ArgumentParser
import Foundation
import Scoring
import TriageCore

/// Where the scoring model is: `--model`, else `$RADTRIAGE_MODEL`, else the default model shipped in
/// the repository's `Models/` (found next to the executable when run from a build folder, or in the
/// current directory), else the shared install location.
enum ModelLocation {
    static let defaultModelName = "pet-default"

    static func resolve(_ option: String?) -> (url: URL?, searched: [String]) {
        if let option { return (URL(fileURLWithPath: option), [option]) }
        if let environment = ProcessInfo.processInfo.environment["RADTRIAGE_MODEL"], !environment.isEmpty {
            return (URL(fileURLWithPath: environment), [environment])
        }
        var candidates: [URL] = []
        // .build/<configuration>/radtriage → the repository root is two or three folders up.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("Models/\(defaultModelName)"))
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Models/\(defaultModelName)"))
        candidates.append(URL(fileURLWithPath: "/usr/local/share/radtriage/models/\(defaultModelName)"))
        let found = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }
        return (found, candidates.map(\.path))
    }

    /// No model where the search looked.
    struct NotFound: UserFacingError {
        let searched: [String]
        var file: String? { nil }
        var what: String { "no model found; looked in:\n  \(searched.joined(separator: "\n  "))\nGive one with --model DIR." }
        var description: String { what }
    }

    /// The model `--model` (or the default search) names, loaded and validated.
    static func load(_ option: String?) throws -> ScoringModel {
        let location = resolve(option)
        guard let folder = location.url else { throw NotFound(searched: location.searched) }
        return try ScoringModel.load(from: folder)
    }
}
