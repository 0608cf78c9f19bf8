import Foundation
import TriageCore

/// Finds the study folders under a path: the path itself when it holds a `study.json`, otherwise each
/// visible sub-folder, sorted in natural order.
///
/// A sub-folder without a sidecar is still returned, so that it is reported as a failed study rather
/// than silently skipped: in a hospital, a study that vanishes from the worklist is worse than one marked failed.
public enum StudyDiscovery {
    public struct NotADirectory: Error, Sendable, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): not a readable directory" }
    }

    public static func studyFolders(at root: URL) throws(NotADirectory) -> [URL] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue,
              let entries = try? manager.contentsOfDirectory(atPath: root.path)
        else { throw NotADirectory(path: root.path) }
        if entries.contains(Study.sidecarFileName) { return [root] }
        return NaturalOrder.sorted(entries.filter { !$0.hasPrefix(".") }).compactMap { name in
            let url = root.appendingPathComponent(name, isDirectory: true)
            var isFolder: ObjCBool = false
            return manager.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue ? url : nil
        }
    }
}

extension StudyDiscovery.NotADirectory: UserFacingError {
    public var file: String? { path }
    public var what: String { "not a readable directory" }
}
