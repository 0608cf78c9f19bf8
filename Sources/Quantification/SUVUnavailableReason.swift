import TriageCore

/// Why SUV cannot be computed for a PET series. Each reason names the field and the value, so the
/// worklist says exactly what to fix; none of them falls back to a default.
public enum SUVUnavailableReason: Sendable, Equatable, CustomStringConvertible {
    case missingUnits
    /// Units other than BQML and GML (CNTS needs a vendor factor this format does not carry).
    case unsupportedUnits(String)
    case missingDecayCorrection
    case unknownDecayCorrection(String)
    case missingRadiopharmaceutical
    case unknownRadionuclide(String)
    case missingWeight
    case implausibleWeight(kg: Double)
    case missingInjectedActivity
    case implausibleInjectedActivity(mbq: Double)
    case missingInjectionTime
    /// A time of day without a date for a nuclide that lives 12 h or more.
    case missingInjectionDate(nuclide: String)
    case noScanReferenceTime
    case negativeDecayInterval(seconds: Double)
    /// `NONE` decay correction needs every slice's acquisition time; the first slice without one and how many lack it.
    case missingSliceAcquisitionTime(firstSlice: Int, count: Int)

    /// Plausible ranges: from a premature newborn to the heaviest patients a PET gantry takes, and
    /// from a paediatric dose to a high therapeutic I-131 activity.
    public static let plausibleWeightKg = 0.5...400.0
    public static let plausibleActivityMBq = 1.0...20_000.0

    public var description: String {
        switch self {
        case .missingUnits: "SUV not computable: the PET series has no units (expected BQML or GML)"
        case .unsupportedUnits(let units) where units.uppercased() == "CNTS":
            "SUV not computable: units CNTS need a vendor-specific scale factor that the study format does not carry"
        case .unsupportedUnits(let units): "SUV not computable: units \(units) are neither BQML nor GML"
        case .missingDecayCorrection: "SUV not computable: decay-correction reference missing (START, ADMIN or NONE)"
        case .unknownDecayCorrection(let value): "SUV not computable: unknown decay-correction reference \(value) (expected START, ADMIN or NONE)"
        case .missingRadiopharmaceutical: "SUV not computable: the PET series has no radiopharmaceutical"
        case .unknownRadionuclide(let name): "SUV not computable: radionuclide \(name) is not in the half-life table"
        case .missingWeight: "SUV not computable: patient weight missing or zero"
        case .implausibleWeight(let kg): "SUV not computable: patient weight \(kg) kg is outside \(Self.plausibleWeightKg.lowerBound)–\(Self.plausibleWeightKg.upperBound) kg"
        case .missingInjectedActivity: "SUV not computable: injected activity missing or zero"
        case .implausibleInjectedActivity(let mbq): "SUV not computable: injected activity \(mbq) MBq is outside \(Self.plausibleActivityMBq.lowerBound)–\(Self.plausibleActivityMBq.upperBound) MBq (is it in Bq?)"
        case .missingInjectionTime: "SUV not computable: injection time missing"
        case .missingInjectionDate(let nuclide): "SUV not computable: \(nuclide) lives 12 h or more, so the injection needs a full date-time, not only a time of day"
        case .noScanReferenceTime: "SUV not computable: neither a series date-time nor slice acquisition date-times give the scan reference time"
        case .negativeDecayInterval(let seconds): "SUV not computable: the injection is \(Int(-seconds)) s after the scan reference time"
        case .missingSliceAcquisitionTime(let first, let count): "SUV not computable: decay correction NONE needs each slice's acquisition time; slice \(first) and \(count - 1) other(s) have none"
        }
    }

    /// The same reason as an input problem naming the sidecar, the JSON field and the value.
    public func problem(study: Study, series: Series) -> InputProblem {
        let base = series.jsonPath
        let drug = "\(base).radiopharmaceutical"
        let (field, value): (String, String?) = switch self {
        case .missingUnits: ("\(base).units", nil)
        case .unsupportedUnits(let units): ("\(base).units", "\"\(units)\"")
        case .missingDecayCorrection: ("\(base).decayCorrection", nil)
        case .unknownDecayCorrection(let text): ("\(base).decayCorrection", "\"\(text)\"")
        case .missingRadiopharmaceutical: (drug, nil)
        case .unknownRadionuclide(let name): ("\(drug).radionuclide", "\"\(name)\"")
        case .missingWeight: ("$.patientWeightKg", study.patientWeightKg.map { "\($0)" })
        case .implausibleWeight(let kg): ("$.patientWeightKg", "\(kg)")
        case .missingInjectedActivity: ("\(drug).injectedActivityMBq", series.radiopharmaceutical?.injectedActivityMBq.map { "\($0)" })
        case .implausibleInjectedActivity(let mbq): ("\(drug).injectedActivityMBq", "\(mbq)")
        case .missingInjectionTime: ("\(drug).injectionDateTime", nil)
        case .missingInjectionDate: ("\(drug).injectionTime", nil)
        case .noScanReferenceTime: ("\(base).seriesDateTime", nil)
        case .negativeDecayInterval(let seconds): ("\(drug).injectionDateTime", "\(seconds) s")
        case .missingSliceAcquisitionTime(let first, _): ("\(base).slices[\(first)].acquisitionDateTime", nil)
        }
        return InputProblem(.error, file: study.sidecarPath, field: field, value: value, message: description)
    }
}
