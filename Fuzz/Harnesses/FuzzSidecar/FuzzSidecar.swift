import Foundation
import FuzzSupport
import StudyFormat

/// `study.json` through the validating reader: any bytes give a study or a list of problems, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let sidecar = Data(FuzzReplay.bytes(data, size))
    _ = try? StudyReader().read(sidecar: sidecar, folder: URL(fileURLWithPath: "/nonexistent/radtriage-fuzz-study"))
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
