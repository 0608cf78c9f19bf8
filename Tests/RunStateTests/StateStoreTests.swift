import Foundation
import GRDB
import Testing
@testable import RunState

/// The state database: what it stores comes back, and a file that is not radtriage's state is refused
/// with a message naming it and left byte for byte as it was.
@Suite struct StateStoreTests {
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func record(_ name: String, run: String, at date: Date, logits: Int = 3) -> StudyRecord {
        StudyRecord(
            folder: "/studies/\(name)", studyId: name, fingerprint: String(repeating: "a", count: 64), fileCount: logits + 1, toolVersion: "t",
            modelId: "m@1", weightsSHA256: String(repeating: "b", count: 64), status: .scored, probability: 0.25, reason: nil,
            slices: logits, outcome: Data(#"{"scored":{}}"#.utf8), resultVersion: 2, thumbnail: Data([0x89, 0x50]),
            sliceLogits: Data(repeating: 0x3f, count: logits * 4), runId: run, scoredAt: date, lastSeenAt: date, seconds: 0.5)
    }

    @Test func resultsAndRunsComeBackAsStored() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        var run = RunRecord(id: "r1", startedAt: start, toolVersion: "t", modelId: "m@1", weightsSHA256: "b", full: false, jobs: 2)
        do {
            let store = try StateStore(directory: directory)
            try store.begin(run)
            try store.save(Self.record("S1", run: "r1", at: start))
            try store.save(Self.record("S2", run: "r1", at: start))
            var replaced = Self.record("S2", run: "r1", at: start)
            replaced.status = .failed
            replaced.reason = "damaged PNG"
            try store.save(replaced)
            run.finishedAt = start.addingTimeInterval(5)
            run.exitCode = 1
            run.scored = 2
            try store.finish(run)
        }
        // A new connection, as the next run would open.
        let store = try StateStore(directory: directory)
        let studies = try store.studies()
        #expect(studies.count == 2)
        #expect(studies["/studies/S2"]?.status == .failed && studies["/studies/S2"]?.reason == "damaged PNG")
        var expected = Self.record("S1", run: "r1", at: start)
        expected.sliceLogits = nil  // runs do not read the logits back
        #expect(studies["/studies/S1"] == expected)
        #expect(try store.runs() == [run])
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func studiesNoRunHasSeenForLongAreForgotten() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(directory: directory)
        let old = Date(timeIntervalSince1970: 1_700_000_000), recent = Date(timeIntervalSince1970: 1_790_000_000)
        try store.begin(RunRecord(id: "r1", startedAt: old, toolVersion: "t", modelId: "m", weightsSHA256: "b", full: false, jobs: 1))
        try store.save(Self.record("S1", run: "r1", at: old))
        try store.save(Self.record("S2", run: "r1", at: old))
        var run = RunRecord(id: "r2", startedAt: recent, toolVersion: "t", modelId: "m", weightsSHA256: "b", full: false, jobs: 1)
        try store.begin(run)
        run.finishedAt = recent
        // The run found S2 (and not S1): S2 is seen now, S1 was last seen before the cut-off.
        #expect(try store.finish(run, seen: ["/studies/S2"], at: recent, forgetBefore: recent.addingTimeInterval(-86400)) == 1)
        #expect(try Set(store.studies().keys) == ["/studies/S2"])
        #expect(try store.lastFinishedRun()?.id == "r2")
    }

    @Test func theSchemaIsMadeByNamedMigrationsAndMarkedAsRadtriages() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try StateStore(directory: directory)
        let database = try DatabaseQueue(path: directory.appendingPathComponent(StateStore.fileName).path)
        let (migrations, applicationID) = try database.read { db in
            (try StateStore.migrator.appliedIdentifiers(db), try Int32.fetchOne(db, sql: "PRAGMA application_id"))
        }
        #expect(migrations.sorted() == ["v1: studies with fingerprints and results, one row per run", "v2: hottest voxel stored as [column, row, slice]", "v3: each result carries the version of its encoding",
                                         "v4: results without the focal uptake are marked to be scored again"])
        #expect(applicationID == StateStore.applicationID)
    }

    /// Opens the state over `content` and expects a refusal naming the file, with the file unchanged.
    static func expectRefused(_ write: (URL) throws -> Void, reason: String) throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(StateStore.fileName)
        try write(path)
        let before = try Data(contentsOf: path)
        #expect { try StateStore(directory: directory) } throws: { error in
            guard let error = error as? StateError else { return false }
            return error.kind == .unusable && error.path == path.path && error.reason.contains(reason)
                && "\(error)".hasPrefix("\(path.path): ") && "\(error)".contains("left the file untouched")
        }
        #expect(try Data(contentsOf: path) == before, "nothing overwritten")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [StateStore.fileName], "no journal or side file")
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        try Self.expectRefused({ try Data("patient list, not a database\n".utf8).write(to: $0) }, reason: "not a SQLite database")
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        try Self.expectRefused({ url in
            let database = try DatabaseQueue(path: url.path)
            try database.write { try $0.execute(sql: "CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1)") }
            try database.close()
        }, reason: "a SQLite database of another program (application id 0")
    }

    @Test func aDamagedDatabaseIsRefused() throws {
        try Self.expectRefused({ url in
            let store = try StateStore(directory: url.deletingLastPathComponent())
            try store.begin(RunRecord(id: "r1", startedAt: Date(), toolVersion: "t", modelId: "m", weightsSHA256: "b", full: false, jobs: 1))
            for index in 0..<40 { try store.save(Self.record("S\(index)", run: "r1", at: Date(), logits: 300)) }
            // Overwrite the middle of the file (table pages) with garbage, as a failing disk might.
            var bytes = try Data(contentsOf: url)
            for offset in stride(from: 4096, to: bytes.count - 4096, by: 4096) { bytes.replaceSubrange(offset..<(offset + 64), with: Data(repeating: 0xA5, count: 64)) }
            try bytes.write(to: url)
        }, reason: "damaged")
    }

    @Test func aStateFromANewerRadtriageIsRefused() throws {
        try Self.expectRefused({ url in
            _ = try StateStore(directory: url.deletingLastPathComponent())
            let database = try DatabaseQueue(path: url.path)
            try database.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v2: from the future')") }
            try database.close()
        }, reason: "written by a newer radtriage")
    }

    /// The watchdog's record of a run it ends: the counts come from the studies the run saved, on a second
    /// connection while the first is still open; a run that has ended already is left as it was.
    @Test func aForcedStopIsRecordedOnceFromTheStudiesTheRunSaved() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let store = try StateStore(directory: directory)
        for id in ["r0", "r1"] {
            try store.begin(RunRecord(id: id, startedAt: start, toolVersion: "t", modelId: "m@1", weightsSHA256: "b", full: false, jobs: 2))
        }
        try store.save(Self.record("A", run: "r1", at: start))
        var failed = Self.record("B", run: "r1", at: start)
        failed.status = .failed
        try store.save(failed)
        try store.save(Self.record("C", run: "r0", at: start))

        let watchdogConnection = try StateStore(directory: directory)
        let end = start.addingTimeInterval(4)
        #expect(try watchdogConnection.recordForcedStop(runID: "r1", signal: SIGTERM, exitCode: 143, at: end))
        let run = try #require(try store.runs().first { $0.id == "r1" })
        #expect(run.finishedAt == end)
        #expect(run.seconds == 4)
        #expect(run.stopSignal == Int(SIGTERM))
        #expect(run.exitCode == 143)
        #expect(run.scored == 1)
        #expect(run.failed == 1)
        #expect(try store.lastFinishedRun()?.id == "r1")

        #expect(try watchdogConnection.recordForcedStop(runID: "r1", signal: SIGINT, exitCode: 130, at: end.addingTimeInterval(9)) == false)
        #expect(try store.runs().first { $0.id == "r1" } == run)
        #expect(try watchdogConnection.recordForcedStop(runID: "unknown", signal: SIGTERM, exitCode: 143) == false)
    }
}

@Suite struct StateMigrationTests {
    @Test func hottestVoxelIsReorderedAndNothingElseChanges() throws {
        let old = Data(#"{"scored":{"_0":{"evidence":{"hotVolumeMl":1.5,"suvMax":9.25,"suvMaxVoxel":[12,30,41]},"probability":0.8125}}}"#.utf8)
        let upgraded = try #require(StateStore.voxelInXYZOrder(old))
        #expect(String(decoding: upgraded, as: UTF8.self)
                == #"{"scored":{"_0":{"evidence":{"hotVolumeMl":1.5,"suvMax":9.25,"suvMaxVoxel":[30,41,12]},"probability":0.8125}}}"#)
        #expect(StateStore.voxelInXYZOrder(Data(#"{"failed":{"_0":{"problems":[]}}}"#.utf8)) == nil)
    }
}
