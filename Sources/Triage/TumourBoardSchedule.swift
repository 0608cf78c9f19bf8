import Foundation

extension TriageConfiguration.OrganCentre {
    /// The next board whose preparation deadline (board time − margin) falls after `date`, and that
    /// deadline, and the board's zone. Board times are wall-clock times in the board's zone, so a board at
    /// 16:30 stays at 16:30 local time across daylight-saving changes (and the margin is real elapsed hours).
    public func nextBoard(after date: Date) -> (board: Date, deadline: Date, timeZone: TimeZone)? {
        let margin = preparationMarginHours * 3600
        var best: (board: Date, deadline: Date, timeZone: TimeZone)?
        for board in boards {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = board.timeZone
            // Calendar's weekday: 1 = Sunday ... 7 = Saturday; ours: 1 = Monday ... 7 = Sunday.
            let components = DateComponents(hour: board.hour, minute: board.minute, second: 0, weekday: board.weekday % 7 + 1)
            // The first matching time after `date + margin` is the first board whose deadline is after `date`.
            guard let time = calendar.nextDate(after: date.addingTimeInterval(margin), matching: components, matchingPolicy: .nextTime)
            else { continue }
            let candidate = (board: time, deadline: time.addingTimeInterval(-margin), timeZone: board.timeZone)
            if best == nil || candidate.board < best!.board { best = candidate }
        }
        return best
    }
}
