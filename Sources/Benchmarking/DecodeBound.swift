import CDecodeBaseline

/// The decoding bound: the same slice files read and decoded by the plain libpng loop a C programmer
/// would write (Sources/CDecodeBaseline, no radtriage code), on one thread.
public enum DecodeBound {
    public typealias Measurement = BoundRate

    /// Reads and decodes each file once per round; the fastest round counts.
    public static func measure(files: [String], rounds: Int = 3) throws -> Measurement {
        var bytes: [UInt8] = []
        var samples = [UInt16](repeating: 0, count: 4096 * 4096)
        var (width, height): (UInt32, UInt32) = (0, 0)
        return try BoundRate.fastest(of: rounds, slices: files.count) {
            for path in files {
                try BoundRate.read(path, into: &bytes)
                let decoded = bytes.withUnsafeBufferPointer { input in
                    samples.withUnsafeMutableBufferPointer { output in
                        baseline_decode_gray(input.baseAddress, input.count, output.baseAddress, output.count, &width, &height)
                    }
                }
                guard decoded > 0 else { throw BenchError(file: path, what: "the plain libpng loop could not decode it") }
            }
        }
    }
}
