import DICOMFormat
import FuzzSupport

/// DICOM Part 10 files: parsing, then the first frame as grayscale; and as a run reads them, the header
/// alone (salvaging what precedes a break), then the pixels at the offset it found. Any bytes give a
/// file or an error, and the two ways to the pixels agree.
let parser = DICOMParser(limits: DICOMParseLimits(maxSequenceDepth: 32, maxInflatedBytes: 64 << 20, maxElements: 1 << 16))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, size)
    var whole: [UInt16]?
    if let file = try? parser.parse(bytes) {
        var samples: [UInt16] = []
        if (try? DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)) != nil { whole = samples }
    }
    guard case .success(let header) = parser.parseHeaderSalvaging(bytes),
          let location = NativePixelLocation(header, fileSize: bytes.count) else { return 0 }
    var samples: [UInt16] = []
    if (try? DICOMPixelDecoder().grayscaleFrame(0, at: location, in: bytes, into: &samples)) != nil, let whole, whole != samples {
        fatalError("the pixels at the header's offset differ from the whole file's")
    }
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
