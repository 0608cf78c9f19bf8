import Foundation
import GRDB
import Testing
import TriageCore

/// Small synthetic studies and what a run leaves in its output folder.
enum RunFixtures {
    static let now = "2026-11-23T10:00:00Z"

    /// Writes studies S<first>… (64² slices, few of them: quick to score in a debug build) into `folder`.
    static func synth(into folder: URL, count: Int, first: Int = 1, slices: Int = 12, seed: Int = 41) throws {
        let result = try ExecutableRunner.run(["synth", "--out", folder.path, "--studies", "\(count)", "--first-study", "\(first)",
                                               "--slices", "\(slices)", "--matrix", "64", "--seed", "\(seed)"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func run(_ studies: URL, _ out: URL, _ extra: [String] = []) throws -> ExecutableRunner.Output {
        try ExecutableRunner.run(["run", "--studies", studies.path, "--out", out.path, "--now", now, "--log-format", "json"] + extra)
    }

    static let worklistNames = ["worklist.csv", "worklist.json", "worklist.html"]

    /// The worklist files' bytes, by name (absent files are left out).
    static func worklist(in out: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        for name in worklistNames { files[name] = FileManager.default.contents(atPath: out.appendingPathComponent(name).path) }
        return files
    }

    static var stateFileName: String { "radtriage-state.sqlite" }

    /// `PRAGMA integrity_check` on the state, opened as the next run would open it: read-write, so that
    /// SQLite rolls back the journal of a transaction that a kill cut short (a read-only connection cannot).
    static func integrityCheck(_ out: URL) throws -> String {
        let database = try DatabaseQueue(path: out.appendingPathComponent(stateFileName).path)
        defer { try? database.close() }
        return try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }

    /// The study ids that a run's JSON log says it scored.
    static func scoredStudies(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                  event["message"] == "study scored" else { return nil }
            return event["study.id"]
        }.sorted()
    }

    static func folders(_ urls: URL...) -> () -> Void {
        { for url in urls { try? FileManager.default.removeItem(at: url) } }
    }
}

/// Incremental runs: only new or changed studies are scored; the worklist is complete every time.
@Suite(.tags(.endToEnd)) struct IncrementalRunTests {
    @Test func unchangedStudiesAreNotScoredAgainAndATouchedSliceRescoresOnlyItsStudy() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out)() }
        try RunFixtures.synth(into: studies, count: 4)

        var clock = Date()
        let first = try RunFixtures.run(studies, out)
        let firstSeconds = Date().timeIntervalSince(clock)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("4 studies: 4 scored, 0 unchanged, 0 failed;"))
        let worklist = RunFixtures.worklist(in: out)
        #expect(worklist.count == 3)

        clock = Date()
        let second = try RunFixtures.run(studies, out)
        let secondSeconds = Date().timeIntervalSince(clock)
        #expect(second.status == 0)
        #expect(second.stdout.hasPrefix("4 studies: 0 scored, 4 unchanged, 0 failed;"))
        #expect(RunFixtures.scoredStudies(second.stderr).isEmpty)
        #expect(RunFixtures.worklist(in: out) == worklist, "the same worklist, from the stored results")
        print("incremental run with no changes: \(String(format: "%.2f", secondSeconds)) s after a first run of "
              + "\(String(format: "%.2f", firstSeconds)) s (debug build, 4 studies × 12 slices)")

        // A slice rewritten (here: its modification time moved) re-scores exactly its study.
        let slice = studies.appendingPathComponent("S0003/PT/0005.png")
        var times = [timespec(tv_sec: 1_800_000_000, tv_nsec: 0), timespec(tv_sec: 1_800_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, slice.path, &times, 0) == 0)
        let touched = try RunFixtures.run(studies, out)
        #expect(touched.stdout.hasPrefix("4 studies: 1 scored, 3 unchanged, 0 failed;"))
        #expect(RunFixtures.scoredStudies(touched.stderr) == ["S0003"])
        #expect(RunFixtures.worklist(in: out) == worklist, "same pixels, same result")

        // A study that vanished leaves the worklist.
        try FileManager.default.removeItem(at: studies.appendingPathComponent("S0002"))
        let vanished = try RunFixtures.run(studies, out)
        #expect(vanished.stdout.hasPrefix("3 studies: 0 scored, 3 unchanged, 0 failed, 1 gone since the last run;"))
        let csv = try String(contentsOf: out.appendingPathComponent("worklist.csv"), encoding: .utf8)
        #expect(!csv.contains(",S0002,") && csv.contains(",S0001,") && csv.contains(",S0003,") && csv.contains(",S0004,"))

        // --full scores everything again.
        let full = try RunFixtures.run(studies, out, ["--full"])
        #expect(full.stdout.hasPrefix("3 studies: 3 scored, 0 unchanged, 0 failed;"), "reported gone once only")
        #expect(try RunFixtures.integrityCheck(out) == "ok")
    }

    /// New weights (another digest) re-score every study, and the worklist names them.
    @Test func swappingTheModelRescoresEveryStudy() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        let model = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out, model)() }
        try RunFixtures.synth(into: studies, count: 3)
        #expect(try RunFixtures.run(studies, out).stdout.hasPrefix("3 studies: 3 scored, 0 unchanged"))

        // The same model with its last bias nudged, and the manifest's digest updated to match.
        try FileManager.default.copyItem(at: ExecutableRunner.repositoryRoot.appendingPathComponent("Models/pet-default"), to: model)
        let weightsURL = model.appendingPathComponent("weights.safetensors")
        var weights = [UInt8](try Data(contentsOf: weightsURL))
        var bias = Float(bitPattern: UInt32(weights[weights.count - 4]) | UInt32(weights[weights.count - 3]) << 8
                         | UInt32(weights[weights.count - 2]) << 16 | UInt32(weights[weights.count - 1]) << 24)
        bias += 0.25
        withUnsafeBytes(of: bias.bitPattern.littleEndian) { weights.replaceSubrange((weights.count - 4)..., with: $0) }
        try Data(weights).write(to: weightsURL)
        let manifestURL = model.appendingPathComponent("manifest.json")
        let manifest = try String(contentsOf: manifestURL, encoding: .utf8)
        let oldDigest = SHA256.hex([UInt8](try Data(contentsOf: ExecutableRunner.repositoryRoot.appendingPathComponent("Models/pet-default/weights.safetensors"))))
        let newDigest = SHA256.hex(weights)
        try manifest.replacingOccurrences(of: oldDigest, with: newDigest).write(to: manifestURL, atomically: true, encoding: .utf8)

        let swapped = try RunFixtures.run(studies, out, ["--model", model.path])
        #expect(swapped.status == 0, "\(swapped.stderr)")
        #expect(swapped.stdout.hasPrefix("3 studies: 3 scored, 0 unchanged"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        #expect(json["weightsSHA256"] as? String == newDigest)
        // And back to the default model: scored again, since the stored results are the new weights'.
        #expect(try RunFixtures.run(studies, out).stdout.hasPrefix("3 studies: 3 scored, 0 unchanged"))
    }

    /// A configuration change reweighs the ranking without scoring anything again.
    @Test func aNewConfigurationReranksWithoutRescoring() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out)() }
        try RunFixtures.synth(into: studies, count: 2)
        _ = try RunFixtures.run(studies, out)
        let before = RunFixtures.worklist(in: out)
        let config = ExecutableRunner.repositoryRoot.appendingPathComponent("Docs/radtriage.example.yaml").path
        let rerun = try RunFixtures.run(studies, out, ["--config", config])
        #expect(rerun.stdout.hasPrefix("2 studies: 0 scored, 2 unchanged"))
        #expect(RunFixtures.worklist(in: out) != before, "ranked with the new weights and pools")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("worklist-north.csv").path))
    }
}

/// One run at a time, signals, kills: the worklist is always a complete one, and the state consistent.
@Suite(.tags(.endToEnd), .serialized) struct RunSafetyTests {
    @Test func twoRunsStartedTogetherOneWorksTheOtherExitsSeventyFive() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out)() }
        try RunFixtures.synth(into: studies, count: 4)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let arguments = ["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now]
        let runs = [try BackgroundRun(arguments), try BackgroundRun(arguments)]
        let results = runs.map { $0.wait() }
        #expect(results.map(\.status).sorted() == [0, 75], "\(results.map(\.stderr))")
        let loser = try #require(results.first { $0.status == 75 })
        #expect(loser.stderr.hasPrefix("radtriage: another radtriage run holds ") && loser.stderr.split(separator: "\n").count == 1)
        #expect(try RunFixtures.integrityCheck(out) == "ok")
        #expect(RunFixtures.worklist(in: out).count == 3)
    }

    @Test func sigtermStopsAfterTheStudyInProgressAndTheNextRunFinishesTheRest() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out)() }
        try RunFixtures.synth(into: studies, count: 2)
        #expect(try RunFixtures.run(studies, out).status == 0)
        let previous = RunFixtures.worklist(in: out)
        // Studies large enough that the signal lands while some are still to score: with 12 slices each,
        // the last three could all finish between the first "study scored" line and the signal.
        try RunFixtures.synth(into: studies, count: 4, first: 3, slices: 120)

        let run = try BackgroundRun(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--jobs", "1",
                                     "--log-format", "json"])
        #expect(run.waitForStderr(containing: "\"message\":\"study scored\""))
        run.send(SIGTERM)
        let stopped = run.wait()
        #expect(stopped.status == 143, "\(stopped.stderr)")
        let message = try #require(stopped.stderr.split(separator: "\n").last.map(String.init))
        let match = try #require(message.firstMatch(of: /radtriage: stopped by SIGTERM: (\d) studies scored and saved, (\d) left for the next run; the previous worklists are unchanged/))
        let (saved, left) = (Int(match.1)!, Int(match.2)!)
        #expect(saved >= 1 && saved + left == 4)
        #expect(RunFixtures.scoredStudies(stopped.stderr).count == saved)
        #expect(RunFixtures.worklist(in: out) == previous)
        #expect(try RunFixtures.integrityCheck(out) == "ok")

        let next = try RunFixtures.run(studies, out)
        #expect(next.status == 0)
        #expect(next.stdout.hasPrefix("6 studies: \(left) scored, \(6 - left) unchanged, 0 failed;"))
    }

    /// SIGKILL at random moments, 20 times: every worklist file is the previous one or the complete new
    /// one, the database passes its integrity check, and the last run's worklist is byte for byte that
    /// of a run that was never interrupted. `scripts/kill-test.sh` repeats this many more times.
    @Test func sigkillAtRandomMomentsNeverLeavesAHalfWorklistOrADamagedState() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        let reference = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out, reference)() }
        try RunFixtures.synth(into: studies, count: 2)
        #expect(try RunFixtures.run(studies, out).status == 0)
        let previous = RunFixtures.worklist(in: out)
        try RunFixtures.synth(into: studies, count: 3, first: 3)
        let clock = Date()
        #expect(try RunFixtures.run(studies, reference).status == 0)
        let uninterruptedSeconds = Date().timeIntervalSince(clock)
        let complete = RunFixtures.worklist(in: reference)
        #expect(complete.count == 3 && complete != previous)

        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for attempt in 0..<20 {
            // --full: every run re-scores everything, so that each kill finds the same work to interrupt
            // (the final run below is incremental and re-does only what the kills left).
            let run = try BackgroundRun(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--full"])
            usleep(UInt32(Double.random(in: 0...uninterruptedSeconds, using: &generator) * 1e6))
            run.send(SIGKILL)
            if run.wait().status == 128 + SIGKILL { killedMidRun += 1 }
            for (name, data) in RunFixtures.worklist(in: out) {
                #expect(data == previous[name] || data == complete[name], "attempt \(attempt): \(name) is neither the previous nor the new worklist")
            }
            #expect(RunFixtures.worklist(in: out).count == 3)
            #expect(try RunFixtures.integrityCheck(out) == "ok", "attempt \(attempt)")
        }
        print("SIGKILL test: \(killedMidRun) of 20 runs killed before they finished")
        #expect(killedMidRun >= 10, "the kills must land while runs are working")
        let final = try RunFixtures.run(studies, out)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(RunFixtures.worklist(in: out) == complete)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files of killed runs are cleaned up: \(leftovers)")
    }
}

/// A file that is not radtriage's state where the state should be: refused, named, left alone.
@Suite(.tags(.endToEnd)) struct StateFileErrorTests {
    @Test func aForeignFileWhereTheStateShouldBeExitsSeventyFourAndIsNotOverwritten() throws {
        let out = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(out)() }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let state = out.appendingPathComponent(RunFixtures.stateFileName)
        let foreign = Data("%PDF-1.7 not a database\n".utf8)
        try foreign.write(to: state)
        let result = try RunFixtures.run(ExecutableRunner.sampleData, out)
        #expect(result.status == 74)
        #expect(result.stderr.contains("Error: \(state.path): not a SQLite database (a foreign or damaged file where the run state should be). "
                                       + "radtriage left the file untouched"))
        #expect(try Data(contentsOf: state) == foreign)
        #expect(RunFixtures.worklist(in: out).isEmpty)
    }
}

/// A full disk and a read-only output folder, made real in a private mount namespace (`unshare`), where
/// an unprivileged test may mount a small tmpfs and remount a folder read-only. Skipped where the kernel
/// does not allow user namespaces.
@Suite(.tags(.endToEnd), .enabled(if: PrivateMounts.available, "needs unshare -Urm (user and mount namespaces)"))
struct OutputFailureTests {
    @Test func aFullDiskIsAClearErrorAndThePreviousWorklistStays() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder(), kept = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out, kept)() }
        try RunFixtures.synth(into: studies, count: 2)
        for folder in [out, kept] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        // A 2 MB disk: room for one run; then a filler takes the rest, and a second run must fail cleanly.
        let result = try PrivateMounts.run("""
            mount -t tmpfs -o size=2m tmpfs "$OUT" || exit 200
            "$BIN" run --studies "$STUDIES" --out "$OUT" --now \(RunFixtures.now) >/dev/null 2>&1; echo "first=$?"
            cp "$OUT"/worklist.* "$KEPT"/
            dd if=/dev/zero of="$OUT/filler" bs=64k >/dev/null 2>&1
            "$BIN" run --studies "$STUDIES" --out "$OUT" --now \(RunFixtures.now) --full 2>"$KEPT/stderr"; echo "second=$?"
            for f in worklist.csv worklist.json worklist.html; do cmp -s "$OUT/$f" "$KEPT/$f" && echo "kept $f"; done
            ls -a "$OUT" | grep -c '^\\.tmp-' | sed 's/^/leftovers=/'
            """, environment: ["STUDIES": studies.path, "OUT": out.path, "KEPT": kept.path])
        #expect(result.stdout.contains("first=0\n") && result.stdout.contains("second=73\n"), "\(result.stdout)\(result.stderr)")
        for name in RunFixtures.worklistNames { #expect(result.stdout.contains("kept \(name)\n")) }
        #expect(result.stdout.contains("leftovers=0\n"))
        let stderr = try String(contentsOf: kept.appendingPathComponent("stderr"), encoding: .utf8)
        #expect(stderr.contains("Error: \(out.path)/") && stderr.contains("full"), "names the file and the cause: \(stderr)")
    }

    @Test func aReadOnlyOutputFolderIsAClearErrorAndThePreviousWorklistStays() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder(), kept = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out, kept)() }
        try RunFixtures.synth(into: studies, count: 2)
        try FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
        let result = try PrivateMounts.run("""
            "$BIN" run --studies "$STUDIES" --out "$OUT" --now \(RunFixtures.now) >/dev/null 2>&1; echo "first=$?"
            cp "$OUT"/worklist.* "$KEPT"/
            mount --bind "$OUT" "$OUT" && mount -o remount,bind,ro "$OUT" || exit 200
            "$BIN" run --studies "$STUDIES" --out "$OUT" --now \(RunFixtures.now) --full 2>"$KEPT/stderr"; echo "second=$?"
            for f in worklist.csv worklist.json worklist.html; do cmp -s "$OUT/$f" "$KEPT/$f" && echo "kept $f"; done
            """, environment: ["STUDIES": studies.path, "OUT": out.path, "KEPT": kept.path])
        #expect(result.stdout.contains("first=0\n") && result.stdout.contains("second=73\n"), "\(result.stdout)\(result.stderr)")
        for name in RunFixtures.worklistNames { #expect(result.stdout.contains("kept \(name)\n")) }
        let stderr = try String(contentsOf: kept.appendingPathComponent("stderr"), encoding: .utf8)
        #expect(stderr.contains("Error: \(out.path)/") && stderr.contains("Read-only file system"), "names the file and the cause: \(stderr)")
    }
}

/// Shell scripts run as root of their own user and mount namespace.
enum PrivateMounts {
    /// Whether this machine lets a test make its own namespace and mount in it (in there only: /mnt outside is untouched).
    static let available: Bool = {
        guard let result = try? run("mount -t tmpfs tmpfs /mnt", environment: [:]) else { return false }
        return result.status == 0
    }()

    static func run(_ script: String, environment: [String: String]) throws -> ExecutableRunner.Output {
        try ExecutableRunner.run(URL(fileURLWithPath: "/usr/bin/unshare"), ["-Urm", "/bin/sh", "-c", script],
                                 environment: environment.merging(["BIN": ExecutableRunner.executable.path, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]) { $1 })
    }
}
