import TriageCore

/// Reads whole files into a reusable byte buffer, so that decoding thousands of slices does not
/// allocate a new buffer for each one. Public for the bounds `radtriage bench` measures against, which
/// read their files the same way.
public enum FileBytes {
    /// A slice file above this size is not a slice (an 8192 × 8192 16-bit image stored uncompressed is 128 MiB).
    public static let maxSliceBytes = 256 << 20

    /// Replaces `buffer`'s contents with the file's bytes; the buffer's capacity is kept for the next file.
    /// Anything but a regular file (a FIFO, a device) is refused before it is opened.
    public static func read(path: String, into buffer: inout [UInt8]) throws(SliceDecodingError) {
        do {
            try RegularFile.read(path: path, into: &buffer, maxBytes: maxSliceBytes)
        } catch {
            throw .unreadable(file: path, reason: error.reason)
        }
    }
}
