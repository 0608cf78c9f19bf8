import Glibc

/// Reads whole files into a reusable byte buffer, so that decoding thousands of slices does not
/// allocate a new buffer for each one. Public for the bounds `radtriage bench` measures against, which
/// read their files the same way.
public enum FileBytes {
    /// Replaces `buffer`'s contents with the file's bytes; the buffer's capacity is kept for the next file.
    public static func read(path: String, into buffer: inout [UInt8]) throws(SliceDecodingError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(file: path, reason: errnoText()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(file: path, reason: errnoText()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(file: path, reason: "not a regular file") }
        // Size from fstat plus one byte, then read to end of file: a file that grows meanwhile is still read whole.
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: Int(status.st_size) + 1))
        var total = 0
        while true {
            if total == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let count = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(descriptor, raw.baseAddress.map { $0 + total }, raw.count - total)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(file: path, reason: errnoText())
            }
            total += count
        }
        buffer.removeSubrange(total...)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
