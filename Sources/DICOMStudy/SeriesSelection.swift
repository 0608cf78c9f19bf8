import DICOMFormat
import Foundation
/// Which series of a DICOM study is scored, and why; every other series with the reason it is not.
///
/// The rule (shown by `inspect`): among PET image series (PET Image Storage, or modality PT), prefer
/// attenuation- and decay-corrected ones (CorrectedImage (0028,0051) holds ATTN and DECY), then Units
/// (0054,1001) BQML or GML, then static over dynamic or gated (SeriesType (0054,1000)), then the most
/// slices, then the lowest SeriesNumber, then the SeriesInstanceUID. The CT image series with the
/// most slices is kept as context (a CT model scores it).
public struct SeriesSelection: Sendable {
    public struct Choice: Sendable {
        public enum Role: String, Sendable {
            case scoredPET = "PET, scored"
            case contextCT = "CT, context"
            case notUsed = "not used"
        }
        public let seriesInstanceUID: String
        public let modality: String
        public let seriesNumber: Int?
        public let description: String?
        public let instances: [DICOMInstance]
        public let role: Role
        /// Why this role, in words naming the attributes.
        public let reason: String
    }

    public static let rule = """
        PET series scored: PET image series (PET Image Storage, or modality PT), preferring attenuation- and \
        decay-corrected ones (CorrectedImage (0028,0051) with ATTN and DECY), then Units (0054,1001) BQML or GML, \
        then static over dynamic or gated (SeriesType (0054,1000)), then the most slices, the lowest SeriesNumber, \
        the SeriesInstanceUID; the CT image series with the most slices is kept as context
        """

    public let choices: [Choice]

    public var pet: Choice? { choices.first { $0.role == .scoredPET } }
    public var ct: Choice? { choices.first { $0.role == .contextCT } }

    public init(_ instances: [DICOMInstance]) {
        var bySeries: [String: [DICOMInstance]] = [:]
        for instance in instances where instance.isImage {
            bySeries[instance.seriesInstanceUID ?? "", default: []].append(instance)
        }
        let groups = bySeries.map { (uid: $0.key, instances: $0.value) }
        let pets = groups.filter { group in group.instances.contains(where: Self.isPET) }
            .sorted { Self.petRank($0.instances, $0.uid) < Self.petRank($1.instances, $1.uid) }
        let cts = groups.filter { group in group.instances.allSatisfy { $0.modality == "CT" } }
            .sorted { ($1.instances.count, $0.uid) < ($0.instances.count, $1.uid) }
        var choices: [Choice] = []
        for (rank, group) in pets.enumerated() {
            let qualities = Self.qualities(group.instances)
            let reason = rank == 0
                ? "the first PET series by the rule: \(qualities)"
                : "another PET series ranks first (\(qualities))"
            choices.append(Self.choice(group.uid, group.instances, role: rank == 0 ? .scoredPET : .notUsed, reason: reason))
        }
        for (rank, group) in cts.enumerated() {
            choices.append(Self.choice(group.uid, group.instances, role: rank == 0 ? .contextCT : .notUsed,
                                       reason: rank == 0 ? "the CT series with the most slices (\(group.instances.count))" : "another CT series has more slices"))
        }
        let used = Set(choices.map(\.seriesInstanceUID))
        for group in groups where !used.contains(group.uid) {
            let modality = group.instances.first?.modality ?? "?"
            choices.append(Self.choice(group.uid, group.instances, role: .notUsed, reason: "modality \(modality) is neither PET nor CT"))
        }
        self.choices = choices
    }

    static func isPET(_ instance: DICOMInstance) -> Bool {
        instance.sopClassUID == DICOMInstance.petImageStorage || instance.sopClassUID == DICOMInstance.enhancedPETImageStorage
            || instance.modality == "PT"
    }

    /// Sort key: smaller ranks first.
    private static func petRank(_ instances: [DICOMInstance], _ uid: String) -> (Int, Int, Int, Int, Int, String) {
        let first = instances[0]
        let corrected = Set((first.pet.correctedImage ?? []).map { $0.uppercased() })
        let units = first.pet.units?.uppercased()
        let type = first.pet.seriesType?.first?.uppercased() ?? "STATIC"
        return (corrected.isSuperset(of: ["ATTN", "DECY"]) ? 0 : 1, units == "BQML" || units == "GML" ? 0 : 1,
                type == "DYNAMIC" || type == "GATED" ? 1 : 0, -sliceCount(instances), first.seriesNumber ?? Int.max, uid)
    }

    /// Slices: frames, a multi-frame file counting as its frames (within the frame limit, so a hostile
    /// NumberOfFrames cannot overflow the sum).
    static func sliceCount(_ instances: [DICOMInstance]) -> Int {
        instances.reduce(0) { $0 + min(max($1.numberOfFrames, 1), PixelLimits.standard.maxFrames) }
    }

    private static func qualities(_ instances: [DICOMInstance]) -> String {
        let first = instances[0]
        let corrected = first.pet.correctedImage?.joined(separator: "\\") ?? "absent"
        let type = first.pet.seriesType?.joined(separator: "\\") ?? "absent"
        return "CorrectedImage \(corrected), Units \(first.pet.units ?? "absent"), SeriesType \(type), \(sliceCount(instances)) slice(s)"
    }

    private static func choice(_ uid: String, _ instances: [DICOMInstance], role: Choice.Role, reason: String) -> Choice {
        let first = instances[0]
        return Choice(seriesInstanceUID: uid, modality: first.modality ?? "?", seriesNumber: first.seriesNumber,
                      description: first.seriesDescription, instances: instances, role: role, reason: reason)
    }
}
