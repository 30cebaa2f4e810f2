import Synchronization

/// A metric made on its first use and then read with one atomic load: a method's counter for a status code, say,
/// appears in `/metrics` once a call ended with it, and no call builds a label or takes a lock to find it.
final class LazyMetric<Metric: AnyObject & Sendable>: Sendable {
    private let stored = Atomic<Unmanaged<Metric>?>(nil)
    private let make: @Sendable () -> Metric

    init(_ make: @escaping @Sendable () -> Metric) {
        self.make = make
    }

    var value: Metric {
        if let existing = stored.load(ordering: .acquiring) { return existing.takeUnretainedValue() }
        let made = Unmanaged.passRetained(make())
        let (exchanged, current) = stored.compareExchange(expected: nil, desired: made, ordering: .acquiringAndReleasing)
        guard !exchanged, let current else { return made.takeUnretainedValue() }
        // Another thread made it first; the registry gives both the same series, so either would do.
        made.release()
        return current.takeUnretainedValue()
    }

    deinit {
        stored.load(ordering: .acquiring)?.release()
    }
}
