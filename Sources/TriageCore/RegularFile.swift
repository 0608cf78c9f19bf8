import Glibc

/// Reads input files (slices, sidecars, model files, configurations) without letting one hang or
/// swamp the process: anything but a regular file is refused before it is opened (a FIFO's `open`
/// blocks until a writer appears), the open itself never blocks (`O_NONBLOCK`, in case the file was
/// swapped for a FIFO after the check), and a file above `maxBytes` is refused before it is read.
public enum RegularFile {
    /// Why a file was not read; `reason` is in words, without the path (the caller names the file).
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Replaces `buffer`'s contents with the file's bytes; the buffer's capacity is kept for the next file.
    public static func read(path: String, into buffer: inout [UInt8], maxBytes: Int = Int.max) throws(Refusal) {
        var status = stat()
        try call("stat", path) { stat(path, &status) }
        try requireRegular(status, path: path)
        let descriptor = try call("open", path) { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        defer { close(descriptor) }
        try call("fstat", path) { fstat(descriptor, &status) }
        try requireRegular(status, path: path)
        guard Int(status.st_size) <= maxBytes else {
            throw Refusal(path: path, reason: "the file is \(status.st_size) bytes, above the limit of \(maxBytes) bytes")
        }
        // Size from fstat plus one byte, then read to end of file: a file that grows meanwhile is still
        // read whole, up to the limit.
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: Int(status.st_size) + 1))
        var total = 0
        while true {
            if total == buffer.count {
                guard total <= maxBytes else { throw Refusal(path: path, reason: "the file grew above the limit of \(maxBytes) bytes while it was read") }
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let count = try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(Refusal) in
                    try call("read", path) { Glibc.read(descriptor, raw.baseAddress.map { $0 + total }, raw.count - total) }
                }
            }.get()
            if count == 0 { break }
            total += count
        }
        buffer.removeSubrange(total...)
    }

    /// A system call through `SystemCall`, its failure as a refusal of the file.
    @discardableResult
    private static func call<Result: BinaryInteger>(_ name: String, _ path: String, _ body: () -> Result) throws(Refusal) -> Result {
        do {
            return try SystemCall.retrying(name, path: path, body)
        } catch {
            throw Refusal(path: path, reason: error.what)
        }
    }

    /// The whole file as a new array.
    public static func bytes(path: String, maxBytes: Int = Int.max) throws(Refusal) -> [UInt8] {
        var buffer: [UInt8] = []
        try read(path: path, into: &buffer, maxBytes: maxBytes)
        return buffer
    }

    /// What a non-regular file is, in words: "a named pipe (FIFO)", "a directory", ...
    public static func kind(of mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "not a regular file"
        }
    }

    private static func requireRegular(_ status: stat, path: String) throws(Refusal) {
        if let kind = kind(of: status.st_mode) {
            throw Refusal(path: path, reason: "\(kind), not a regular file: refused without opening it")
        }
    }
}
