import DICOMStudy
import Foundation
import Logging
import Scoring
import StudyFormat
import TriageCore

extension TriageRun {
    /// One shard's studies among all the study folders found, with the inventory of them all.
    struct ShardShare {
        var shard: Shard
        var folders: [StudySource]
        var identities: [StudyIdentity]
        var found: Int
        var inventorySHA256: String

        init(of all: [StudySource], shard: Shard) {
            let reader = StudyReader()
            let identities = all.map { source in
                switch source {
                case .sidecarFolder(let folder): reader.identity(ofStudyAt: folder)
                case .dicom(let files): StudyIdentity.dicom(studyInstanceUID: files.studyInstanceUID)
                case .unreadableDICOM(let file): StudyIdentity(canonical: "dicom-file:\(file.url.lastPathComponent)")
                }
            }
            let mine = zip(all, identities).filter { shard.contains($0.1) }
            self.shard = shard
            folders = mine.map(\.0)
            self.identities = mine.map(\.1)
            found = all.count
            inventorySHA256 = ShardResult.inventorySHA256(identities)
        }
    }

    func log(_ share: ShardShare, runID: String) {
        logger.info("shard share", metadata: ["run.id": "\(runID)", "shard": "\(share.shard)", "studies": "\(share.folders.count)",
                                              "studies_in_all_shards": "\(share.found)"])
    }

    /// The shard result, from the outcomes as the state keeps them: the merge then ranks exactly what
    /// this shard's own worklist ranked.
    func writeShardResult(_ share: ShardShare, outcomes: [StudyOutcome], into output: URL) throws -> URL {
        let header = ShardResult.Header(
            shardIndex: share.shard.index, shardCount: share.shard.count, toolVersion: RadtriageVersion.current, modelId: model.id,
            weightsSHA256: model.weightsSHA256, configuration: configurationDigest, studies: outcomes.count, studiesFound: share.found,
            inventorySHA256: share.inventorySHA256, validationScores: model.manifest.validationScores)
        let studies = zip(zip(share.identities, share.folders), outcomes).map { pair, outcome in
            ShardResult.Study(identity: pair.0, folder: pair.1.location.path, outcome: outcome)
        }
        do {
            return try ShardResult(header: header, studies: studies).write(into: output)
        } catch {
            throw RunError(.output, error)
        }
    }
}
