import DICOMFormat
import DICOMStudy
import FuzzSupport

/// DICOM Part 10 files: parsing, then the first and last frames as grayscale; and as a run reads them,
/// the header alone (salvaging what precedes a break), an Enhanced PET file's per-frame functional
/// groups, then the pixels at the offset it found. Any bytes give a file or an error, and the two ways
/// to the pixels agree.
let parser = DICOMParser(limits: DICOMParseLimits(maxSequenceDepth: 32, maxInflatedBytes: 64 << 20, maxElements: 1 << 16))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, size)
    var whole: [[UInt16]?] = [nil, nil]
    var frames = [0]  // and the last one, when there are several
    if let file = try? parser.parse(bytes) {
        let count = file.dataset.integer(.numberOfFrames) ?? 1
        if count > 1 { frames.append(count - 1) }
        for (slot, frame) in frames.enumerated() {
            var samples: [UInt16] = []
            if (try? DICOMPixelDecoder().grayscaleFrame(frame, of: file, into: &samples)) != nil { whole[slot] = samples }
        }
    }
    guard case .success(let header) = parser.parseHeaderSalvaging(bytes) else { return 0 }
    if header.dataset.contains(.perFrameFunctionalGroupsSequence) {
        let count = header.dataset.integer(.numberOfFrames) ?? 1
        let enhanced = EnhancedPETFrames(header.dataset, numberOfFrames: count)
        if enhanced.problems.isEmpty && enhanced.frames.count != count {
            fatalError("\(enhanced.frames.count) frames read without a problem where NumberOfFrames is \(count)")
        }
    }
    guard let location = NativePixelLocation(header, fileSize: bytes.count) else { return 0 }
    for (slot, frame) in frames.enumerated() {
        var samples: [UInt16] = []
        if (try? DICOMPixelDecoder().grayscaleFrame(frame, at: location, in: bytes, into: &samples)) != nil, let expected = whole[slot], expected != samples {
            fatalError("frame \(frame)'s pixels at the header's offset differ from the whole file's")
        }
    }
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
