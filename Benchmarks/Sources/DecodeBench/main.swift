import CDecodeBaseline
import Foundation
import SliceCodec
import Synthesis

// Decodes the same in-memory PNG slices through radtriage's SliceCodec and through a plain C libpng
// loop, alternating rounds so that both see the same machine state, and prints slices per second for
// both and their ratio. Single-threaded: this measures the cost per slice, not the machine's cores.
//
// Usage: decode-bench [--slices N] [--rounds R] [--compression L] [--folder DIR]
//   --folder DIR: where the generated slices are written (pet-256/, ct-512/ inside it; default a
//   folder under the temporary directory). It is a scratch folder: not a study folder to read.

struct Arguments {
    var slices = 200
    var rounds = 7
    var compression = 6
    var folder: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--slices": slices = Int(value) ?? slices
            case "--rounds": rounds = Int(value) ?? rounds
            case "--compression": compression = Int(value) ?? compression
            case "--folder": folder = value
            default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8)); exit(64)
            }
        }
    }
}

/// Generated slices of one matrix size (PET 256², CT 512²), as files then read into memory.
func generatedSlices(matrix: Int, ct: Bool, arguments: Arguments) throws -> [[UInt8]] {
    let root = arguments.folder.map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-decode-bench-\(matrix)")
    var options = SynthesisOptions(studies: 1, slicesPerStudy: arguments.slices, seed: 42)
    options.petMatrix = matrix
    options.includeCT = ct
    options.ctMatrix = matrix
    options.compressionLevel = arguments.compression
    let folder = root.appendingPathComponent(ct ? "ct-\(matrix)" : "pet-\(matrix)")
    try StudySynthesizer(options: options).writeStudies(to: folder)
    let series = folder.appendingPathComponent(ct ? "S0001/CT" : "S0001/PT")
    let names = try FileManager.default.contentsOfDirectory(atPath: series.path).filter { $0.hasSuffix(".png") }.sorted()
    return try names.map { Array(try Data(contentsOf: series.appendingPathComponent($0))) }
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func measure(_ label: String, files: [[UInt8]], rounds: Int) {
    let decoder = PNGSliceDecoder()
    var samples: [UInt16] = []
    var baseline = [UInt16](repeating: 0, count: 4096 * 4096)
    var swiftTimes: [Double] = []
    var cTimes: [Double] = []
    var (width, height): (UInt32, UInt32) = (0, 0)
    for _ in 0..<rounds {
        swiftTimes.append(seconds {
            for file in files {
                do { try decoder.decode(file, file: label, into: &samples) } catch { fatalError("\(error)") }
            }
        })
        cTimes.append(seconds {
            baseline.withUnsafeMutableBufferPointer { out in
                for file in files {
                    let count = file.withUnsafeBufferPointer { baseline_decode_gray($0.baseAddress, $0.count, out.baseAddress, out.count, &width, &height) }
                    precondition(count > 0, "baseline failed to decode")
                }
            }
        })
    }
    // The same pixels from both paths, or the comparison means nothing.
    baseline.withUnsafeMutableBufferPointer { out in
        let count = files[0].withUnsafeBufferPointer { baseline_decode_gray($0.baseAddress, $0.count, out.baseAddress, out.count, &width, &height) }
        _ = try? decoder.decode(files[0], file: label, into: &samples)
        precondition(Array(out.prefix(count)) == samples, "SliceCodec and the baseline disagree")
    }
    let swiftRate = Double(files.count) / swiftTimes.sorted()[rounds / 2]
    let cRate = Double(files.count) / cTimes.sorted()[rounds / 2]
    let kib = Double(files.map(\.count).reduce(0, +)) / Double(files.count) / 1024
    print(String(format: "%@  %4d slices, %.1f KiB each: SliceCodec %7.0f slices/s, plain libpng %7.0f slices/s, ratio %.3f",
                 label, files.count, kib, swiftRate, cRate, swiftRate / cRate))
}

let arguments = Arguments(CommandLine.arguments)
print("decode-bench: median of \(arguments.rounds) alternating rounds, one thread, files in memory, zlib level \(arguments.compression)")
do {
    measure("PET 256×256", files: try generatedSlices(matrix: 256, ct: false, arguments: arguments), rounds: arguments.rounds)
    measure("CT  512×512", files: try generatedSlices(matrix: 512, ct: true, arguments: arguments), rounds: arguments.rounds)
} catch {
    FileHandle.standardError.write(Data("decode-bench: \(error)\n".utf8))
    exit(1)
}
