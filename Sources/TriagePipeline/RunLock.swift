import Foundation
import TriageCore

/// One run at a time per output directory: an advisory `flock` on `.radtriage.lock` in it, held for
/// as long as this value lives. The kernel releases it when the process ends, however it ends, so a
/// killed run never leaves a stale lock behind (unlike a PID file).
public final class RunLock: Sendable {
    public struct Busy: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "another radtriage run holds \(path); this run exits without doing anything" }
    }

    /// The lock file cannot be created or opened: the output folder is not writable.
    public struct Unavailable: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): cannot open the lock file: \(reason)" }
    }

    public static let fileName = ".radtriage.lock"
    public let path: String
    private let descriptor: Int32

    /// Takes the lock without waiting: `Busy` if another process holds it.
    public init(directory: URL) throws {
        path = directory.appendingPathComponent(Self.fileName).path
        let path = path
        let descriptor: Int32
        do {
            descriptor = try SystemCall.retrying("open", path: path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        } catch {
            throw Unavailable(path: path, reason: error.what)
        }
        do {
            try SystemCall.retrying("flock", path: path) { flock(descriptor, LOCK_EX | LOCK_NB) }
        } catch {
            close(descriptor)
            // EWOULDBLOCK: another process holds it; anything else is the lock file's own problem.
            if error.errno == EWOULDBLOCK { throw Busy(path: path) }
            throw Unavailable(path: path, reason: error.what)
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension RunLock.Busy: UserFacingError {
    public var file: String? { path }
    public var what: String { "another radtriage run holds it; this run exits without doing anything" }
}

extension RunLock.Unavailable: UserFacingError {
    public var file: String? { path }
    public var what: String { "cannot open the lock file: \(reason)" }
}
