import Foundation

/// How stored values became SUV for one series: every number the conversion used, so a physicist can
/// redo it by hand, and `inspect` can show it.
public struct SUVProvenance: Sendable, Codable, Equatable {
    public enum ScanReferenceRule: String, Sendable, Codable {
        /// QIBA: the series date-time is not after the earliest acquisition, so it is the reference.
        case seriesDateTime
        /// QIBA: the series date-time is later than the earliest slice acquisition (a late reconstruction).
        case earliestAcquisition
        /// The input names the instant the values are decay-corrected to (Enhanced PET's DecayCorrectionDateTime).
        case decayCorrectionDateTime
        /// Not needed: ADMIN or GML values, or NONE (each slice has its own time).
        case notNeeded
    }

    public var units: PixelUnits
    public var decayCorrection: DecayCorrection?
    public var radionuclide: String?
    public var halfLifeSeconds: Double?
    /// Where the half-life came from: the built-in table entry's source, or the study's own value.
    public var halfLifeSource: String?
    public var scanReferenceTime: Date?
    public var scanReferenceRule: ScanReferenceRule
    public var injectionTime: Date?
    /// A time-of-day injection later than the scan was placed on the previous day.
    public var injectionPlacedOnPreviousDay: Bool
    /// Seconds from injection to the time the values refer to; for NONE, the range over slices.
    public var decayIntervalSeconds: ClosedRange<Double>?
    /// 2^(−Δt/T½) for the interval above (the smallest interval's factor first).
    public var decayFactor: ClosedRange<Double>?
    public var injectedActivityMBq: Double?
    /// The injected activity decayed to the reference time, in MBq (range over slices for NONE).
    public var doseAtReferenceMBq: ClosedRange<Double>?
    public var patientWeightKg: Double?
    /// The study's time zone (IANA), in which times are shown.
    public var timeZone: String = "UTC"
    /// QC flags: conditions that did not stop the computation but that a reader should know.
    public var warnings: [String]

    public init(
        units: PixelUnits, decayCorrection: DecayCorrection? = nil, radionuclide: String? = nil, halfLifeSeconds: Double? = nil,
        halfLifeSource: String? = nil, scanReferenceTime: Date? = nil, scanReferenceRule: ScanReferenceRule, injectionTime: Date? = nil,
        injectionPlacedOnPreviousDay: Bool, decayIntervalSeconds: ClosedRange<Double>? = nil, decayFactor: ClosedRange<Double>? = nil,
        injectedActivityMBq: Double? = nil, doseAtReferenceMBq: ClosedRange<Double>? = nil, patientWeightKg: Double? = nil,
        timeZone: String = "UTC", warnings: [String]
    ) {
        self.units = units
        self.decayCorrection = decayCorrection
        self.radionuclide = radionuclide
        self.halfLifeSeconds = halfLifeSeconds
        self.halfLifeSource = halfLifeSource
        self.scanReferenceTime = scanReferenceTime
        self.scanReferenceRule = scanReferenceRule
        self.injectionTime = injectionTime
        self.injectionPlacedOnPreviousDay = injectionPlacedOnPreviousDay
        self.decayIntervalSeconds = decayIntervalSeconds
        self.decayFactor = decayFactor
        self.injectedActivityMBq = injectedActivityMBq
        self.doseAtReferenceMBq = doseAtReferenceMBq
        self.patientWeightKg = patientWeightKg
        self.timeZone = timeZone
        self.warnings = warnings
    }

    /// Readable label–value pairs in a fixed order, for `inspect`.
    public var lines: [(label: String, value: String)] {
        var lines: [(String, String)] = [("units", units.text)]
        if let decayCorrection { lines.append(("decay correction", decayCorrection.text)) }
        if let radionuclide, let halfLifeSeconds {
            lines.append(("radionuclide", "\(radionuclide), half-life \(Self.format(halfLifeSeconds)) s (\(halfLifeSource ?? "?"))"))
        }
        if let scanReferenceTime {
            lines.append(("scan reference time", "\(iso(scanReferenceTime)) (\(scanReferenceRule.rawValue))"))
        }
        if let injectionTime {
            lines.append(("injection time", iso(injectionTime) + (injectionPlacedOnPreviousDay ? " (time of day placed on the previous day)" : "")))
        }
        if let decayIntervalSeconds { lines.append(("decay interval", Self.range(decayIntervalSeconds, unit: " s"))) }
        if let decayFactor { lines.append(("decay factor", Self.range(decayFactor, unit: ""))) }
        if let injectedActivityMBq { lines.append(("injected activity", "\(Self.format(injectedActivityMBq)) MBq")) }
        if let doseAtReferenceMBq { lines.append(("dose at reference", Self.range(doseAtReferenceMBq, unit: " MBq"))) }
        if let patientWeightKg { lines.append(("patient weight", "\(Self.format(patientWeightKg)) kg")) }
        for warning in warnings { lines.append(("warning", warning)) }
        return lines
    }

    public var text: String {
        lines.map { "\($0.label): \($0.value)" }.joined(separator: "\n")
    }

    /// A number as provenance shows it: six significant digits.
    public static func format(_ value: Double) -> String {
        String(format: "%.6g", value)
    }

    private static func range(_ range: ClosedRange<Double>, unit: String) -> String {
        range.lowerBound == range.upperBound
            ? format(range.lowerBound) + unit
            : "\(format(range.lowerBound))…\(format(range.upperBound))\(unit)"
    }

    private func iso(_ date: Date) -> String {
        let zone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0) ?? .current
        return date.formatted(Date.ISO8601FormatStyle(timeZone: zone)) + " (\(timeZone))"
    }
}
