import Foundation
import TriageCore

/// What a study's inputs looked like when it was scored: every file under its folder (relative path,
/// size, modification time to the nanosecond) and the SHA-256 of `study.json`'s content.
///
/// Why that is enough: slices are written once by the exporter and any rewrite through the file
/// system moves the nanosecond modification time, a new or removed slice changes the listing, and
/// the sidecar, which carries the dose, times and identifiers that SUV and ranking depend on, is
/// hashed outright because editors may keep its size and restore its time. A slice rewritten in place
/// with its size kept and its timestamp forged back is not detected; `radtriage run --full` re-scores
/// everything for that case. Hashing every slice would read all the pixel data again on every run,
/// which is most of the cost that incremental runs exist to avoid.
public struct StudyFingerprint: Equatable, Sendable {
    /// SHA-256 of the canonical listing, 64 hexadecimal characters.
    public let digest: String
    public let fileCount: Int

    public static let sidecarName = "study.json"

    public init(digest: String, fileCount: Int) {
        self.digest = digest
        self.fileCount = fileCount
    }

    /// Fingerprints the folder; a folder that cannot be listed or stat'ed throws, and is then simply scored
    /// again (the scorer reports what is wrong with it).
    public static func of(folder: URL) throws -> StudyFingerprint {
        var listing = ""
        var count = 0
        for relativePath in try regularFiles(under: folder.path) {
            let path = folder.path + "/" + relativePath
            var info = stat()
            guard stat(path, &info) == 0 else { throw FingerprintError(path: path, reason: String(cString: strerror(errno))) }
            listing += "\(relativePath)\t\(info.st_size)\t\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n"
            count += 1
        }
        let sidecar = folder.appendingPathComponent(sidecarName)
        if let content = FileManager.default.contents(atPath: sidecar.path) {
            listing += "sha256(\(sidecarName))\t\(SHA256.hex(content))\n"
        }
        return StudyFingerprint(digest: SHA256.hex(Array(listing.utf8)), fileCount: count)
    }

    /// Relative paths of the regular files below `root`, sorted so the listing does not depend on the
    /// order the file system returns entries in.
    private static func regularFiles(under root: String) throws -> [String] {
        var files: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: absolute)
            } catch {
                throw FingerprintError(path: absolute, reason: "cannot list the folder")
            }
            for name in entries {
                let child = relative.isEmpty ? name : relative + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: root + "/" + child, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue { pending.append(child) } else { files.append(child) }
            }
        }
        return files.sorted()
    }
}

public struct FingerprintError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
