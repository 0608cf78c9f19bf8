import DICOMFormat
import Foundation
import TriageCore

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

    /// Frame `instance.frame` of the file (the first of a single-frame file) as grayscale samples; nil when the file is not as discovery found
    /// it (another size, no longer a regular file, no PixelData at the offset, a short read) or its
    /// pixels are not at an offset (deflated, big endian, RLE, compressed): parse it whole then.
    public mutating func readFrame(of instance: DICOMInstance, into samples: inout [UInt16]) throws(Failure) -> GrayscaleFrame? {
        guard let location = instance.pixelLocation else { return nil }
        let path = instance.url.path
        let descriptor: Int32
        var info = stat()
        do {
            descriptor = try SystemCall.retrying("open", path: path) { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        } catch {
            throw .unreadable(error.what)
        }
        defer { close(descriptor) }
        do {
            try SystemCall.retrying("fstat", path: path) { fstat(descriptor, &info) }
        } catch {
            throw .unreadable(error.what)
        }
        guard info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) == location.fileSize else { return nil }
        let wanted = min(header.count, location.fileSize - location.elementOffset)
        guard wanted > 0, header.withUnsafeMutableBytes({ Self.read(descriptor, into: $0.baseAddress!, count: wanted, at: location.elementOffset) }) else {
            return nil
        }
        let range: Range<Int>
        do {
            guard let found = try location.frameRange(instance.frame, header: header[..<wanted]) else { return nil }
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
            guard let got = try? SystemCall.retrying("pread", { pread(descriptor, buffer + total, count - total, off_t(offset + total)) }),
                  got > 0 else { return false }
            total += got
        }
        return true
    }
}
