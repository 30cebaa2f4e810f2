import NIOConcurrencyHelpers
import TaskManagerCore

/// A wall clock that moves only when a test says so.
final class ManualClock: WallClock {
    private let now: NIOLockedValueBox<Int64>

    init(startMs: Int64 = 1_764_000_000_000) {
        now = NIOLockedValueBox(startMs)
    }

    func nowMs() -> Int64 { now.withLockedValue { $0 } }

    func advance(seconds: Int64) {
        now.withLockedValue { $0 += seconds * 1000 }
    }
}
