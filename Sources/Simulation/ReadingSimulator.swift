import Foundation
import Triage

/// A study's read in one simulated policy.
public struct SimulatedRead: Sendable, Equatable {
    public var study: SimulatedStudy
    /// When a reader opened it, and when the read was done.
    public var start: Date
    public var end: Date
    public var reader: Int

    public var waitMinutes: Double { start.timeIntervalSince(study.arrival) / 60 }
    public var timeToReadMinutes: Double { end.timeIntervalSince(study.arrival) / 60 }
}

/// A discrete-event simulation of readers working through arriving studies: whenever a reader is
/// free, at work and has a study it may read, it takes the first in the policy's order at that
/// moment and reads it to the end (non-preemptive).
public struct ReadingSimulator: Sendable {
    public var readers: [Reader]
    public var configuration: TriageConfiguration

    public init(readers: [Reader], configuration: TriageConfiguration) {
        self.readers = readers
        self.configuration = configuration
    }

    /// Every study's read under `policy`, in the order they were opened, and the studies no reader
    /// could ever take (no reader of their pool).
    public func run(_ studies: [SimulatedStudy], policy: ReadingPolicy) -> (reads: [SimulatedRead], unread: [SimulatedStudy]) {
        let adapter = RankingAdapter(configuration: configuration)
        let order = ReadingOrder(policy: policy, ranking: adapter)
        let arrivals = studies.sorted { $0.arrival != $1.arrival ? $0.arrival < $1.arrival : $0.id < $1.id }
        let pools = arrivals.map { adapter.pool(of: $0) }
        // The waiting studies, as positions in `arrivals`.
        var waiting: [Int] = []
        var nextArrival = 0
        var freeAt = Array(repeating: Date.distantPast, count: readers.count)
        var reads: [SimulatedRead] = []
        reads.reserveCapacity(arrivals.count)
        // The time of the last event: every waiting study arrived by then.
        var clock = Date.distantPast

        while true {
            // The earliest moment a reader is free, at work and has a study of its pool waiting.
            var chosen: (reader: Int, at: Date)?
            if !waiting.isEmpty {
                for (index, reader) in readers.enumerated() where reader.pool == nil || waiting.contains(where: { pools[$0] == reader.pool }) {
                    let free = max(freeAt[index], clock)
                    guard let at = reader.hours.map({ $0.nextWorkingInstant(from: free) }) ?? free else { continue }
                    if chosen == nil || at < chosen!.at { chosen = (index, at) }
                }
            }
            // Arrivals up to that moment join the queue first, so that the reader sees them.
            if nextArrival < arrivals.count, chosen == nil || arrivals[nextArrival].arrival <= chosen!.at {
                waiting.append(nextArrival)
                clock = arrivals[nextArrival].arrival
                nextArrival += 1
                continue
            }
            guard let (reader, now) = chosen else { break }
            clock = now
            let pick: Int
            if let pool = readers[reader].pool {
                let readable = waiting.indices.filter { pools[waiting[$0]] == pool }
                pick = readable[order.next(readable.map { waiting[$0] }, of: arrivals, now: now)]
            } else {
                pick = order.next(waiting, of: arrivals, now: now)
            }
            let study = waiting.remove(at: pick)
            let end = now.addingTimeInterval(arrivals[study].readingMinutes * 60)
            freeAt[reader] = end
            reads.append(SimulatedRead(study: arrivals[study], start: now, end: end, reader: reader))
        }
        return (reads, waiting.map { arrivals[$0] })
    }
}
