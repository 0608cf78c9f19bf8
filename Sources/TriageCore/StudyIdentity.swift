/// What makes a study the same study wherever and whenever it is found: the key of its shard.
///
/// The identity is a canonical string whose UTF-8 bytes are hashed; two studies with the same identity
/// are the same study, and a merge refuses to see one twice. A PNG study is its sidecar's study id and
/// its folder's name; a DICOM study is its StudyInstanceUID.
public struct StudyIdentity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The bytes that are hashed, as text: `png:<length of the study id in UTF-8 bytes>:<study id>:<folder>`
    /// (the length keeps an id containing `:` from running into the folder name) or `dicom:<UID>`.
    public let canonical: String

    public init(canonical: String) {
        self.canonical = canonical
    }

    /// A PNG study: the study id from its sidecar (nil when the sidecar cannot be read, so that a broken
    /// study still has a shard) and the name of its folder.
    public static func png(studyId: String?, folderName: String) -> StudyIdentity {
        let id = studyId ?? ""
        return StudyIdentity(canonical: "png:\(id.utf8.count):\(id):\(folderName)")
    }

    public static func dicom(studyInstanceUID: String) -> StudyIdentity {
        StudyIdentity(canonical: "dicom:\(studyInstanceUID)")
    }

    /// SHA-256 of the canonical bytes, read as one 256-bit big-endian number, modulo `count`. A fixed
    /// hash (never Swift's per-process seeded `Hasher`): every process, machine and version agrees, and
    /// a study's shard does not depend on which other studies exist.
    public func shard(of count: Int) -> Int {
        precondition(count >= 1, "a shard count is at least 1")
        let digest = SHA256.hex(Array(canonical.utf8))
        var remainder: UInt64 = 0
        var nibbles = digest.utf8.makeIterator()
        while let high = nibbles.next(), let low = nibbles.next() {
            let byte = UInt64(Self.nibble(high) << 4 | Self.nibble(low))
            remainder = (remainder << 8 | byte) % UInt64(count)
        }
        return Int(remainder)
    }

    private static func nibble(_ character: UInt8) -> UInt8 {
        character >= UInt8(ascii: "a") ? character - UInt8(ascii: "a") + 10 : character - UInt8(ascii: "0")
    }

    public static func < (a: StudyIdentity, b: StudyIdentity) -> Bool { a.canonical < b.canonical }
    public var description: String { canonical }

    public init(from decoder: any Decoder) throws {
        canonical = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonical)
    }
}

/// One shard of a sharded run: index `index` of `count`, written `K/N` with K in 0..<N.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// nil unless 0 ≤ index < count.
    public init?(index: Int, count: Int) {
        guard count >= 1, index >= 0, index < count else { return nil }
        self.index = index
        self.count = count
    }

    /// `K/N`, e.g. `3/8`; nil for anything else, or an index outside 0..<N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    public func contains(_ identity: StudyIdentity) -> Bool { identity.shard(of: count) == index }
    public var description: String { "\(index)/\(count)" }
}
