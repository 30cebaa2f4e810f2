import Dispatch
import Synchronization
import TaskManagerCore

/// The token buckets of the API keys that have a rate limit, by key name.
///
/// A bucket holds up to `burst` calls and refills at `perSecond`; a call takes one. A key's bucket is kept across
/// reloads of the keys file, so a reload neither forgives nor punishes.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var atNs: UInt64
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let nowNs: @Sendable () -> UInt64

    init(nowNs: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.nowNs = nowNs
    }

    /// Takes one call from the bucket of `name`.
    /// - Returns: nil when the call may go ahead; else the milliseconds until one would be allowed.
    func take(_ name: String, _ limit: KeysFile.RateLimit) -> Int64? {
        let now = nowNs()
        return buckets.withLock { buckets -> Int64? in
            var bucket = buckets[name] ?? Bucket(tokens: Double(limit.burst), atNs: now)
            let elapsed = Double(now &- bucket.atNs) / 1e9
            bucket.tokens = min(Double(limit.burst), bucket.tokens + elapsed * limit.perSecond)
            bucket.atNs = now
            defer { buckets[name] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int64(((1 - bucket.tokens) / limit.perSecond * 1000).rounded(.up)))
        }
    }
}

/// A call refused by its key's rate limit: RESOURCE_EXHAUSTED, with when to try again.
struct RateLimitedError: Error {
    var keyName: String
    var limit: KeysFile.RateLimit
    var retryAfterMs: Int64

    /// The metadata the refusal carries.
    static let retryAfterKey = "retry-after-ms"

    var status: TaskManagerError {
        TaskManagerError(
            .resourceExhausted,
            "Rate limit of API key \"\(keyName)\" exceeded (\(limit.perSecond) calls per second, burst \(limit.burst)); retry after \(retryAfterMs) ms")
    }
}
