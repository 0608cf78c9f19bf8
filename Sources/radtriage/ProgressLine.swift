import Foundation

/// A one-line progress display on stderr, shown only when stderr is a terminal (never under cron).
final class ProgressLine: Sendable {
    private let total: Int
    private let unit: String
    private let enabled: Bool

    /// `total` 0: given with each update instead.
    init(total: Int, unit: String) {
        self.total = total
        self.unit = unit
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    func update(_ done: Int) {
        update(done, of: total)
    }

    func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(unit)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
