import Foundation
import FuzzSupport
import TriageCore
import TriagePipeline

/// A `shard-result.jsonl` through the merge's reader: any bytes give a shard result or `Unreadable`,
/// never a crash. A mutated file almost never keeps its end line's SHA-256, so each input is read twice:
/// as given (the digest and count checks), and resealed with a correct end line, so that the header and
/// study lines behind the digest are fuzzed too. A result that reads must write and read back the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, size)
    check(Data(bytes))
    check(resealed(bytes))
    return 0
}

private func check(_ file: Data) {
    guard let result = try? ShardResult.decode(file, path: "fuzz") else { return }
    guard let again = try? ShardResult.decode(try result.encoded(), path: "fuzz (written back)") else {
        fatalError("a shard result that reads does not read back once written")
    }
    precondition(again.header == result.header && again.studies.count == result.studies.count,
                 "a shard result written back reads differently")
}

/// The input's lines without any end line, and a correct end line (count of study lines, SHA-256).
private func resealed(_ bytes: [UInt8]) -> Data {
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    if let last = lines.last, last.starts(with: Array(#"{"end":"#.utf8)) { lines.removeLast() }
    var body = Data()
    for line in lines {
        body.append(contentsOf: line)
        body.append(0x0A)
    }
    let end = #"{"end":{"sha256":"\#(SHA256.hex(body))","studies":\#(max(lines.count - 1, 0))}}"#
    body.append(contentsOf: Array(end.utf8))
    body.append(0x0A)
    return body
}

#if !FUZZING
@main enum Replay { static func main() { FuzzReplay.main(fuzzOne) } }
#endif
