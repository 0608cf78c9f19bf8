import Foundation
import Testing
import RunState

/// The fingerprint changes with what a study's result depends on, and only with that.
@Suite struct StudyFingerprintTests {
    /// A study folder: a sidecar and two slices in a series sub-folder.
    static func makeStudy() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fingerprint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("PT"), withIntermediateDirectories: true)
        try Data(#"{"studyId":"A","dose":370}"#.utf8).write(to: folder.appendingPathComponent("study.json"))
        for name in ["0001.png", "0002.png"] {
            try Data(repeating: 7, count: 100).write(to: folder.appendingPathComponent("PT/\(name)"))
        }
        return folder
    }

    static func setModificationTime(_ url: URL, seconds: Int, nanoseconds: Int = 0) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        #expect(utimensat(AT_FDCWD, url.path, &times, 0) == 0)
    }

    @Test func theSameFolderGivesTheSameFingerprint() throws {
        let folder = try Self.makeStudy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try StudyFingerprint.of(folder: folder)
        #expect(first == (try StudyFingerprint.of(folder: folder)))
        #expect(first.fileCount == 3 && first.digest.count == 64)
    }

    @Test func aTouchedSliceAnAddedSliceOrARemovedSliceChangeIt() throws {
        let folder = try Self.makeStudy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let slice = folder.appendingPathComponent("PT/0001.png")
        Self.setModificationTime(slice, seconds: 1_700_000_000)
        let before = try StudyFingerprint.of(folder: folder)
        // One nanosecond later is another file.
        Self.setModificationTime(slice, seconds: 1_700_000_000, nanoseconds: 1)
        let touched = try StudyFingerprint.of(folder: folder)
        #expect(touched != before)
        try Data(repeating: 1, count: 10).write(to: folder.appendingPathComponent("PT/0003.png"))
        let added = try StudyFingerprint.of(folder: folder)
        #expect(added != touched && added.fileCount == 4)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("PT/0002.png"))
        #expect(try StudyFingerprint.of(folder: folder) != added)
    }

    /// An editor that keeps the sidecar's size and restores its time still changes the fingerprint,
    /// because the sidecar's content is hashed.
    @Test func aSidecarEditedInPlaceWithItsTimeRestoredChangesIt() throws {
        let folder = try Self.makeStudy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sidecar = folder.appendingPathComponent("study.json")
        Self.setModificationTime(sidecar, seconds: 1_700_000_000)
        let before = try StudyFingerprint.of(folder: folder)
        try Data(#"{"studyId":"A","dose":380}"#.utf8).write(to: sidecar)
        Self.setModificationTime(sidecar, seconds: 1_700_000_000)
        #expect(try StudyFingerprint.of(folder: folder) != before)
    }

    @Test func aMissingFolderThrowsNamingIt() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-study-\(UUID().uuidString)")
        #expect { try StudyFingerprint.of(folder: missing) } throws: { error in
            "\(error)" == "\(missing.path): cannot list the folder"
        }
    }
}
