import Foundation
import TriageCore

extension StudyReader {
    /// The identity of the PNG study in `folder`: its sidecar's study id and the folder's name. A folder
    /// whose sidecar is missing or unreadable still has one (without the id), so that it lands in a
    /// shard and is reported there as failed instead of vanishing.
    public func identity(ofStudyAt folder: URL) -> StudyIdentity {
        var validator = SidecarValidator(file: folder.appendingPathComponent(Study.sidecarFileName).path)
        var studyId: String?
        if let root = loadJSON(at: folder.appendingPathComponent(Study.sidecarFileName), validator: &validator),
           case .string(let id)? = root["studyId"] {
            studyId = id
        }
        return .png(studyId: studyId, folderName: folder.lastPathComponent)
    }
}
