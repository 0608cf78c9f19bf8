import Foundation

extension SimulationReport {
    /// The report as a table for the terminal: one column per policy.
    public var text: String {
        let formatter = ISO8601DateFormatter()
        var lines = ["radtriage simulate: \(studies) studies, seed \(seed)"
            + (firstArrival.map { " (arrivals \(formatter.string(from: $0))" } ?? "")
            + (lastArrival.map { " to \(formatter.string(from: $0)))" } ?? "")]
        lines += department.map { "  " + $0 }
        lines.append("")
        let width = 26
        func row(_ label: String, _ cells: [String]) -> String {
            label.padding(toLength: 34, withPad: " ", startingAt: 0) + cells.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined()
        }
        lines.append(row("", policies.map(\.title)))
        lines.append("time to read (arrival to read), minutes: mean / 95th percentile / max")
        let names = policies.first?.groups.map(\.group) ?? []
        for name in names {
            let count = policies.first?.group(name)?.studies ?? 0
            lines.append(row("  \(name) (\(count))", policies.map { policy in
                policy.group(name).map { String(format: "%.0f / %.0f / %.0f", $0.meanTimeToReadMinutes, $0.p95TimeToReadMinutes, $0.maxTimeToReadMinutes) } ?? "-"
            }))
        }
        lines.append("wait before a reader opens it, minutes: mean / max")
        for name in names {
            lines.append(row("  \(name)", policies.map { policy in
                policy.group(name).map { String(format: "%.0f / %.0f", $0.meanWaitMinutes, $0.maxWaitMinutes) } ?? "-"
            }))
        }
        if let first = policies.first, first.boards.studiesWithBoard > 0 {
            lines.append(row("ready before their tumour board", policies.map {
                String(format: "%.0f %% (%d of %d)", 100 * ($0.boards.share ?? 0), $0.boards.readyInTime, $0.boards.studiesWithBoard)
            }))
        }
        lines.append("longest wait against the class's guard, hours (studies past it)")
        for (index, guardFigure) in (policies.first?.guards ?? []).enumerated() {
            lines.append(row(String(format: "  %@ (guard %g h)", guardFigure.priority, guardFigure.guardHours), policies.map { policy in
                guard index < policy.guards.count else { return "-" }
                let figure = policy.guards[index]
                return String(format: "%.1f (%d past)", figure.longestWaitHours, figure.pastGuard)
            }))
        }
        lines.append(row("worst day (mean / max minutes)", policies.map { policy in
            policy.worstDay.map { String(format: "%@ %.0f / %.0f", String($0.day.suffix(9)), $0.meanTimeToReadMinutes, $0.maxTimeToReadMinutes) } ?? "-"
        }))
        let unread = policies.map(\.unread)
        if unread.contains(where: { $0 > 0 }) {
            lines.append(row("never read (no reader of their pool)", unread.map(String.init)))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
