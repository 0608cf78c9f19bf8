import DICOMStudy
import Foundation
import RunState
import StudyFormat
import Triage
import TriageCore

/// Where one study's inputs are: a folder with a `study.json` sidecar and PNG slices, or the DICOM
/// files of one StudyInstanceUID wherever they lie under the studies folder.
public enum StudySource: Sendable {
    case sidecarFolder(URL)
    case dicom(DICOMStudyFiles)
    /// A file that looks like DICOM but whose header breaks before anything names its study: it fails
    /// on its own, so that the run reports it instead of leaving it out unseen.
    case unreadableDICOM(DICOMDiscovery.UnreadableFile)

    /// The study's key in the run state: the folder's path, or the DICOM study's UID (its identity).
    public var key: String {
        switch self {
        case .sidecarFolder(let folder): folder.standardizedFileURL.path
        case .dicom(let files): "dicom:" + files.studyInstanceUID
        case .unreadableDICOM(let file): "dicom-file:" + file.url.standardizedFileURL.path
        }
    }

    /// The path the worklist and errors show: the study folder, or the folder holding its DICOM files.
    public var path: String {
        switch self {
        case .sidecarFolder(let folder): folder.path
        case .dicom(let files): files.root.path
        case .unreadableDICOM(let file): file.url.path
        }
    }

    /// Where the worklist and the shard results place the study, unique among a run's studies (several
    /// DICOM studies may share a folder): the PNG study's folder, or for DICOM the folder of its files
    /// followed by its StudyInstanceUID (a name, not a folder on disk), whose last component is the UID.
    public var location: URL {
        switch self {
        case .sidecarFolder(let folder): folder
        case .dicom(let files): files.root.appendingPathComponent(files.studyInstanceUID, isDirectory: false)
        case .unreadableDICOM(let file): file.url
        }
    }

    public func fingerprint() throws -> StudyFingerprint {
        switch self {
        case .sidecarFolder(let folder): try StudyFingerprint.of(folder: folder)
        case .dicom(let files):
            Self.fingerprint(files.instances.map { ($0.url, $0.status) } + files.unreadable.map { ($0.url, $0.status) })
        case .unreadableDICOM(let file):
            Self.fingerprint([(file.url, file.status)])
        }
    }

    /// The files as discovery stat'ed them when it read their headers.
    private static func fingerprint(_ files: [(URL, DICOMInstance.FileStatus)]) -> StudyFingerprint {
        StudyFingerprint.of(files: files.map { url, status in (url.path, status.size, status.modifiedSeconds, status.modifiedNanoseconds) })
    }

    /// Every study under `root`: PNG study folders as `StudyDiscovery` finds them, and DICOM studies in
    /// any layout. A sub-folder that is neither a PNG study nor holds DICOM slices is still returned (as
    /// a sidecar folder), so that it is reported as failed rather than silently skipped.
    public static func discover(at root: URL, dicom: DICOMDiscovery = DICOMDiscovery()) throws(StudyDiscovery.NotADirectory) -> [StudySource] {
        let folders = try StudyDiscovery.studyFolders(at: root)
        let scan = folders == [root] ? DICOMDiscovery.Result() : dicom.scan(root)
        let dicomRoots = scan.studies.map { $0.root.standardizedFileURL.path }
            + scan.unattributed.map { $0.url.deletingLastPathComponent().standardizedFileURL.path }
        let sidecarFolders = folders.filter { folder in
            let path = folder.standardizedFileURL.path
            let hasSidecar = FileManager.default.fileExists(atPath: folder.appendingPathComponent(Study.sidecarFileName).path)
            // A folder that holds (or lies inside) a DICOM study's files is that study's, not a PNG study.
            return hasSidecar || !dicomRoots.contains { $0 == path || $0.hasPrefix(path + "/") || path.hasPrefix($0 + "/") }
        }
        let sources = sidecarFolders.map(StudySource.sidecarFolder) + scan.studies.map(StudySource.dicom)
            + scan.unattributed.map(StudySource.unreadableDICOM)
        return sources.sorted { ($0.path, $0.key) < ($1.path, $1.key) }
    }

    /// The studies one path names (`score`, `bench`): a PNG study folder, or the DICOM studies under
    /// it; a folder with neither is returned as a PNG study, so that its missing sidecar is reported.
    public static func studies(at path: URL) -> [StudySource] {
        if FileManager.default.fileExists(atPath: path.appendingPathComponent(Study.sidecarFileName).path) {
            return [.sidecarFolder(path)]
        }
        let scan = DICOMDiscovery().scan(path)
        let found = scan.studies.map(StudySource.dicom) + scan.unattributed.map(StudySource.unreadableDICOM)
        return found.isEmpty ? [.sidecarFolder(path)] : found
    }
}

extension DICOMReadingOptions {
    /// The configuration's `dicom:` section (time zone, organ-centre patterns); the standard priorities.
    public init(_ mapping: TriageConfiguration.DICOMMapping) {
        self.init(timeZone: mapping.timeZone ?? .current,
                  organCentres: mapping.organCentres.map { OrganCentreRule(pattern: $0.pattern, centre: $0.centre) })
    }
}
