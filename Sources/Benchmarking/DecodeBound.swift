import CDecodeBaseline

/// The decoding bound: the same slice files read and decoded by the plain libpng loop a C programmer
/// would write (Sources/CDecodeBaseline, no radtriage code), on one thread. A native DICOM slice is
/// read and its samples copied from the file's end, without parsing: what reading its pixels costs.
public enum DecodeBound {
    public typealias Measurement = BoundRate

    /// PNG files.
    public static func measure(files: [String], rounds: Int = 3) throws -> Measurement {
        try measure(slices: files.map { PlainPipelineBound.Slice(path: $0, slope: 1, intercept: 0) }, rounds: rounds)
    }

    /// Reads and decodes each file once per round; the fastest round counts.
    public static func measure(slices: [PlainPipelineBound.Slice], rounds: Int = 3) throws -> Measurement {
        var bytes: [UInt8] = []
        var samples = [UInt16](repeating: 0, count: 4096 * 4096)
        var (width, height): (UInt32, UInt32) = (0, 0)
        return try BoundRate.fastest(of: rounds, slices: slices.count) {
            for slice in slices {
                try BoundRate.read(slice.path, into: &bytes)
                if let range = try slice.dicomSamples(in: bytes) {
                    guard range.count <= samples.count * 2 else { throw BenchError(file: slice.path, what: "larger than 4096² samples") }
                    samples.withUnsafeMutableBytes { output in
                        bytes.withUnsafeBytes { input in output.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[range])) }
                    }
                    continue
                }
                let decoded = bytes.withUnsafeBufferPointer { input in
                    samples.withUnsafeMutableBufferPointer { output in
                        baseline_decode_gray(input.baseAddress, input.count, output.baseAddress, output.count, &width, &height)
                    }
                }
                guard decoded > 0 else { throw BenchError(file: slice.path, what: "the plain libpng loop could not decode it") }
            }
        }
    }
}
