import Foundation
import Testing

/// A child `radtriage` started with posix_spawn and reaped with wait4. Its peak memory is the high-water
/// mark of its own address space (VmHWM in /proc/PID/status), sampled every 10 ms while it runs: the
/// child's ru_maxrss is no use here, because posix_spawn runs the child in the test process's memory
/// until exec, and Linux counts that (the whole test process) into the child's maximum.
struct MeasuredRun {
    /// The process's peak resident memory so far, in KiB (0 once it has exited).
    static func highWaterKB(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }

    var status: Int32
    var stdout: String
    var stderr: String
    var peakMB: Double
    var seconds: Double
    /// Seconds from the signal to the end, when one was sent.
    var secondsAfterSignal: Double?

    static func run(_ arguments: [String], timeout: Double = 120, signal: (after: String, number: Int32)? = nil) throws -> MeasuredRun {
        let folder = ExecutableRunner.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("stdout").path, errPath = folder.appendingPathComponent("stderr").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([ExecutableRunner.executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let clock = Date()
        guard posix_spawn(&pid, ExecutableRunner.executable.path, &actions, nil, argv, environ) == 0 else {
            throw CocoaError(.executableNotLoadable)
        }
        var signalled = signal == nil
        var signalledAt: Date?
        var status: Int32 = 0
        var usage = rusage()
        var peakKB = 0
        while true {
            peakKB = max(peakKB, Self.highWaterKB(pid))
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if !signalled, let signal, (try? String(contentsOfFile: errPath, encoding: .utf8))?.contains(signal.after) == true {
                kill(pid, signal.number)
                signalled = true
                signalledAt = Date()
            }
            if Date().timeIntervalSince(clock) > timeout {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                Issue.record("radtriage \(arguments) did not end within \(timeout) s")
                break
            }
            usleep(10_000)
        }
        #expect(peakKB > 0, "the child's memory was sampled")
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return MeasuredRun(
            status: exit, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            peakMB: Double(peakKB) / 1024, seconds: Date().timeIntervalSince(clock),
            secondsAfterSignal: signalledAt.map { Date().timeIntervalSince($0) })
    }
}

/// Hostile or careless input, one bad study beside a good one: the bad one fails with a reason naming the
/// file, the field and the value; the good one is scored; the run exits 1 within bounded memory; nothing
/// is written outside --out. Each case prints its peak memory and time (the issue's closing figures).
@Suite(.tags(.endToEnd), .serialized) struct HostileInputTests {
    /// Two studies (S0001 good, S0002 to be spoiled) in a fresh folder; returns (studies, out).
    static func pair(slices: Int = 12) throws -> (URL, URL) {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        try RunFixtures.synth(into: studies, count: 2, slices: slices)
        return (studies, out)
    }

    /// Edits S0002's sidecar as JSON.
    static func editSidecar(_ studies: URL, _ edit: (inout [String: Any], inout [String: Any]) -> Void) throws {
        let url = studies.appendingPathComponent("S0002/study.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var seriesList = try #require(root["series"] as? [[String: Any]])
        edit(&root, &seriesList[0])
        root["series"] = seriesList
        try JSONSerialization.data(withJSONObject: root).write(to: url)
    }

    /// Every file under `folder` with its size and modification time: equal before and after means nothing was written there.
    static func snapshot(_ folder: URL) -> [String: String] {
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let name = enumerator?.nextObject() as? String {
            var status = stat()
            guard lstat(folder.appendingPathComponent(name).path, &status) == 0 else { continue }
            files[name] = "\(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        }
        return files
    }

    /// Runs over the pair and checks the common promises; returns the failed row's reason.
    @discardableResult
    static func expectBadStudyFails(_ studies: URL, _ out: URL, _ label: String, reasonContains expected: [String],
                                    extra: [String] = [], maxSeconds: Double = 60) throws -> String {
        let before = snapshot(studies)
        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--log-format", "json"] + extra)
        print("hostile input \(label): exit \(run.status), peak \(String(format: "%.1f", run.peakMB)) MB, \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 1, "\(label): \(run.stderr)")
        #expect(run.peakMB < 300, "\(label): peak \(run.peakMB) MB")
        #expect(run.seconds < maxSeconds, "\(label): \(run.seconds) s")
        #expect(snapshot(studies) == before, "\(label): nothing is written into the studies folder")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        let list = try #require(rows["rows"] as? [[String: Any]])
        let good = try #require(list.first { $0["studyId"] as? String == "S0001" })
        #expect(good["status"] as? String == "scored", "\(label): the good study beside it is scored")
        let bad = try #require(list.first { ($0["status"] as? String) == "failed" }, "\(label): \(list)")
        let reason = bad["reason"] as? String ?? ""
        for text in expected { #expect(reason.contains(text), "\(label): \(reason)") }
        let outside = Set((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
        #expect(outside.isSubset(of: ["worklist.csv", "worklist.json", "worklist.html", "radtriage-state.sqlite", ".radtriage.lock",
                                      "radtriage-state.sqlite-journal"]), "\(outside)")
        return reason
    }

    @Test func aFIFOWhereASliceBelongsFailsItsStudyWithoutBlocking() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        let slice = studies.appendingPathComponent("S0002/PT/0003.png")
        try FileManager.default.removeItem(at: slice)
        #expect(mkfifo(slice.path, 0o644) == 0)
        try Self.expectBadStudyFails(studies, out, "FIFO slice", reasonContains: ["S0002/PT/0003.png", "named pipe (FIFO)"], maxSeconds: 30)
    }

    @Test func aFIFOSidecarIsReportedAsAFIFONotAsPermission() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        let sidecar = studies.appendingPathComponent("S0002/study.json")
        try FileManager.default.removeItem(at: sidecar)
        #expect(mkfifo(sidecar.path, 0o644) == 0)
        try Self.expectBadStudyFails(studies, out, "FIFO sidecar", reasonContains: ["S0002/study.json", "named pipe (FIFO)"], maxSeconds: 30)
    }

    /// SIGTERM while a study is being scored: exit 143 within 5 s, and the next run completes.
    @Test func sigtermEndsTheRunWithinFiveSecondsAndTheNextRunCompletes() throws {
        let studies = ExecutableRunner.temporaryFolder(), out = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out)() }
        try RunFixtures.synth(into: studies, count: 3, slices: 120)
        let slice = studies.appendingPathComponent("S0002/PT/0003.png")
        try FileManager.default.removeItem(at: slice)
        #expect(mkfifo(slice.path, 0o644) == 0)
        let arguments = ["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--jobs", "1", "--log-format", "json"]
        // The signal goes as soon as the run has started its first study, so it lands mid-study.
        let stopped = try MeasuredRun.run(arguments, timeout: 60, signal: ("\"message\":\"run started\"", SIGTERM))
        #expect(stopped.status == 143, "\(stopped.stderr)")
        let afterSignal = try #require(stopped.secondsAfterSignal)
        print("SIGTERM mid-study: exit \(stopped.status) \(String(format: "%.2f", afterSignal)) s after the signal")
        #expect(afterSignal < 5)
        #expect(stopped.stderr.contains("stopped by SIGTERM"), "\(stopped.stderr)")
        let next = try MeasuredRun.run(arguments, timeout: 600)
        #expect(next.status == 1, "the FIFO study fails, the others are scored: \(next.stderr)")
        #expect(next.stdout.hasPrefix("3 studies: 2 scored"), "\(next.stdout)")
    }

    @Test(arguments: [
        ("sliceThicknessMm 1e-5", "sliceThicknessMm", 1e-5 as Double),
        ("sliceThicknessMm 1e308", "sliceThicknessMm", 1e308),
        ("sliceSpacingMm 1e-300", "sliceSpacingMm", 1e-300),
    ] as [(String, String, Double)])
    func extremeSliceGeometryFailsItsStudy(label: String, field: String, value: Double) throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { _, series in series[field] = value }
        try Self.expectBadStudyFails(studies, out, label, reasonContains: ["S0002/study.json", "$.series[0].\(field)", "between 0.001 and 1000 mm"])
    }

    @Test(arguments: [[1e6, 1e6], [1e200, 1e200], [1e-300, 1e-300], [1e4, 1e4]] as [[Double]])
    func extremePixelSpacingFailsItsStudy(spacing: [Double]) throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { _, series in series["pixelSpacingMm"] = spacing }
        try Self.expectBadStudyFails(studies, out, "pixelSpacingMm \(spacing)", reasonContains: ["S0002/study.json", "$.series[0].pixelSpacingMm", "between 0.001 and 1000 mm"])
    }

    /// The extremes that are still accepted (1 µm slices under 1 m pixels) give a thumbnail of bounded size.
    @Test func theMostExtremeAcceptedGeometryIsScoredWithinBoundedMemory() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { _, series in
            series["pixelSpacingMm"] = [1000.0, 1000.0]
            series["sliceThicknessMm"] = 0.001
            series["sliceSpacingMm"] = 0.001
        }
        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now])
        print("hostile input accepted extreme geometry: exit \(run.status), peak \(String(format: "%.1f", run.peakMB)) MB, \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.peakMB < 300)
    }

    @Test func aPerSliceInterceptOf1e308FailsItsStudyInsteadOfTheRun() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { _, series in
            var slices = series["slices"] as? [[String: Any]] ?? (1...12).map { ["file": String(format: "%04d.png", $0)] }
            slices[2]["rescaleIntercept"] = 1e308
            series["slices"] = slices
        }
        try Self.expectBadStudyFails(studies, out, "rescaleIntercept 1e308", reasonContains: ["S0002/study.json", "rescaleIntercept", "1e+308", "0003.png"])
        let score = try MeasuredRun.run(["score", studies.appendingPathComponent("S0002").path, "--json"])
        #expect(score.status == 1, "score --json reports the study, it does not fail to encode: \(score.stderr)")
    }

    @Test func aSeriesSlopeOf1e300FailsItsStudyInsteadOfTheRun() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { _, series in
            series["rescaleSlope"] = 1e300
            if var slices = series["slices"] as? [[String: Any]] {
                for index in slices.indices { slices[index]["rescaleSlope"] = nil }
                series["slices"] = slices
            }
        }
        try Self.expectBadStudyFails(studies, out, "rescaleSlope 1e300", reasonContains: ["S0002/study.json", "rescaleSlope", "1e+300"])
    }

    @Test func everySidecarProblemIsInTheWorklistReason() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { root, series in
            root["patientWeightKg"] = "heavy"
            series["sliceThicknessMm"] = -1
        }
        try Self.expectBadStudyFails(studies, out, "two sidecar problems", reasonContains: ["$.patientWeightKg", "$.series[0].sliceThicknessMm"])
    }

    // MARK: - PNG slices that cost far more than their size

    /// Hostile slice files, written here byte by byte (independent of the encoder under test).
    enum HostilePNG {
        static func chunk(_ type: String, _ data: [UInt8], declaredLength: UInt32? = nil) -> [UInt8] {
            let typeBytes = Array(type.utf8)
            return bigEndian(declaredLength ?? UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
        }
        static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        static func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        static func ihdr(_ width: UInt32, _ height: UInt32, depth: UInt8 = 16) -> [UInt8] {
            chunk("IHDR", bigEndian(width) + bigEndian(height) + [depth, 0, 0, 0, 0])
        }
        /// A zlib stream of stored blocks holding `raw` (no compression needed to build it).
        static func storedZlib(_ raw: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [0x78, 0x01]
            var offset = 0
            repeat {
                let count = min(65535, raw.count - offset)
                let final: UInt8 = offset + count == raw.count ? 1 : 0
                out += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
                out += raw[offset..<(offset + count)]
                offset += count
            } while offset < raw.count
            var a: UInt32 = 1, b: UInt32 = 0
            for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
            return out + bigEndian(b << 16 | a)
        }
        /// The issue's three: a truncated tEXt claiming 2 GiB; 8192 × 8192 × 16 bit declared in a tiny file;
        /// a 1 × 1 image followed by a megabyte of compressed data.
        static let cases: [(String, [UInt8])] = [
            ("truncated 2 GiB tEXt", signature + ihdr(64, 64) + bigEndian(0x7FFF_FFFF) + Array("tEXtComment".utf8) + [0] + Array("hello".utf8)),
            ("8192 × 8192 × 16 bit in a tiny file", signature + ihdr(8192, 8192) + chunk("IDAT", storedZlib([UInt8](repeating: 0, count: 16))) + chunk("IEND", [])),
            ("1 × 1 image with 1 MB of compressed data", signature + ihdr(1, 1)
                + chunk("IDAT", storedZlib([UInt8](repeating: 0, count: 3) + [UInt8](repeating: 0, count: 1 << 20))) + chunk("IEND", [])),
            ("chunk type pHY\\0", signature + ihdr(64, 64) + chunk("pHY\u{0}", [UInt8](repeating: 0, count: 9))
                + chunk("IDAT", storedZlib([UInt8]((0..<64).flatMap { _ in [0] + [UInt8](repeating: 7, count: 128) }))) + chunk("IEND", [])),
        ]
    }

    @Test(arguments: HostilePNG.cases.indices)
    func aHostilePNGSliceFailsItsStudyWithinBoundedMemoryAndTime(index: Int) throws {
        let (label, bytes) = HostilePNG.cases[index]
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Data(bytes).write(to: studies.appendingPathComponent("S0002/PT/0004.png"))
        try Self.expectBadStudyFails(studies, out, label, reasonContains: ["S0002/PT/0004.png", "damaged PNG"], maxSeconds: 30)
    }

    // MARK: - Model folders and configurations

    /// A copy of the default model with its manifest edited (and the weights replaced, when given).
    static func model(editing edit: (inout [String: Any]) -> Void, weights: [UInt8]? = nil) throws -> URL {
        let folder = ExecutableRunner.temporaryFolder()
        try FileManager.default.copyItem(at: ExecutableRunner.repositoryRoot.appendingPathComponent("Models/pet-default"), to: folder)
        let manifestURL = folder.appendingPathComponent("manifest.json")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        edit(&manifest)
        if let weights {
            try Data(weights).write(to: folder.appendingPathComponent("weights.safetensors"))
            manifest["weights"] = ["file": "weights.safetensors", "sha256": sha256(weights)]
        }
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        return folder
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        let file = ExecutableRunner.temporaryFolder()
        try? Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = (try? ExecutableRunner.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [file.path]))?.stdout ?? ""
        return String(output.prefix(64))
    }

    static func expectModelRefused(_ model: URL, _ label: String, messageContains expected: String) throws {
        let run = try MeasuredRun.run(["score", ExecutableRunner.sampleData.appendingPathComponent("S0001").path, "--model", model.path], timeout: 60)
        print("hostile model \(label): exit \(run.status), peak \(String(format: "%.1f", run.peakMB)) MB, \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 78, "\(label): \(run.stderr)")
        #expect(run.stderr.contains(expected), "\(label): \(run.stderr)")
        #expect(run.peakMB < 300)
    }

    @Test func aManifestWithHugePaddingExits78BeforeTheEngineAllocates() throws {
        let model = try Self.model { manifest in
            var layers = manifest["layers"] as? [[String: Any]] ?? []
            layers[0]["padding"] = [100_000, 100_000]
            manifest["layers"] = layers
        }
        defer { try? FileManager.default.removeItem(at: model) }
        try Self.expectModelRefused(model, "padding [100000, 100000]", messageContains: "layer 0: padding must be two integers from 0 to 4096, found [100000, 100000]")
    }

    @Test func aTensorShapeWhoseProductOverflowsExits78() throws {
        let header = Array(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#.utf8)
        var weights = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header
        weights += [0, 0, 0, 0]
        let model = try Self.model(editing: { _ in }, weights: weights)
        defer { try? FileManager.default.removeItem(at: model) }
        try Self.expectModelRefused(model, "shape product overflow", messageContains: "tensor w has shape [4294967296, 4294967296, 4294967296]")
    }

    @Test func aLayerOutputAboveTheActivationLimitExits78() throws {
        let model = try Self.model { manifest in
            var input = manifest["input"] as? [String: Any] ?? [:]
            (input["height"], input["width"]) = (4096, 4096)
            manifest["input"] = input
        }
        defer { try? FileManager.default.removeItem(at: model) }
        try Self.expectModelRefused(model, "8 × 4096 × 4096 activation", messageContains: "layer 0: its output 8×4096×4096 is above the limit of 67108864 values per slice")
    }

    /// Aliases of nested collections used as mapping keys: refused at once, not minutes of hashing.
    @Test func aYAMLAliasUsedAsAKeyIsRefusedAtOnce() throws {
        var yaml = "a0: &a0 [x, y]\n"
        for level in 1...12 { yaml += "a\(level): &a\(level) {? *a\(level - 1) : 1, *a\(level - 1) : 2}\n" }
        yaml += "weights: {modelProbability: 40}\n"
        let file = ExecutableRunner.temporaryFolder()
        try Data(yaml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try MeasuredRun.run(["run", "--studies", ExecutableRunner.sampleData.path, "--out", ExecutableRunner.temporaryFolder().path, "--config", file.path], timeout: 60)
        print("hostile YAML alias keys: exit \(run.status), peak \(String(format: "%.1f", run.peakMB)) MB, \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 78, "\(run.stderr)")
        #expect(run.stderr.contains(":2:"), "names the line: \(run.stderr)")
        #expect(run.seconds < 10)
    }
    // MARK: - Symlinks out of the studies folder

    @Test func aSliceThatIsASymlinkOutOfTheStudiesFolderFailsItsStudyUnlessFollowed() throws {
        let (studies, out) = try Self.pair()
        let elsewhere = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out, elsewhere)() }
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let slice = studies.appendingPathComponent("S0002/PT/0003.png"), target = elsewhere.appendingPathComponent("0003.png")
        try FileManager.default.moveItem(at: slice, to: target)
        try FileManager.default.createSymbolicLink(at: slice, withDestinationURL: target)
        try Self.expectBadStudyFails(studies, out, "slice symlink out of the studies folder",
                                     reasonContains: ["S0002/study.json", "slice 0003.png is a symlink to", "outside the studies folder: refused"])
        let followed = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now, "--full", "--follow-symlinks"])
        #expect(followed.status == 0, "\(followed.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        let row = try #require((rows["rows"] as? [[String: Any]])?.first { $0["studyId"] as? String == "S0002" })
        #expect(row["status"] as? String == "scored")
        #expect((row["flags"] as? [String] ?? []).contains { $0.contains("slice 0003.png is a symlink to") && $0.contains("followed") }, "\(row)")
    }

    @Test func aStudyFolderThatIsASymlinkOutOfTheStudiesFolderFails() throws {
        let (studies, out) = try Self.pair()
        let elsewhere = ExecutableRunner.temporaryFolder()
        defer { RunFixtures.folders(studies, out, elsewhere)() }
        try FileManager.default.moveItem(at: studies.appendingPathComponent("S0002"), to: elsewhere)
        try FileManager.default.createSymbolicLink(at: studies.appendingPathComponent("S0002"), withDestinationURL: elsewhere)
        try Self.expectBadStudyFails(studies, out, "study folder symlink", reasonContains: ["the study folder is a symlink to", "refused"])
    }

    /// Two folders with one study id: both are scored, and both rows say so.
    @Test func duplicateStudyIdsAreFlagged() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { root, _ in root["studyId"] = "S0001" }
        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("worklist.json"))) as? [String: Any])
        let list = try #require(rows["rows"] as? [[String: Any]])
        #expect(list.count == 2 && list.allSatisfy { ($0["flags"] as? [String] ?? []).contains("study id S0001 is used by 2 study folders") }, "\(list)")
    }

    /// A slope of 1e35 is finite: scored, and flagged as implausible on the worklist.
    @Test func anImplausibleButFiniteSUVIsScoredAndFlagged() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { _, series in
            series["rescaleSlope"] = 1e30
            if var slices = series["slices"] as? [[String: Any]] {
                for index in slices.indices { slices[index]["rescaleSlope"] = nil }
                series["slices"] = slices
            }
        }
        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now])
        #expect(run.status == 0, "\(run.stderr)")
        let csv = try String(contentsOf: out.appendingPathComponent("worklist.csv"), encoding: .utf8)
        #expect(csv.contains("implausible SUVmax (above 1000)"), "\(csv)")
    }

    @Test func outBelowAFileNamesTheFile() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Data("x".utf8).write(to: out)
        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.appendingPathComponent("worklists").path])
        #expect(run.status == 73)
        #expect(run.stderr.contains("\(out.path) is a file, not a folder"), "\(run.stderr)")
    }

    /// Text logs: a newline in a study id cannot start a forged line, and no path appears without --log-identifiers.
    @Test func textLogsCannotBeForgedAndCarryNoPaths() throws {
        let (studies, out) = try Self.pair()
        defer { RunFixtures.folders(studies, out)() }
        try Self.editSidecar(studies) { root, _ in root["studyId"] = "S2\n2026-12-01T00:00:00+0000 info radtriage: forged line" }
        let run = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.split(separator: "\n").contains { $0.hasPrefix("2026-12-01T00:00:00+0000 info radtriage: forged") }, "\(run.stderr)")
        #expect(run.stderr.contains("S2\\n2026-12-01"), "the newline is written as \\n: \(run.stderr)")
        try Self.editSidecar(studies) { _, series in
            var slices = series["slices"] as? [[String: Any]] ?? []
            slices.append(["file": "9999.png"])
            series["slices"] = slices
        }
        let failed = try MeasuredRun.run(["run", "--studies", studies.path, "--out", out.path, "--now", RunFixtures.now])
        #expect(failed.status == 1)
        #expect(!failed.stderr.contains(studies.path), "no path in the log: \(failed.stderr)")
        #expect(failed.stderr.contains("slice file not found"))
    }
}

