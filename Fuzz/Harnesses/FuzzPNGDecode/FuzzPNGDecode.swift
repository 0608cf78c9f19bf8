import FuzzSupport
import SliceCodec

/// PNG slices on both decoding paths: neither may crash or allocate beyond the limits, and a file the
/// fast path decodes must decode through libpng to the same header and samples.
let decoder = PNGSliceDecoder(limits: DecodingLimits(maxWidth: 2048, maxHeight: 2048, maxPixels: 1 << 20))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, size)
    _ = try? decoder.decode(bytes, file: "input")
    if let disagreement = decoder.pathDisagreement(bytes) {
        fatalError("the decoding paths disagree: \(disagreement)")
    }
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
