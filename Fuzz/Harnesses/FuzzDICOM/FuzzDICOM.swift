import DICOMFormat
import FuzzSupport

/// DICOM Part 10 files: parsing, then the first frame as grayscale; any bytes give a file or an error.
let parser = DICOMParser(limits: DICOMParseLimits(maxSequenceDepth: 32, maxInflatedBytes: 64 << 20, maxElements: 1 << 16))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = try? parser.parse(FuzzReplay.bytes(data, size)) else { return 0 }
    var samples: [UInt16] = []
    _ = try? DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
