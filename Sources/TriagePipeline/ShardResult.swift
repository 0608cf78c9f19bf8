import Foundation
import Scoring
import TriageCore
import WorklistExport

/// What one shard of a sharded run leaves for the merge: `shard-result.jsonl` in its output folder.
///
/// JSON Lines: a header (format and version, K and N, tool version, model id and weights digest,
/// configuration digest, and the inventory: how many study folders the shard found in all and a digest
/// of their identities), one line per study of this shard (identity, folder, the result as the run
/// state keeps it, the MIP thumbnail), and an end line with the count and the SHA-256 of every byte
/// before it, so that a truncated or altered file is refused, not merged.
///
/// Running the same shard twice over the same studies gives the same bytes: nothing in it varies from
/// run to run (no time of the run, no run id; the per-stage seconds of each result are set to zero).
public struct ShardResult: Sendable {
    public static let fileName = "shard-result.jsonl"
    public static let format = "radtriage shard result"
    public static let formatVersion = 1

    public struct Header: Codable, Sendable, Equatable {
        public var format = ShardResult.format
        public var formatVersion = ShardResult.formatVersion
        public var shardIndex: Int
        public var shardCount: Int
        public var toolVersion: String
        public var modelId: String
        public var weightsSHA256: String
        /// `sha256:<hex>` of the configuration file's bytes, or `built-in`.
        public var configuration: String
        /// Studies in this file.
        public var studies: Int
        /// Study folders the shard found under the studies folder, its own and every other shard's.
        public var studiesFound: Int
        /// SHA-256 of the sorted identities of all those folders, one per line: shards that saw
        /// different studies (one ran before a study arrived) do not merge, as a study could be lost.
        public var inventorySHA256: String
        /// The model's validation score distribution (its manifest's), so that the merge puts the
        /// out-of-distribution guard over all the shards' studies as one run would; absent when the
        /// model has none (and in shard results written before it was kept).
        public var validationScores: ModelManifest.ValidationScores?

        public var shard: Shard? { Shard(index: shardIndex, count: shardCount) }
    }

    /// One study of the shard, with everything the merge needs to rank and show it.
    public struct Study: Codable, Sendable {
        public var identity: StudyIdentity
        /// The study folder's path, as a single run would have found it: the ranking's last tie-break.
        public var folder: String
        public var outcome: StudyOutcome
        public var thumbnailPNG: Data?

        public init(identity: StudyIdentity, folder: String, outcome: StudyOutcome) {
            self.identity = identity
            self.folder = folder
            var stable = outcome
            if case .scored(var result) = outcome {
                thumbnailPNG = result.thumbnailPNG.map { Data($0) }
                result.thumbnailPNG = nil
                result.timings = .init()
                stable = .scored(result)
            }
            self.outcome = stable
        }

        /// The outcome with its thumbnail back in place, as the worklists take it.
        public var worklistOutcome: StudyOutcome {
            guard case .scored(var result) = outcome else { return outcome }
            result.thumbnailPNG = thumbnailPNG.map { [UInt8]($0) }
            return .scored(result)
        }
    }

    struct End: Codable {
        struct Fields: Codable {
            var studies: Int
            var sha256: String
        }

        var end: Fields
    }

    /// A shard result that cannot be used: the file, and what is wrong with it.
    public struct Unreadable: Error, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "\(path): \(problem)" }
    }

    public var header: Header
    public var studies: [Study]

    public init(header: Header, studies: [Study]) {
        self.header = header
        self.studies = studies
    }

    /// The inventory digest of a list of identities (any order).
    public static func inventorySHA256(_ identities: [StudyIdentity]) -> String {
        SHA256.hex(Array(identities.map(\.canonical).sorted().map { $0 + "\n" }.joined().utf8))
    }

    /// The configuration's digest for the header: the file's bytes, or `built-in` without a file.
    public static func configurationDigest(file: String?) throws -> String {
        guard let file else { return "built-in" }
        return "sha256:" + SHA256.hex([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
    }

    // MARK: - Writing

    static let encoder = JSONFormat.compact()

    /// The file's bytes: header, studies, end line.
    public func encoded() throws -> Data {
        var body = Data()
        var header = self.header
        header.studies = studies.count
        body.append(try Self.encoder.encode(header))
        body.append(0x0A)
        for study in studies {
            body.append(try Self.encoder.encode(study))
            body.append(0x0A)
        }
        body.append(try Self.encoder.encode(End(end: .init(studies: studies.count, sha256: SHA256.hex(body)))))
        body.append(0x0A)
        return body
    }

    /// Writes `shard-result.jsonl` into `folder` atomically (temporary file, fsync, rename).
    @discardableResult
    public func write(into folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(Self.fileName)
        try WorklistWriter.replaceDurably(try encoded(), at: url)
        return url
    }

    // MARK: - Reading

    /// A shard output folder's result file, or the file itself.
    public static func location(of path: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent(fileName)
        }
        return url
    }

    /// Only the header (the first line): enough to check that the shards belong together before any
    /// study is read.
    public static func readHeader(_ url: URL) throws(Unreadable) -> Header {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw Unreadable(path: url.path, problem: FileManager.default.fileExists(atPath: url.path)
                ? "cannot be read" : "no shard result here (a shard's output folder has \(fileName))")
        }
        defer { try? handle.close() }
        var line = Data()
        while line.count < 1 << 20, let chunk = try? handle.read(upToCount: 4096), !chunk.isEmpty {
            if let newline = chunk.firstIndex(of: 0x0A) {
                line.append(chunk[chunk.startIndex..<newline])
                return try decodeHeader(line, path: url.path)
            }
            line.append(chunk)
        }
        throw Unreadable(path: url.path, problem: line.isEmpty ? "empty: not a shard result" : "damaged: no complete first line, not a shard result")
    }

    private static func decodeHeader(_ line: Data, path: String) throws(Unreadable) -> Header {
        struct Format: Decodable {
            var format: String?
            var formatVersion: Int?
        }
        guard let format = try? JSONDecoder().decode(Format.self, from: line), format.format == Self.format else {
            throw Unreadable(path: path, problem: "not a radtriage shard result (its first line is not a shard result header)")
        }
        guard let version = format.formatVersion, version <= formatVersion else {
            throw Unreadable(path: path, problem: "shard result format version \(format.formatVersion.map(String.init) ?? "?") is newer than this radtriage reads (\(formatVersion))")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: line)
        } catch {
            throw Unreadable(path: path, problem: "damaged header: \(error)")
        }
        guard header.shard != nil else {
            throw Unreadable(path: path, problem: "damaged header: shard \(header.shardIndex)/\(header.shardCount) is not K/N with 0 ≤ K < N")
        }
        return header
    }

    /// The whole file, checked: the end line's digest and count, every line's JSON, every study in the
    /// shard its identity assigns it to, no folder twice.
    public static func read(_ url: URL) throws(Unreadable) -> ShardResult {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw Unreadable(path: path, problem: "cannot be read: \(error.localizedDescription)")
        }
        return try decode(data, path: path)
    }

    /// A shard result's bytes, checked as `read` checks a file; `path` names it in the errors.
    public static func decode(_ data: Data, path: String) throws(Unreadable) -> ShardResult {
        guard data.last == 0x0A else { throw Unreadable(path: path, problem: "damaged: truncated (the file does not end with its end line)") }
        let lastStart = (data.dropLast().lastIndex(of: 0x0A)).map { $0 + 1 } ?? data.startIndex
        guard let end = try? JSONDecoder().decode(End.self, from: data[lastStart..<(data.endIndex - 1)]) else {
            throw Unreadable(path: path, problem: "damaged: truncated (no end line with the count and digest)")
        }
        guard SHA256.hex(data[data.startIndex..<lastStart]) == end.end.sha256 else {
            throw Unreadable(path: path, problem: "damaged: its content does not match the SHA-256 in its end line")
        }
        var lines = data[data.startIndex..<lastStart].split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw Unreadable(path: path, problem: "damaged: no header line") }
        let header = try decodeHeader(Data(first), path: path)
        guard lines.count - 1 == end.end.studies, header.studies == end.end.studies else {
            throw Unreadable(path: path, problem: "damaged: \(lines.count - 1) study lines, but the header says \(header.studies) and the end line \(end.end.studies)")
        }
        let decoder = JSONDecoder()
        var studies: [Study] = []
        studies.reserveCapacity(lines.count - 1)
        var folders = Set<String>()
        for (offset, line) in lines.dropFirst().enumerated() {
            let study: Study
            do {
                study = try decoder.decode(Study.self, from: Data(line))
            } catch {
                throw Unreadable(path: path, problem: "damaged: line \(offset + 2) is not a study result: \(error)")
            }
            let owner = study.identity.shard(of: header.shardCount)
            guard owner == header.shardIndex else {
                throw Unreadable(path: path, problem: "line \(offset + 2): study folder \(study.folder) belongs to shard \(owner)/\(header.shardCount), not \(header.shardIndex)/\(header.shardCount)")
            }
            guard folders.insert(study.folder).inserted else {
                throw Unreadable(path: path, problem: "line \(offset + 2): study folder \(study.folder) appears twice")
            }
            studies.append(study)
        }
        return ShardResult(header: header, studies: studies)
    }
}

extension ShardResult.Unreadable: UserFacingError {
    public var file: String? { path }
    public var what: String { problem }
}
