import TaskManagerCore
import TaskManagerStore

/// What the HTTP side port (`TaskManagerHTTP`) reads from a running server: its keys, readiness and statistics.
extension TaskManagerServer {
    /// Whether calls need an API key (the server has `--api-key` or a keys file).
    public var requiresAPIKey: Bool { authenticator.isEnabled }

    /// Who `key` belongs to, checked as a call's `x-api-key` is (its rate limit included); nil when the server has
    /// no keys.
    /// - Throws: `TaskManagerError` UNAUTHENTICATED for a missing or unknown key, RESOURCE_EXHAUSTED over the key's
    ///   rate limit.
    public func caller(apiKey key: String?) throws -> Caller? {
        do {
            return try authenticator.authenticate(key)
        } catch let limited as RateLimitedError {
            throw limited.status
        }
    }

    /// Why the server cannot serve writes, when it cannot: shutting down, the database closed, a failed WAL sync
    /// (final until a restart), the store's memory lost; nil when it is ready.
    public var notReadyReason: String? {
        if shutdownState.withLockedValue({ $0 }) { return "server is shutting down" }
        return store.notReadyReason
    }

    /// The store's counts by type and status, as `GetStats` answers them.
    public func stats() async throws -> GetStatsResponse {
        try await store.stats(nowMs: maintenance.clock.nowMs(), slowAfterMs: 5 * 60_000)
    }

    /// Client connections open on the binary port.
    public var openConnections: Int { connections.count }
}
