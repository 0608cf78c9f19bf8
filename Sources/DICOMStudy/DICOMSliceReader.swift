import DICOMFormat
import Foundation

/// Reads a native DICOM slice's pixels at the offset discovery found: the pixel element's header, then
/// the frame's bytes straight into the samples' storage (`pread`), without reading or parsing the
/// file's header again and without copying the pixels through a file buffer. One per worker.
public struct DICOMSliceReader {
    /// Why a slice could not be read: the file (in words, without its path), or its pixel element.
    public enum Failure: Error, Sendable {
        case unreadable(String)
        case dicom(DICOMError)
    }

    private var header = [UInt8](repeating: 0, count: NativePixelLocation.elementHeaderBytes)
    private var frameBytes: [UInt8] = []

    public init() {}

    /// The first frame of `instance` as grayscale samples; nil when the file is not as discovery found
    /// it (another size, no longer a regular file, no PixelData at the offset, a short read) or its
    /// pixels are not at an offset (deflated, big endian, RLE, compressed): parse it whole then.
    public mutating func readFrame(of instance: DICOMInstance, into samples: inout [UInt16]) throws(Failure) -> GrayscaleFrame? {
        guard let location = instance.pixelLocation else { return nil }
        let descriptor = open(instance.url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .unreadable(Self.errnoText()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unreadable(Self.errnoText()) }
        guard info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) == location.fileSize else { return nil }
        let wanted = min(header.count, location.fileSize - location.elementOffset)
        guard wanted > 0, header.withUnsafeMutableBytes({ Self.read(descriptor, into: $0.baseAddress!, count: wanted, at: location.elementOffset) }) else {
            return nil
        }
        let range: Range<Int>
        do {
            guard let found = try location.frameRange(0, header: header[..<wanted]) else { return nil }
            range = found
        } catch {
            throw .dicom(error)
        }
        let format = location.format
        if format.samplesAreStoredBytes {
            let count = format.rows * format.columns
            if samples.count != count { samples = [UInt16](repeating: 0, count: count) }
            guard samples.withUnsafeMutableBytes({ Self.read(descriptor, into: $0.baseAddress!, count: range.count, at: range.lowerBound) }) else {
                return nil
            }
            return GrayscaleFrame(width: format.columns, height: format.rows, storedValueOffset: 0)
        }
        if frameBytes.count != range.count { frameBytes = [UInt8](repeating: 0, count: range.count) }
        guard frameBytes.withUnsafeMutableBytes({ Self.read(descriptor, into: $0.baseAddress!, count: range.count, at: range.lowerBound) }) else {
            return nil
        }
        return DICOMPixelDecoder.grayscale(frameBytes[...], format: format, into: &samples)
    }

    /// Exactly `count` bytes at `offset`; false when the file ends first (it changed since discovery).
    private static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Bool {
        var total = 0
        while total < count {
            let got = pread(descriptor, buffer + total, count - total, off_t(offset + total))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return false }
            total += got
        }
        return true
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
