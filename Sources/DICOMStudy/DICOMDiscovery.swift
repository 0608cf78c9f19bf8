import DICOMFormat
import Dispatch
import Foundation
import Synchronization
import TriageCore

/// The DICOM files of one study, wherever they were found under the studies folder.
public struct DICOMStudyFiles: Sendable {
    public let studyInstanceUID: String
    /// The deepest folder that holds every file of the study.
    public let root: URL
    /// Image instances, in path order.
    public let instances: [DICOMInstance]
    /// Files of the study whose header broke after its StudyInstanceUID: they fail the study.
    public let unreadable: [DICOMDiscovery.UnreadableFile]

    public init(studyInstanceUID: String, root: URL, instances: [DICOMInstance], unreadable: [DICOMDiscovery.UnreadableFile] = []) {
        self.studyInstanceUID = studyInstanceUID
        self.root = root
        self.instances = instances
        self.unreadable = unreadable
    }
}

/// Finds DICOM studies under a folder in any layout (a folder per study or per series, flat, nested),
/// grouped by StudyInstanceUID. DICOMDIR files and non-image objects (reports, RT plans, …) are left out;
/// folders holding a `study.json` are PNG studies and are not searched.
public struct DICOMDiscovery: Sendable {
    public struct Ignored: Sendable {
        public let url: URL
        public let reason: String
    }

    /// A file that looks like DICOM but whose header does not parse, with the parser's reason.
    public struct UnreadableFile: Sendable {
        public let url: URL
        public let reason: String
        public let status: DICOMInstance.FileStatus
    }

    public struct Result: Sendable {
        public var studies: [DICOMStudyFiles] = []
        /// DICOM files that are not slices of a study (DICOMDIR, objects without pixels).
        public var ignored: [Ignored] = []
        /// Files that look like DICOM but do not parse, and whose study cannot be told (nothing before the
        /// break names it): each is a failure of its own, so that the run reports it.
        public var unattributed: [UnreadableFile] = []

        public init() {}
    }

    /// Bytes read to parse a file's header; a header longer than this is read whole.
    public var headerPrefixBytes = 16 << 10
    /// Files read at the same time (headers are small: the cost is the system calls and parsing).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Folders deeper than this below the studies folder are not searched (and a link loop ends).
    public var maxDepth = 12
    public var parser = DICOMParser()

    public init() {}

    /// What one file is: an instance, a file to leave out (with why), a broken file (with the study its
    /// attributes before the break name, if they do), or not DICOM at all.
    private enum Reading {
        case instance(DICOMInstance)
        case ignored(Ignored)
        case unreadable(UnreadableFile, studyInstanceUID: String?)
        case notDICOM
    }

    private func readHeader(_ url: URL) -> Reading {
        guard var read = Self.read(url, limit: headerPrefixBytes), Self.looksLikeDICOM(read.bytes, name: url.lastPathComponent) else {
            return .notDICOM
        }
        var parsed = parser.parseHeaderSalvaging(read.bytes)
        var limit = headerPrefixBytes
        while case .failure(let broken) = parsed, broken.error.kind == .truncated, read.bytes.count < read.status.size {
            // The header is longer than the prefix read (a multi-frame file's functional groups): read a
            // prefix 16 times longer, up to the whole file, rather than the whole file of frames at once.
            limit = limit > Int.max / 16 ? Int.max : limit * 16
            guard let longer = Self.read(url, limit: limit) else { break }
            read = longer
            parsed = parser.parseHeaderSalvaging(read.bytes)
        }
        switch parsed {
        case .success(let file):
            return .instance(DICOMInstance(url: url, file: file, status: read.status))
        case .failure(let broken):
            let file = UnreadableFile(url: url, reason: "the header does not parse: \(broken.error)", status: read.status)
            return .unreadable(file, studyInstanceUID: broken.dataset?.string(.studyInstanceUID))
        }
    }

    public func scan(_ root: URL) -> Result {
        var result = Result()
        var byStudy: [String: [DICOMInstance]] = [:]
        var unreadableByStudy: [String: [UnreadableFile]] = [:]
        let files = candidateFiles(root)
        // Optional, as the cases below match them: every file has its reading.
        let readings: [Reading?] = WorkQueue.map(count: files.count, workers: workers, local: {}) { index, _ in readHeader(files[index]) }
        for reading in readings {
            let instance: DICOMInstance
            switch reading {
            case .instance(let read)?: instance = read
            case .ignored(let ignored)?:
                result.ignored.append(ignored)
                continue
            case .unreadable(let file, let uid?)?:
                unreadableByStudy[uid, default: []].append(file)
                continue
            case .unreadable(let file, nil)?:
                result.unattributed.append(file)
                continue
            case .notDICOM?, nil: continue
            }
            let url = instance.url
            if url.lastPathComponent.uppercased() == "DICOMDIR" || instance.sopClassUID == DICOMInstance.mediaStorageDirectoryClass {
                result.ignored.append(Ignored(url: url, reason: "a DICOMDIR (file-set directory), not an image"))
            } else if !instance.isImage {
                result.ignored.append(Ignored(url: url, reason: "not an image (SOPClassUID \(instance.sopClassUID ?? "absent"), no Rows/Columns/PixelData)"))
            } else if let uid = instance.studyInstanceUID {
                byStudy[uid, default: []].append(instance)
            } else {
                result.ignored.append(Ignored(url: url, reason: "no StudyInstanceUID (0020,000D)"))
            }
        }
        // A study of broken files only is still a study: it fails, naming them.
        result.studies = Set(byStudy.keys).union(unreadableByStudy.keys).map { uid in
            // In path order already: the readings are in the sorted files' order.
            let instances = byStudy[uid] ?? []
            let unreadable = unreadableByStudy[uid] ?? []
            let root = Self.commonFolder(instances.map(\.url) + unreadable.map(\.url))
            return DICOMStudyFiles(studyInstanceUID: uid, root: root, instances: instances, unreadable: unreadable)
        }.sorted { ($0.root.path, $0.studyInstanceUID) < ($1.root.path, $1.studyInstanceUID) }
        return result
    }

    /// Regular files under `root`, hidden entries and PNG study folders left out, in path order.
    private func candidateFiles(_ root: URL) -> [URL] {
        // Paths as strings while listing and sorting (a URL computes its path on every access).
        var files: [String] = []
        var pending: [(String, Int)] = [(root.path, 0)]
        let manager = FileManager.default
        while let (folder, depth) = pending.popLast() {
            guard let names = try? manager.contentsOfDirectory(atPath: folder) else { continue }
            if depth > 0 && names.contains(Study.sidecarFileName) { continue }
            for name in names where !name.hasPrefix(".") {
                let path = folder + "/" + name
                // lstat: a link to a folder is not followed (no loops); a link to a file is read through stat.
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                var kind = info.st_mode & S_IFMT
                if kind == S_IFLNK {
                    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
                    kind = S_IFREG
                }
                if kind == S_IFDIR, depth < maxDepth {
                    pending.append((path, depth + 1))
                } else if kind == S_IFREG {
                    files.append(path)
                }
            }
        }
        return files.sorted().map { URL(fileURLWithPath: $0, isDirectory: false) }
    }

    /// A DICM marker at byte 128, or (for files without a preamble) a `.dcm` name or a first element of group 0008.
    static func looksLikeDICOM(_ bytes: [UInt8], name: String) -> Bool {
        if bytes.count >= 132 && bytes[128..<132].elementsEqual("DICM".utf8) { return true }
        if name.lowercased().hasSuffix(".dcm") || name.uppercased() == "DICOMDIR" { return true }
        guard bytes.count >= 8 else { return false }
        return (bytes[0] == 0x08 && bytes[1] == 0x00) || (bytes[0] == 0x00 && bytes[1] == 0x08)
    }

    /// At most `limit` bytes of the file, and its status from the open descriptor (the bytes are a
    /// prefix when the status' size is larger).
    static func read(_ url: URL, limit: Int) -> (bytes: [UInt8], status: DICOMInstance.FileStatus)? {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        let status = DICOMInstance.FileStatus(info)
        let wanted = min(status.size, limit)
        var bytes = [UInt8](repeating: 0, count: wanted)
        var total = 0
        while total < wanted {
            let count = try? SystemCall.retrying("read", path: url.path) {
                bytes.withUnsafeMutableBytes { raw in Glibc.read(descriptor, raw.baseAddress! + total, wanted - total) }
            }
            guard let count, count > 0 else { break }
            total += count
        }
        if total < wanted { bytes.removeSubrange(total...) }
        return (bytes, status)
    }

    static func commonFolder(_ urls: [URL]) -> URL {
        guard var common = urls.first?.deletingLastPathComponent().standardizedFileURL.pathComponents else { return URL(fileURLWithPath: "/") }
        // A study's files share a few folders: each folder is compared once.
        var seen: Set<String> = []
        for url in urls.dropFirst() {
            let folder = url.deletingLastPathComponent()
            guard seen.insert(folder.path).inserted else { continue }
            let parts = folder.standardizedFileURL.pathComponents
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        return URL(fileURLWithPath: NSString.path(withComponents: common), isDirectory: true)
    }
}
