import Dispatch
import Foundation
import Synchronization

/// Standard error, shared by the log lines and the progress line. On a terminal, a log line first
/// clears the progress line (which has no newline of its own), and the progress line is drawn again
/// below it, so that the two never run into each other; elsewhere (cron, a pipe) there is no progress
/// line and log lines are written as they come.
final class StandardError: Sendable {
    static let shared = StandardError(isTerminal: isatty(STDERR_FILENO) == 1)

    let isTerminal: Bool
    /// The progress line on screen, if any.
    private let progress = Mutex<String?>(nil)
    private let write: @Sendable (String) -> Void

    init(isTerminal: Bool, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Writes whole lines (`text` ends with a newline) above the progress line.
    func writeLines(_ text: String) {
        progress.withLock { line in
            guard let line else { return write(text) }
            write(Self.clearLine + text + line)
        }
    }

    /// Shows `line` as the progress line (terminals only), replacing the one shown.
    func showProgress(_ line: String) {
        guard isTerminal else { return }
        progress.withLock { shown in
            shown = line
            write(Self.clearLine + line)
        }
    }

    /// Leaves the progress line where it is, ending it with a newline, so that what follows starts on a line of its own.
    func endProgress() {
        progress.withLock { shown in
            if shown != nil { write("\n") }
            shown = nil
        }
    }

    /// Carriage return, then erase to the end of the line (ECMA-48 EL).
    static let clearLine = "\r\u{1B}[K"
}

/// A one-line progress display on stderr, shown only when stderr is a terminal (never under cron).
final class ProgressLine: Sendable {
    private let total: Int
    private let unit: String
    private let output: StandardError
    /// The count last drawn and when: within a count, the line is redrawn at most ten times a second.
    private let drawn = Mutex((done: -1, at: UInt64(0)))

    /// `total` 0: given with each update instead.
    init(total: Int, unit: String, output: StandardError = .shared) {
        self.total = total
        self.unit = unit
        self.output = output
    }

    func update(_ done: Int) {
        update(done, of: total)
    }

    /// `detail` follows the count, such as the slices of the studies in progress.
    func update(_ done: Int, of total: Int, detail: String = "") {
        guard output.isTerminal, total > 0 else { return }
        let due = drawn.withLock { drawn in
            let now = DispatchTime.now().uptimeNanoseconds
            guard done != drawn.done || now - drawn.at >= 100_000_000 else { return false }
            drawn = (done, now)
            return true
        }
        guard due else { return }
        output.showProgress(Self.line(done, of: total, unit: unit, detail: detail))
    }

    static func line(_ done: Int, of total: Int, unit: String, detail: String = "") -> String {
        let width = 30
        let filled = width * min(done, total) / max(total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "[\(bar)] \(done)/\(total) \(unit)" + (detail.isEmpty ? "" : ", \(detail)")
    }

    func finish() {
        output.endProgress()
    }
}
