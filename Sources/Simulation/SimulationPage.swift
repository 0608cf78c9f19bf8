import Foundation
import Plot

/// The report as one self-contained page: the tables, the distribution of times to read per policy
/// (cumulative curves) and the mean time to read per group, as inline SVG. Plot escapes every text;
/// the SVG is built from numbers and the policies' own titles only, never from input text.
public enum SimulationPage {
    static let colours = ["#1b6ca8", "#b23a48", "#6a994e", "#e09f3e", "#7d4e9f", "#555555"]

    public static func html(_ report: SimulationReport) -> String {
        let policies = report.policies
        let names = policies.first?.groups.map(\.group) ?? []
        let page = HTML(
            .head(.title("radtriage simulate"), .meta(.charset(.utf8)), .style(css)),
            .body(
                .h1("radtriage simulate"),
                .p(.class("meta"), .text("\(report.studies) studies, seed \(report.seed) · the same studies and reading times under each policy")),
                .ul(.forEach(report.department) { .li(.text($0)) }),
                .h2("Time to read: the share of studies read within t"),
                .raw(distributionPlot(policies)),
                .h2("Mean time to read per group"),
                .raw(meanBars(policies, groups: names)),
                .h2("Figures"),
                .table(
                    .tr(.th("minutes: mean / 95th percentile / max"), .forEach(policies) { .th(.text($0.title)) }),
                    .forEach(names) { name in
                        .tr(.td(.text("\(name) (\(policies.first?.group(name)?.studies ?? 0))")), .forEach(policies) { policy in
                            .td(.class("num"), .text(policy.group(name).map {
                                String(format: "%.0f / %.0f / %.0f", $0.meanTimeToReadMinutes, $0.p95TimeToReadMinutes, $0.maxTimeToReadMinutes)
                            } ?? "-"))
                        })
                    },
                    .tr(.td("ready before their tumour board"), .forEach(policies) { policy in
                        .td(.class("num"), .text(policy.boards.share.map {
                            String(format: "%.0f %% (%d of %d)", 100 * $0, policy.boards.readyInTime, policy.boards.studiesWithBoard)
                        } ?? "no boards"))
                    }),
                    .forEach(Array((policies.first?.guards ?? []).enumerated())) { index, figure in
                        .tr(.td(.text(String(format: "longest wait, %@ (guard %g h)", figure.priority, figure.guardHours))), .forEach(policies) { policy in
                            .td(.class("num"), .text(index < policy.guards.count
                                ? String(format: "%.1f h (%d past)", policy.guards[index].longestWaitHours, policy.guards[index].pastGuard) : "-"))
                        })
                    },
                    .tr(.td("worst day: mean / max minutes"), .forEach(policies) { policy in
                        .td(.class("num"), .text(policy.worstDay.map {
                            String(format: "%@: %.0f / %.0f", $0.day, $0.meanTimeToReadMinutes, $0.maxTimeToReadMinutes)
                        } ?? "-"))
                    })
                )
            )
        )
        return page.render(indentedBy: .spaces(1))
    }

    static let css = """
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1a1a1a; max-width: 70em; }
        .meta { color: #555; }
        table { border-collapse: collapse; }
        th, td { border-bottom: 1px solid #ddd; padding: 5px 9px; text-align: left; }
        th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        svg text { font-size: 12px; font-family: system-ui, sans-serif; }
        """

    /// Cumulative share of studies read within t, one curve per policy, on a logarithmic time axis
    /// (reads take minutes, a weekend left over takes days).
    static func distributionPlot(_ policies: [PolicyReport]) -> String {
        let (width, height, left, bottom, legendWidth) = (840.0, 320.0, 70.0, 40.0, 200.0)
        let all = policies.flatMap(\.timeToReadPercentilesMinutes).filter { $0 > 0 }
        let low = floor(log10(max(all.min() ?? 1, 0.1))), high = ceil(log10(max(all.max() ?? 10, 1)))
        let span = max(high - low, 1)
        let plotRight = width - legendWidth
        func x(_ minutes: Double) -> Double { left + (log10(max(minutes, pow(10, low))) - low) / span * (plotRight - left) }
        func y(_ share: Double) -> Double { (height - bottom) - share * (height - bottom - 12) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        svg += axes(width: plotRight, height: height, left: left, bottom: bottom,
                    xTicks: stride(from: low, through: high, by: 1).map { (x(pow(10, $0)), String(format: "%g", pow(10, $0))) },
                    xLabel: "minutes from arrival to read (logarithmic)",
                    yTicks: [0, 0.25, 0.5, 0.75, 1].map { (y($0), String(format: "%.0f %%", $0 * 100)) })
        for (index, policy) in policies.enumerated() where !policy.timeToReadPercentilesMinutes.isEmpty {
            let points = policy.timeToReadPercentilesMinutes.enumerated().map { percent, minutes in
                String(format: "%.1f,%.1f", x(minutes), y(Double(percent) / 100))
            }
            let colour = colours[index % colours.count]
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-opacity=\"0.85\" points=\"\(points.joined(separator: " "))\"/>"
            svg += legend(index: index, title: policy.title, colour: colour, x: plotRight + 16)
        }
        return svg + "</svg>"
    }

    /// Grouped bars: each group's mean time to read under each policy.
    static func meanBars(_ policies: [PolicyReport], groups: [String]) -> String {
        let (width, height, left, bottom, legendWidth) = (840.0, 300.0, 70.0, 48.0, 200.0)
        let plotRight = width - legendWidth
        let yMax = niceCeiling(policies.flatMap { $0.groups.map(\.meanTimeToReadMinutes) }.max() ?? 60)
        func y(_ minutes: Double) -> Double { (height - bottom) - minutes / yMax * (height - bottom - 12) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        svg += axes(width: plotRight, height: height, left: left, bottom: bottom, xTicks: [], xLabel: "",
                    yTicks: (0...4).map { (y(yMax * Double($0) / 4), String(format: "%.0f min", yMax * Double($0) / 4)) })
        let slot = (plotRight - left) / Double(max(groups.count, 1))
        let bar = slot * 0.8 / Double(max(policies.count, 1))
        for (g, name) in groups.enumerated() {
            for (p, policy) in policies.enumerated() {
                guard let mean = policy.group(name)?.meanTimeToReadMinutes else { continue }
                let x0 = left + Double(g) * slot + slot * 0.1 + Double(p) * bar
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>", x0, y(mean), bar - 1,
                              (height - bottom) - y(mean), colours[p % colours.count])
            }
            // Group names are the report's own words (classes, "positive", "all"), escaped all the same; one word a line.
            for (line, word) in name.split(separator: " ").enumerated() {
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", left + (Double(g) + 0.5) * slot,
                              height - bottom + 16 + Double(line) * 14, escaped(String(word)))
            }
        }
        for (p, policy) in policies.enumerated() { svg += legend(index: p, title: policy.title, colour: colours[p % colours.count], x: plotRight + 16) }
        return svg + "</svg>"
    }

    private static func axes(width: Double, height: Double, left: Double, bottom: Double, xTicks: [(Double, String)], xLabel: String,
                             yTicks: [(Double, String)]) -> String {
        var svg = String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>", left, height - bottom, width, height - bottom)
        svg += String(format: "<line x1=\"%.0f\" y1=\"10\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>", left, left, height - bottom)
        for (y, label) in yTicks {
            svg += String(format: "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, width, y)
            svg += String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%@</text>", left - 4, y + 4, label)
        }
        for (x, label) in xTicks {
            svg += String(format: "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#eee\"/>", x, x, height - bottom)
            svg += String(format: "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%@</text>", x, height - bottom + 16, label)
        }
        if !xLabel.isEmpty {
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%@</text>", (left + width) / 2, height - 6, xLabel)
        }
        return svg
    }

    private static func legend(index: Int, title: String, colour: String, x: Double) -> String {
        let y = 24 + Double(index) * 20
        return String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"10\" fill=\"%@\"/><text x=\"%.0f\" y=\"%.0f\">%@</text>",
                      x, y - 9, colour, x + 20, y, escaped(title))
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value } ?? 10 * power
    }
}
