import Foundation
import Plot

/// The worklist as one self-contained page for the reading physician. Built with Plot; every text goes
/// through `.exact`, which escapes all of `&`, `<`, `>` and quotes (Plot's own `.text` passes entity-like
/// input such as `&amp;` through, so it would show as `&`). Attribute values Plot does not escape, so
/// only constants and values of our own (priority classes, base64 thumbnails) go into attributes. No
/// study id, patient id or path can inject markup, and every input shows exactly as given (tested).
enum WorklistPage {
    static let css = """
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1a1a1a; }
        h1 { font-size: 1.4em; margin-bottom: 0.2em; }
        .meta { color: #555; margin-top: 0; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .stat { color: #b00020; font-weight: 700; } .urgent { color: #c25e00; font-weight: 600; }
        .overdue { background: #fff1f1; }
        .failed td { background: #f7f7f7; color: #444; }
        img.mip { height: 120px; image-rendering: pixelated; border: 1px solid #ccc; }
        .reason { max-width: 34em; } .flags { color: #8a4b00; }
        .warning { background: #fff3cd; border: 1px solid #e0a800; padding: 0.5em; }
        """

    /// A board time as the centre speaks it: its own zone's wall clock, with the zone and its offset
    /// ("Tue 24 Nov 16:30 Europe/Berlin (UTC+01:00)"); UTC when the zone is not known.
    static func localTime(_ date: Date, zone identifier: String?) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE d MMM HH:mm"
        guard let zone = identifier.flatMap(TimeZone.init(identifier:)) else {
            formatter.timeZone = TimeZone(secondsFromGMT: 0)
            return formatter.string(from: date) + " UTC"
        }
        formatter.timeZone = zone
        let offset = zone.secondsFromGMT(for: date) / 60
        return formatter.string(from: date) + " \(zone.identifier) "
            + String(format: "(UTC%@%02d:%02d)", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
    }

    static func html(_ worklist: Worklist) -> String {
        let scored = worklist.rows.filter { $0.status == .scored }
        let failed = worklist.rows.filter { $0.status == .failed }
        let title = "radtriage worklist" + (worklist.pool.map { " — pool \($0)" } ?? "")
        let page = HTML(
            .head(.title(HTMLText.escape(title)),  // Plot escapes the title again, which leaves entities as they are
                   .meta(.charset(.utf8)), .style(css)),
            .body(
                .h1(.exact(title)),
                .forEach(worklist.warnings ?? []) { warning in .p(.class("warning"), .strong(.exact("Warning: ")), .exact(warning)) },
                .p(.class("meta"), .exact("Generated \(WorklistWriter.iso(worklist.generatedAt)) · model \(worklist.modelId) · \(scored.count) ranked, \(failed.count) failed · not for clinical use")),
                .table(
                    .tr(.th("#"), .th("MIP"), .th("Study"), .th("Priority"), .th("Score"), .th("Model"), .th("SUVmax"), .th("SUVpeak"), .th("Focal uptake"),
                        .th("Board"), .th("Waiting"), .th("Why")),
                    .forEach(scored) { row in
                        .tr(
                            .class(row.overdue ? "overdue" : ""),
                            .td(.class("num"), .exact(String(row.rank))),
                            .td(.unwrap(row.thumbnailPNG) { png in
                                // Plot escapes text but not attribute values: no input text goes into an attribute.
                                .img(.class("mip"), .src("data:image/png;base64," + Data(png).base64EncodedString()),
                                     .alt("coronal maximum-intensity projection, hottest spot marked"))
                            }),
                            .td(.exact(row.studyId), .br(), .small(.exact([row.accession, row.site, row.centre].compactMap { $0 }.joined(separator: " · ")))),
                            .td(.span(.class(row.priorityClass), .exact(row.priorityClass))),
                            .td(.class("num"), .exact(String(format: "%.1f", row.triageScore))),
                            .td(.class("num"), .exact(row.modelProbability.map { String(format: "%.2f", $0) } ?? "")),
                            .td(.class("num"), .exact(row.suvMax.map { String(format: "%.1f", $0) } ?? "")),
                            .td(.class("num"), .exact(row.suvPeak.map { String(format: "%.1f", $0) } ?? "")),
                            .td(.small(.forEach(row.focalUptake ?? []) { .group(.exact($0), .br()) })),
                            .td(.unwrap(row.board) { board in
                                .group(.exact(localTime(board, zone: row.boardTimeZone)), .br(),
                                       .small(.exact(row.deadline.map { "ready by " + localTime($0, zone: row.boardTimeZone) } ?? "")))
                            }),
                            .td(.class("num"), .exact(String(format: "%.1f h", row.hoursWaiting))),
                            .td(.class("reason"), .exact(row.reason), .if(!row.flags.isEmpty, .group(.br(), .small(.class("flags"), .exact("QC: " + row.flags.joined(separator: "; "))))))
                        )
                    }
                ),
                .if(!failed.isEmpty, .group(
                    .h2("Failed studies"),
                    .table(
                        .tr(.th("#"), .th("Study"), .th("Priority"), .th("Waiting"), .th("Reason")),
                        .forEach(failed) { row in
                            .tr(
                                .class("failed"),
                                .td(.class("num"), .exact(String(row.rank))),
                                .td(.exact(row.studyId)),
                                .td(.span(.class(row.priorityClass), .exact(row.priorityClass))),
                                .td(.class("num"), .exact(String(format: "%.1f h", row.hoursWaiting))),
                                .td(.class("reason"), .exact(row.reason), .if(!row.flags.isEmpty, .group(.br(), .small(.class("flags"), .exact("QC: " + row.flags.joined(separator: "; "))))))
                            )
                        }
                    )
                ))
            )
        )
        return page.render(indentedBy: .spaces(1))
    }
}

/// Text for HTML exactly as given.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

extension Node {
    /// Input text, shown on the page exactly as given.
    static func exact(_ text: String) -> Node { .raw(HTMLText.escape(text)) }
}
