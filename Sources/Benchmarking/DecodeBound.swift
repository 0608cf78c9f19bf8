import CDecodeBaseline
import Dispatch
import Glibc

/// The decoding bound: the same slice files read and decoded by the plain libpng loop a C programmer
/// would write (Sources/CDecodeBaseline, no radtriage code), on one thread.
public enum DecodeBound {
    public struct Measurement: Codable, Sendable {
        public var slices: Int
        public var seconds: Double
        public var slicesPerSecond: Double { Double(slices) / max(seconds, 1e-9) }
    }

    /// Reads and decodes each file once (best of `rounds` passes, so the page cache is warm for all).
    public static func measure(files: [String], rounds: Int = 3) throws -> Measurement {
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        var samples = [UInt16](repeating: 0, count: 4096 * 4096)
        var (width, height): (UInt32, UInt32) = (0, 0)
        var best = Double.infinity
        for _ in 0..<max(rounds, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            for path in files {
                let size = try readFile(path, into: &bytes)
                let decoded = bytes.withUnsafeBufferPointer { input in
                    samples.withUnsafeMutableBufferPointer { output in
                        baseline_decode_gray(input.baseAddress, size, output.baseAddress, output.count, &width, &height)
                    }
                }
                guard decoded > 0 else { throw BenchError("\(path): the plain libpng loop could not decode it") }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Measurement(slices: files.count, seconds: best)
    }

    /// The whole file into `buffer` (grown when needed); returns its size.
    static func readFile(_ path: String, into buffer: inout [UInt8]) throws -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BenchError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var size = 0
        while true {
            if size == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + size, $0.count - size) }
            if count < 0 { throw BenchError("\(path): \(String(cString: strerror(errno)))") }
            if count == 0 { return size }
            size += count
        }
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The studies given cannot be measured (no folder, no slices of the model's modality).
        case input
        /// A measurement failed (a file the bound could not decode, a run that did not finish).
        case measurement
    }

    public let kind: Kind
    public let description: String

    public init(_ description: String, kind: Kind = .measurement) {
        self.kind = kind
        self.description = description
    }
}
