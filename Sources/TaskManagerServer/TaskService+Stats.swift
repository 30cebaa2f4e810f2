import TaskManagerCore

extension TaskService {
    func getStats(_ request: GetStatsRequest, _ context: CallContext) async throws -> GetStatsResponse {
        guard request.slowAfterMinutes >= 0 else { throw TaskManagerError(.invalidArgument, "slow_after_minutes must not be negative") }
        let minutes = request.slowAfterMinutes == 0 ? 5 : Int64(request.slowAfterMinutes)
        return try await store.stats(nowMs: clock.nowMs(), slowAfterMs: minutes * 60_000)
    }
}
