import Foundation

/// What every harness shares: the replay entry point of a plain (non-fuzzer) build, so that
/// `swift run FuzzX FILE|FOLDER...` runs the harness once per input, as libFuzzer would.
public enum FuzzReplay {
    /// Runs `body` on every file named, and on every file inside every folder named; prints how many.
    public static func main(_ body: (UnsafePointer<UInt8>, Int) -> CInt) {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let files = isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file).map(Array.init) else { continue }
                _ = bytes.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }

    /// The input as an array (libFuzzer passes a pointer that may be a dangling non-null for size 0).
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    }
}
