import Foundation
import FuzzSupport
@_spi(Fuzzing) import Scoring

/// A model folder held in memory: the first two bytes (little-endian) give the manifest's length, the
/// manifest follows, the rest is the safetensors file. Loading must end in a model or an error, and a
/// loaded model's shapes must be computable without overflow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, size)
    guard bytes.count >= 2 else { return 0 }
    let length = min(Int(bytes[0]) | Int(bytes[1]) << 8, bytes.count - 2)
    let manifest = Data(bytes[2..<(2 + length)])
    guard let model = try? ScoringModel.load(manifest: manifest, weights: Array(bytes[(2 + length)...])) else { return 0 }
    _ = model.flopsPerSlice
    _ = model.gemmShapes
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
