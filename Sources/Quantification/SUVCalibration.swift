import Foundation
import TriageCore

/// A per-slice affine map from stored values to physical values, so the hot path is one multiply-add
/// per pixel: `value = stored × scales[k] + offsets[k]`. SUV for PET; the rescale alone gives HU for CT.
public struct AffineSliceMap: Sendable {
    public let scales: [Double]
    public let offsets: [Double]

    public init(scales: [Double], offsets: [Double]) {
        precondition(scales.count == offsets.count, "one scale and one offset per slice")
        self.scales = scales
        self.offsets = offsets
    }

    /// The series' own rescale (stored × slope + intercept): Hounsfield units for CT.
    public init(rescaleOf series: Series) {
        self.init(scales: series.slices.map(\.rescaleSlope), offsets: series.slices.map(\.rescaleIntercept))
    }

    public func value(stored: UInt16, slice: Int) -> Double {
        Double(stored) * scales[slice] + offsets[slice]
    }

    /// Converts one slice's stored values, writing into `output` (no allocation).
    public func convert(_ stored: UnsafeBufferPointer<UInt16>, slice: Int, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count >= stored.count, "output buffer too small")
        let scale = Float(scales[slice])
        let offset = Float(offsets[slice])
        for index in stored.indices {
            output[index] = Float(stored[index]) * scale + offset
        }
    }
}

/// The map from stored values to SUVbw for one PET series, with the record of how it was computed.
public struct SUVCalibration: Sendable {
    public let map: AffineSliceMap
    public let provenance: SUVProvenance

    public var scales: [Double] { map.scales }
    public var offsets: [Double] { map.offsets }

    init(scales: [Double], offsets: [Double], provenance: SUVProvenance) {
        map = AffineSliceMap(scales: scales, offsets: offsets)
        self.provenance = provenance
    }

    public func suv(stored: UInt16, slice: Int) -> Double {
        map.value(stored: stored, slice: slice)
    }

    /// Converts one slice's stored values into SUV, writing into `output` (no allocation).
    public func convert(_ stored: UnsafeBufferPointer<UInt16>, slice: Int, into output: UnsafeMutableBufferPointer<Float>) {
        map.convert(stored, slice: slice, into: output)
    }
}

/// The outcome of calibrating a PET series: a calibration, or every reason it cannot have one.
public enum SUVCalibrationResult: Sendable {
    case calibrated(SUVCalibration)
    case unavailable([SUVUnavailableReason])
}

/// Computes SUVbw calibrations following IBSI/OncoRay and the QIBA scan-reference-time rule
/// (Docs/StudyFormat.md, "From stored values to SUV").
public enum SUVCalibrator {
    /// A study half-life further than this from the table's is flagged, and the table's value is used.
    public static let halfLifeTolerance = 0.01

    public static func calibrate(series: Series, of study: Study) -> SUVCalibrationResult {
        var reasons: [SUVUnavailableReason] = []
        var warnings = qualityFlags(series)
        guard let units = series.units else { return .unavailable([.missingUnits]) }
        let rescale = series.slices.map { (slope: $0.rescaleSlope, intercept: $0.rescaleIntercept) }

        if units == .gramsPerMillilitre {
            // Values are SUVbw already: the rescale is the whole conversion.
            let provenance = SUVProvenance(
                units: units, decayCorrection: series.decayCorrection, scanReferenceRule: .notNeeded,
                injectionPlacedOnPreviousDay: false, warnings: warnings + ["values are SUVbw as stored (GML): weight and dose not used"])
            return .calibrated(SUVCalibration(scales: rescale.map(\.slope), offsets: rescale.map(\.intercept), provenance: provenance))
        }
        if units != .becquerelsPerMillilitre { reasons.append(.unsupportedUnits(units.text)) }

        let decay = series.decayCorrection
        if decay == nil { reasons.append(.missingDecayCorrection) }
        if case .other(let text)? = decay { reasons.append(.unknownDecayCorrection(text)) }
        let weight = study.patientWeightKg
        switch weight {
        case nil, 0?: reasons.append(.missingWeight)
        case let kg? where !SUVUnavailableReason.plausibleWeightKg.contains(kg): reasons.append(.implausibleWeight(kg: kg))
        default: break
        }
        guard let drug = series.radiopharmaceutical else {
            return .unavailable(reasons + [.missingRadiopharmaceutical])
        }
        switch drug.injectedActivityMBq {
        case nil, 0?: reasons.append(.missingInjectedActivity)
        case let mbq? where !SUVUnavailableReason.plausibleActivityMBq.contains(mbq): reasons.append(.implausibleInjectedActivity(mbq: mbq))
        default: break
        }
        guard let nuclide = RadionuclideTable.lookup(drug.radionuclide) else {
            return .unavailable(reasons + [.unknownRadionuclide(drug.radionuclide)])
        }
        let halfLife = chooseHalfLife(nuclide: nuclide, studyValue: drug.halfLifeSeconds, warnings: &warnings)

        // Decay intervals: one for START and ADMIN, one per slice for NONE.
        var intervals: [Double] = []
        var reference: (time: Date, rule: SUVProvenance.ScanReferenceRule)?
        var injection: (time: Date, previousDay: Bool)?
        switch decay {
        case .admin?:
            intervals = [0]
        case .start?, .uncorrected?:
            let acquisitions = series.slices.compactMap(\.acquisitionDate)
            reference = series.decayReferenceDate.map { ($0, .decayCorrectionDateTime) }
                ?? scanReference(series: series.seriesDate, earliestAcquisition: acquisitions.min())
            if let reason = checkInjection(drug.injection, nuclide: nuclide) {
                reasons.append(reason)
            } else if let time = drug.injection {
                if case .timeOfDay = time, reference == nil {
                    reasons.append(.noScanReferenceTime)
                } else {
                    injection = place(time, before: reference?.time, timeZone: study.timeZone)
                }
            }
            if decay == .start {
                if reference == nil, !reasons.contains(.noScanReferenceTime) { reasons.append(.noScanReferenceTime) }
                if let reference, let injection { intervals = [reference.time.timeIntervalSince(injection.time)] }
            } else {
                let missing = series.slices.indices.filter { series.slices[$0].acquisitionDate == nil }
                if let first = missing.first {
                    reasons.append(.missingSliceAcquisitionTime(firstSlice: first, count: missing.count))
                } else if let injection {
                    intervals = series.slices.compactMap { $0.acquisitionDate?.timeIntervalSince(injection.time) }
                }
                reference = reference.map { ($0.time, .notNeeded) }
            }
        default:
            break
        }
        if let negative = intervals.min(), negative < 0 { reasons.append(.negativeDecayInterval(seconds: negative)) }
        guard reasons.isEmpty, let kg = weight, let mbq = drug.injectedActivityMBq, !intervals.isEmpty else {
            return .unavailable(reasons)
        }
        if let longest = intervals.max(), longest > 10 * halfLife.seconds {
            warnings.append("decay interval \(Int(longest)) s is more than 10 half-lives: check the injection date-time")
        }

        // SUVbw = C · W / D_ref, with C = stored × slope + intercept (IBSI; OncoRay suv_computation).
        let factors = intervals.map { pow(2, -$0 / halfLife.seconds) }
        let doses = factors.map { mbq * 1e6 * $0 }
        let perSliceDose = intervals.count == 1 ? Array(repeating: doses[0], count: rescale.count) : doses
        let grams = kg * 1000
        let provenance = SUVProvenance(
            units: units, decayCorrection: decay, radionuclide: nuclide.name, halfLifeSeconds: halfLife.seconds,
            halfLifeSource: halfLife.source, scanReferenceTime: reference?.time,
            scanReferenceRule: decay == .admin ? .notNeeded : reference?.rule ?? .notNeeded,
            injectionTime: injection?.time, injectionPlacedOnPreviousDay: injection?.previousDay ?? false,
            decayIntervalSeconds: intervals.min()!...intervals.max()!, decayFactor: factors.min()!...factors.max()!,
            injectedActivityMBq: mbq, doseAtReferenceMBq: (doses.min()! / 1e6)...(doses.max()! / 1e6),
            patientWeightKg: kg, timeZone: study.timeZone.identifier, warnings: warnings)
        return .calibrated(SUVCalibration(
            scales: zip(rescale, perSliceDose).map { $0.slope * grams / $1 },
            offsets: zip(rescale, perSliceDose).map { $0.intercept * grams / $1 },
            provenance: provenance))
    }

    // MARK: - Rules

    /// QIBA vendor-neutral rule: the series date-time unless it is later than the earliest acquisition.
    static func scanReference(series: Date?, earliestAcquisition: Date?) -> (time: Date, rule: SUVProvenance.ScanReferenceRule)? {
        switch (series, earliestAcquisition) {
        case let (series?, earliest?): series <= earliest ? (series, .seriesDateTime) : (earliest, .earliestAcquisition)
        case let (series?, nil): (series, .seriesDateTime)
        case let (nil, earliest?): (earliest, .earliestAcquisition)
        case (nil, nil): nil
        }
    }

    private static func checkInjection(_ injection: InjectionTime?, nuclide: Radionuclide) -> SUVUnavailableReason? {
        switch injection {
        case nil: .missingInjectionTime
        case .timeOfDay? where nuclide.requiresInjectionDate: .missingInjectionDate(nuclide: nuclide.name)
        default: nil
        }
    }

    /// A time of day goes on the scan's calendar date in the study's zone, or the day before when that
    /// would put the injection after the scan (injected 23:30, scanned 00:40).
    static func place(_ injection: InjectionTime, before scan: Date?, timeZone: TimeZone) -> (time: Date, previousDay: Bool)? {
        switch injection {
        case .dateTime(let date):
            return (date, false)
        case .timeOfDay(let hour, let minute, let second):
            guard let scan else { return nil }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            var day = calendar.dateComponents([.year, .month, .day], from: scan)
            day.hour = hour
            day.minute = minute
            day.second = Int(second)
            guard let sameDay = calendar.date(from: day)?.addingTimeInterval(second - second.rounded(.down)) else { return nil }
            if sameDay <= scan { return (sameDay, false) }
            guard let previous = calendar.date(byAdding: .day, value: -1, to: sameDay) else { return nil }
            return (previous, true)
        }
    }

    /// The study's half-life is what the scanner decay-corrected with, so it is used when it agrees with
    /// the table within 1 %; beyond that it is more likely a typo or a unit slip (minutes for seconds),
    /// so the table's value is used and the disagreement flagged.
    private static func chooseHalfLife(
        nuclide: Radionuclide, studyValue: Double?, warnings: inout [String]
    ) -> (seconds: Double, source: String) {
        let table = (seconds: nuclide.halfLifeSeconds, source: "built-in table, \(nuclide.source)")
        guard let studyValue else { return table }
        let difference = abs(studyValue - nuclide.halfLifeSeconds) / nuclide.halfLifeSeconds
        if difference > halfLifeTolerance {
            warnings.append(String(
                format: "half-life in the study (%.6g s) differs from the table (%.6g s) by %.1f %%; the table's value is used",
                studyValue, nuclide.halfLifeSeconds, difference * 100))
            return table
        }
        return (studyValue, "the study's value, within 1 % of the table's \(SUVProvenance.format(nuclide.halfLifeSeconds)) s")
    }

    /// Flags from DICOM Corrected Image: without ATTN the values are not quantitative.
    private static func qualityFlags(_ series: Series) -> [String] {
        guard let corrected = series.correctedImage?.map({ $0.uppercased() }) else { return [] }
        var flags: [String] = []
        if !corrected.contains("ATTN") { flags.append("not attenuation-corrected (no ATTN in correctedImage): SUV is not quantitative") }
        if series.decayCorrection == .start && !corrected.contains("DECY") {
            flags.append("decay correction START but no DECY in correctedImage")
        }
        return flags
    }
}
