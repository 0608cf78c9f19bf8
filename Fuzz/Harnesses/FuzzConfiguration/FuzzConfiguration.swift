import FuzzSupport
import Triage

/// The YAML configuration: any text gives a configuration or a list of problems, quickly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? ConfigurationLoader().parse(String(decoding: FuzzReplay.bytes(data, size), as: UTF8.self))
    return 0
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
