import Foundation
import Quantification
import TriageCore

/// The SUV refusals of the PNG path, named in DICOM terms: the file, the attribute (keyword and tag)
/// and the value as the file holds it.
public enum DICOMSUVProblems {
    public static func problem(_ reason: SUVUnavailableReason, instances: [DICOMInstance]) -> InputProblem {
        let head = instances.first
        let file = head?.url.path ?? ""
        let drug = head?.pet.radiopharmaceutical
        let sequence = "RadiopharmaceuticalInformationSequence (0054,0016)"
        var message = reason.description
        let (field, value): (String, String?)
        switch reason {
        case .missingUnits, .unsupportedUnits:
            (field, value) = (head?.pet.unitsField ?? "Units (0054,1001)", head?.pet.units)
        case .missingDecayCorrection, .unknownDecayCorrection:
            if head?.enhancedPET != nil, head?.pet.decayCorrection == nil {
                (field, value) = ("DecayCorrected (0018,9758)", head?.pet.decayCorrected)
            } else {
                (field, value) = ("DecayCorrection (0054,1102)", head?.pet.decayCorrection)
            }
        case .missingRadiopharmaceutical:
            (field, value) = (sequence, nil)
        case .unknownRadionuclide:
            (field, value) = ("\(sequence) > RadionuclideCodeSequence (0054,0300) > CodeMeaning (0008,0104)", drug?.nuclideMeaning ?? drug?.nuclideCode)
        case .missingWeight, .implausibleWeight:
            (field, value) = ("PatientWeight (0010,1030)", head?.pet.patientWeightText)
        case .missingInjectedActivity:
            (field, value) = ("\(sequence) > RadionuclideTotalDose (0018,1074)", drug?.totalDoseText)
        case .implausibleInjectedActivity(let mbq):
            // In Bq, except in Enhanced PET (its Isotope module gives MBq).
            let (unit, other) = head?.pet.doseInMBq == true ? ("MBq", "Bq") : ("Bq", "MBq")
            (field, value) = ("\(sequence) > RadionuclideTotalDose (0018,1074)", drug?.totalDoseText.map { "\($0) \(unit)" })
            message = "SUV not computable: RadionuclideTotalDose is in \(unit)\(unit == "MBq" ? " in Enhanced PET" : ""); this one is \(mbq) MBq, outside \(SUVUnavailableReason.plausibleActivityMBq.lowerBound)–\(SUVUnavailableReason.plausibleActivityMBq.upperBound) MBq (was it written in \(other)?)"
        case .missingInjectionTime:
            (field, value) = ("\(sequence) > RadiopharmaceuticalStartDateTime (0018,1078) or RadiopharmaceuticalStartTime (0018,1072)", nil)
        case .missingInjectionDate:
            (field, value) = ("\(sequence) > RadiopharmaceuticalStartDateTime (0018,1078)", drug?.startTime.map { "StartTime \($0) only" })
        case .noScanReferenceTime:
            (field, value) = ("SeriesDate (0008,0021), SeriesTime (0008,0031)", head.map { "\($0.dates.seriesDate ?? "absent") \($0.dates.seriesTime ?? "absent")" })
        case .negativeDecayInterval:
            (field, value) = ("\(sequence) > RadiopharmaceuticalStartDateTime (0018,1078)", drug?.startDateTime ?? drug?.startTime)
        case .missingSliceAcquisitionTime(let first, _):
            let slice = first < instances.count ? instances[first] : head
            return InputProblem(file: slice?.url.path ?? file, field: "AcquisitionTime (0008,0032)", value: nil, message: message)
        }
        return InputProblem(file: file, field: field, value: value, message: message)
    }
}
