import Foundation
import TriageCore

/// The human-readable form of an inspection, for a terminal.
public enum InspectionText {
    public static func render(_ study: StudyInspection) -> String {
        var lines = ["\(study.studyId ?? "(unreadable study)")  \(study.path)  \(study.isUsable ? "usable" : "NOT USABLE")"]
        for series in study.series {
            var header = "  \(series.folder)  \(series.modality)  \(series.decodedSliceCount)/\(series.sliceCount) slices"
            if let width = series.width, let height = series.height, let depth = series.bitDepth {
                header += "  \(width) × \(height)  \(depth)-bit"
            }
            lines.append(header)
            lines.append("      spacing \(number(series.pixelSpacingMm[0])) × \(number(series.pixelSpacingMm[1])) mm, slices \(number(series.sliceSpacingMm)) mm apart")
            if let stored = series.storedRange { lines.append("      stored values \(number(stored.min)) … \(number(stored.max))") }
            if let rescaled = series.rescaledRange {
                lines.append("      rescaled \(number(rescaled.min)) … \(number(rescaled.max)) \(series.units?.text ?? "(no units)")")
            }
            if let suv = series.suv {
                let position = suv.positionMm.map(number).joined(separator: ", ")
                lines.append("      SUVmax \(number(suv.suvMax)) at (\(position)) mm: slice \(suv.sliceIndex) (\(suv.sliceFile)), column \(suv.column), row \(suv.row)")
                lines.append("      SUV provenance:")
                lines += suv.provenanceText.split(separator: "\n").map { "        \($0)" }
            }
            for reason in series.suvUnavailable ?? [] { lines.append("      \(reason)") }
        }
        if !study.problems.isEmpty {
            lines.append("  problems:")
            lines += study.problems.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    public static func render(_ slice: SliceFileInspection) -> String {
        var lines = ["\(slice.path)  \(slice.isUsable ? "usable" : "NOT USABLE")"]
        if let width = slice.width, let height = slice.height, let depth = slice.bitDepth {
            lines.append("  \(width) × \(height)  \(depth)-bit  \(slice.colorType ?? "")\(slice.interlaced == true ? "  interlaced" : "")")
        }
        if let stored = slice.storedRange { lines.append("  stored values \(number(stored.min)) … \(number(stored.max))") }
        lines += slice.problems.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Up to four significant decimals, without trailing zeros: 2.34375 → 2.3438, 1000 → 1000.
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e12 { return String(Int64(value)) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
