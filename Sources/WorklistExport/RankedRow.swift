import Foundation
import Triage
import TriageCore

extension WorklistRow {
    /// A ranked study as the worklists show it: the rank and its reasons from the ranking, the rest from
    /// the study's result.
    public init(_ study: RankedStudy) {
        let candidate = study.candidate
        let result = candidate.outcome?.scored
        let metadata = candidate.outcome?.metadata
        let components = study.components
        self.init(
            rank: study.rank, studyId: candidate.studyId, accession: metadata?.identity.accessionNumber, patientId: metadata?.identity.patientId,
            site: candidate.site, centre: candidate.centre, pool: study.pool, priorityClass: candidate.priority.rawValue,
            dicomPriority: study.priorityClass.dicom, hl7Priority: study.priorityClass.hl7, fhirPriority: study.priorityClass.fhir,
            triageScore: study.score,
            scoreComponents: ["model": components.model, "priority": components.priority, "waiting": components.waiting, "deadline": components.deadline],
            modelProbability: result?.probability, suvMax: result?.evidence?.suvMax, suvMaxPositionMm: result?.evidence?.suvMaxPositionMm,
            suvPeak: result?.evidence?.suvPeak, hotVolumeMl: result?.evidence?.hotVolumeMl,
            keySlices: result?.keySlices.map(\.index) ?? [], keySliceFiles: result?.keySlices.map(\.file) ?? [],
            board: study.board, deadline: study.deadline, hoursWaiting: study.hoursWaiting, overdue: study.overdue,
            status: result == nil ? .failed : .scored, reason: study.reasonText, modelId: result?.modelId,
            thumbnailPNG: result?.thumbnailPNG, boardTimeZone: study.boardTimeZone?.identifier,
            focalUptake: result?.evidence?.focalUptake?.candidates.prefix(3).map(\.summary),
            // A failed study's QC flags too (what was not mapped): they are no less true for its failure.
            flags: (result?.warnings ?? candidate.outcome?.failure?.warnings ?? []).map(Self.flag))
    }

    /// A warning as a worklist flag: the field, the value and the message (the file is the study's own).
    static func flag(_ warning: InputProblem) -> String {
        [warning.field, warning.value.map { "= \($0)" }].compactMap { $0 }.joined(separator: " ") + (warning.field == nil ? "" : ": ") + warning.message
    }
}
