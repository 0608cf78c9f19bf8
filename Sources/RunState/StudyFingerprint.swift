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


    public init(digest: String, fileCount: Int) {
        self.digest = digest
        self.fileCount = fileCount
    }

    /// Fingerprints the folder; a folder that cannot be listed throws, and the study is then simply scored
    /// again (the scorer reports what is wrong with it).
    public static func of(folder: URL) throws -> StudyFingerprint {
        let files = try regularFiles(under: folder.path)
        var listing = ""
        for (relativePath, info) in files {
            listing += "\(relativePath)\t\(info.st_size)\t\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n"
        }
        let sidecar = folder.appendingPathComponent(Study.sidecarFileName)
        if let content = FileManager.default.contents(atPath: sidecar.path) {
            listing += "sha256(\(Study.sidecarFileName))\t\(SHA256.hex(content))\n"
        }
        return StudyFingerprint(digest: SHA256.hex(Array(listing.utf8)), fileCount: files.count)
    }

    /// Fingerprints a study made of the listed files (a DICOM study, whose files may lie anywhere under
    /// the studies folder): each file's path, size and modification time to the nanosecond, in path order,
    /// as they were when the files were read (discovery stat'ed each one as it read its header).
    public static func of(files: [(path: String, size: Int, modifiedSeconds: Int, modifiedNanoseconds: Int)]) -> StudyFingerprint {
        var listing = ""
        for file in files.sorted(by: { $0.path < $1.path }) {
            listing += "\(file.path)\t\(file.size)\t\(file.modifiedSeconds).\(file.modifiedNanoseconds)\n"
        }
        return StudyFingerprint(digest: SHA256.hex(Array(listing.utf8)), fileCount: files.count)
    }

    /// The regular files below `root` with their `stat` (one `fstatat` each, relative to the open
    /// folder: a study has thousands, and a cron run fingerprints every study), by relative path, sorted
    /// so the listing does not depend on the order the file system lists them in. An entry that cannot be
    /// stat'ed (a dangling link) is left out.
    private static func regularFiles(under root: String) throws -> [(path: String, info: stat)] {
        var files: [(path: String, info: stat)] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            guard let directory = opendir(absolute) else { throw FingerprintError(path: absolute, reason: "cannot list the folder") }
            defer { closedir(directory) }
            let descriptor = dirfd(directory)
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                guard name != "." && name != ".." else { continue }
                var info = stat()
                guard fstatat(descriptor, name, &info, 0) == 0 else { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                if info.st_mode & S_IFMT == S_IFDIR { pending.append(child) } else { files.append((child, info)) }
            }
        }
        return files.sorted { $0.path < $1.path }
    }
}

public struct FingerprintError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

extension FingerprintError: UserFacingError {
    public var file: String? { path }
    public var what: String { reason }
}
