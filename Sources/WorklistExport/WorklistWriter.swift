import CSV
import Foundation
import Glibc
import TriageCore

/// Writes a worklist as CSV, JSON and HTML into the output directory. Each file is written under a
/// temporary name and renamed into place, so a reader (or a RIS import) never sees half a file, and a
/// failed run leaves the previous worklist as it was.
public struct WorklistWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): cannot write: \(reason)" }
    }

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Writes `worklist.csv`, `worklist.json`, `worklist.html` (or `worklist-<pool>.*` for a reading
    /// pool) for each worklist. Every file is first written in full and flushed to disk under a
    /// temporary name; only then are they renamed into place, one after another. A failure before the
    /// renames (a full disk, say) leaves all the previous files as they were.
    @discardableResult
    public func write(_ worklists: [Worklist]) throws -> [URL] {
        var staged: [(temporary: URL, final: URL)] = []
        do {
            for worklist in worklists {
                let stem = worklist.pool.map { "worklist-\(Self.safeName($0))" } ?? "worklist"
                for (suffix, data) in [("csv", Data(try Self.csv(worklist).utf8)), ("json", try Self.json(worklist)),
                                       ("html", Data(WorklistPage.html(worklist).utf8))] {
                    let final = directory.appendingPathComponent("\(stem).\(suffix)")
                    let temporary = directory.appendingPathComponent("\(Self.temporaryPrefix)\(final.lastPathComponent).\(getpid())")
                    staged.append((temporary, final))
                    try Self.writeDurably(data, to: temporary, finalPath: final.path)
                }
            }
            for file in staged {
                // rename(2) is atomic within a directory: readers see the old file or the new one.
                try Self.rename(file.temporary, to: file.final)
            }
        } catch {
            for file in staged { try? FileManager.default.removeItem(at: file.temporary) }
            throw error
        }
        return staged.map(\.final)
    }

    /// Temporary files start with this; ones left by a killed run are removed by `removeLeftovers()`.
    static let temporaryPrefix = ".tmp-"

    /// Removes temporary files a killed run left behind. Call it only while holding the run lock.
    public func removeLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(Self.temporaryPrefix) && (name.contains("worklist") || name.contains("shard-result")) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// One worklist's three files; see `write(_: [Worklist])` for the guarantees.
    @discardableResult
    public func write(_ worklist: Worklist) throws -> [URL] {
        try write([worklist])
    }

    /// A pool name as a file name: letters, digits, `-` and `_` only, so no name can leave the directory.
    static func safeName(_ name: String) -> String {
        String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
    }

    /// Replaces one file as the worklists are replaced: written in full and flushed under a temporary
    /// name (`.tmp-<name>.<pid>`) in the same folder, then renamed over `final`.
    public static func replaceDurably(_ data: Data, at final: URL) throws {
        let temporary = final.deletingLastPathComponent().appendingPathComponent("\(temporaryPrefix)\(final.lastPathComponent).\(getpid())")
        do {
            try writeDurably(data, to: temporary, finalPath: final.path)
            try rename(temporary, to: final)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes and fsyncs, so that after a power cut the renamed file has its content, not zero bytes.
    private static func writeDurably(_ data: Data, to url: URL, finalPath: String) throws(WriteError) {
        do throws(SystemCallError) {
            let descriptor = try SystemCall.retrying("open", path: url.path) { open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
            defer { close(descriptor) }
            try data.withUnsafeBytes { buffer in
                Result { () throws(SystemCallError) in
                    guard let base = buffer.baseAddress else { return }
                    var offset = 0
                    while offset < buffer.count {
                        offset += try SystemCall.retrying("write", path: url.path) { Glibc.write(descriptor, base + offset, buffer.count - offset) }
                    }
                }
            }.get()
            try SystemCall.retrying("fsync", path: url.path) { fsync(descriptor) }
        } catch {
            throw WriteError(path: finalPath, reason: error.what)
        }
    }

    /// rename(2) is atomic within a directory: readers see the old file or the new one.
    private static func rename(_ temporary: URL, to final: URL) throws(WriteError) {
        do {
            try SystemCall.retrying("rename", path: final.path) { Glibc.rename(temporary.path, final.path) }
        } catch {
            throw WriteError(path: final.path, reason: error.what)
        }
    }

    // MARK: - Formats

    static let csvColumns = [
        "rank", "study_id", "accession", "patient_id", "site", "centre", "pool", "priority_class", "dicom_priority",
        "hl7_priority", "fhir_priority", "triage_score", "model_probability", "suv_max", "suv_max_position_mm", "suv_peak",
        "hot_volume_ml", "key_slices", "board", "deadline", "hours_waiting", "overdue", "status", "reason", "model_id", "qc_flags",
    ]

    /// RFC 4180: a header row, CRLF line ends, fields quoted by the CSV library where they need it.
    static func csv(_ worklist: Worklist) throws -> String {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: csvColumns)
        for row in worklist.rows {
            try writer.write(row: fields(row))
        }
        writer.stream.close()
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// One row's fields in `csvColumns` order; numbers with fixed decimals, lists separated by spaces.
    static func fields(_ row: WorklistRow) -> [String] {
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "" }
        let identity: [String] = [String(row.rank)] + [row.studyId, row.accession, row.patientId, row.site, row.centre, row.pool].map { text($0 ?? "") }
        let priority: [String] = [row.priorityClass, row.dicomPriority, row.hl7Priority, row.fhirPriority, number(row.triageScore, "%.2f")]
        let position = row.suvMaxPositionMm.map { $0.components.map { String(format: "%.1f", $0) }.joined(separator: " ") } ?? ""
        let evidence: [String] = [number(row.modelProbability, "%.4f"), number(row.suvMax, "%.2f"), position, number(row.suvPeak, "%.2f"),
                                  number(row.hotVolumeMl, "%.1f"), row.keySlices.map(String.init).joined(separator: " ")]
        let timing: [String] = [row.board.map(iso) ?? "", row.deadline.map(iso) ?? "", number(row.hoursWaiting, "%.1f"), row.overdue ? "yes" : "no"]
        return identity + priority + evidence + timing + [row.status.rawValue, text(row.reason), text(row.modelId ?? ""), text(row.flags.joined(separator: "; "))]
    }

    /// A text cell from the inputs, neutralised against formula injection (OWASP "CSV injection"): a
    /// cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
    /// first) gets a leading apostrophe, so it shows as the text it is. Numbers are written by us and
    /// left as they are (a negative SUV stays a number). Docs/WorklistFormat.md documents it.
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return value }
        return "'" + value
    }

    static func json(_ worklist: Worklist) throws -> Data {
        return try JSONFormat.readable().encode(worklist)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

extension WorklistWriter.WriteError: UserFacingError {
    public var file: String? { path }
    public var what: String { "cannot write: \(reason)" }
}
