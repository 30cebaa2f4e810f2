/// Runs loops side by side until a shared deadline and merges what they measured.
enum WorkerPool {
    /// Starts `count` workers, each given its index and the deadline (monotonic nanoseconds) `duration` seconds
    /// from now; returns their merged result and the seconds from the start until the last one returned.
    static func run(
        count: Int, duration: Double, _ body: @escaping @Sendable (_ worker: Int, _ deadline: UInt64) async throws -> WorkerResult
    ) async throws -> (result: WorkerResult, elapsed: Double) {
        let start = monotonicNanos()
        let deadline = start + UInt64(duration * 1e9)
        let merged = try await withThrowingTaskGroup(of: WorkerResult.self) { group in
            for worker in 0..<count {
                group.addTask { try await body(worker, deadline) }
            }
            var merged = WorkerResult()
            for try await result in group { merged.merge(result) }
            return merged
        }
        return (merged, Double(monotonicNanos() - start) / 1e9)
    }
}
