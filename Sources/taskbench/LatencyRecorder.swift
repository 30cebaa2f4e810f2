#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Histogram

/// Nanoseconds of the monotonic clock.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var spec = timespec()
    // CLOCK_MONOTONIC cannot fail with a valid pointer.
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Latencies in microseconds, one HdrHistogram per call kind; each worker keeps its own and they are merged at the end.
struct LatencyRecorder: Sendable {
    /// Latencies above a minute are clamped to it.
    static let highestTrackableMicros: UInt64 = 60_000_000

    private(set) var histograms: [String: Histogram<UInt64>] = [:]

    /// Records one latency of `kind`, measured from `startNanos` to now; returns now.
    @discardableResult
    mutating func record(_ kind: String, since startNanos: UInt64) -> UInt64 {
        let now = monotonicNanos()
        record(kind, micros: (now &- startNanos) / 1_000)
        return now
    }

    mutating func record(_ kind: String, micros: UInt64) {
        let value = min(max(micros, 1), Self.highestTrackableMicros)
        histograms[kind, default: Self.makeHistogram()].record(value)
    }

    /// Times one call of `kind`.
    mutating func time<T>(_ kind: String, _ body: () async throws -> T) async throws -> T {
        let start = monotonicNanos()
        let result = try await body()
        record(kind, since: start)
        return result
    }

    mutating func merge(_ other: LatencyRecorder) {
        for (kind, histogram) in other.histograms {
            histograms[kind, default: Self.makeHistogram()].add(histogram)
        }
    }

    /// Calls of every kind but the whole-task `cycle`.
    var calls: UInt64 {
        histograms.filter { $0.key != CallKind.cycle }.values.reduce(0) { $0 + $1.totalCount }
    }

    private static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: highestTrackableMicros, numberOfSignificantValueDigits: .three)
    }
}

/// What one worker (one loop) measured.
struct WorkerResult: Sendable {
    var latencies = LatencyRecorder()
    /// Tasks taken through the whole scenario (created, claimed and completed, or created only for `create`).
    var tasks = 0

    mutating func merge(_ other: WorkerResult) {
        latencies.merge(other.latencies)
        tasks += other.tasks
    }
}
