/// How long a failed attempt waits before the task can be claimed again: exponential, capped, with jitter.
public struct RetryBackoff: Hashable, Sendable {
    /// The wait after the first failed attempt, before jitter; 0 = no wait at all.
    public var baseMs: Int64
    /// The longest wait, before jitter.
    public var capMs: Int64

    public init(baseMs: Int64, capMs: Int64) {
        self.baseMs = baseMs
        self.capMs = capMs
    }

    /// The wait after failed attempt `attempt` (1 = the first): `min(cap, base * 2^(attempt-1))`, of which
    /// the upper half is scaled by `jitter` in 0..<1 ("equal jitter"), so retries of many tasks spread out
    /// while each still waits at least half the exponential delay.
    public func delayMs(afterAttempt attempt: Int32, jitter: Double) -> Int64 {
        guard baseMs > 0, attempt > 0 else { return 0 }
        let doublings = Int64(min(attempt - 1, 40))
        let exponential = baseMs > (Int64.max >> doublings) ? Int64.max : baseMs << doublings
        let capped = min(exponential, max(capMs, baseMs))
        let half = capped / 2
        return capped - half + Int64((Double(half) * min(max(jitter, 0), 1)).rounded(.down))
    }
}
