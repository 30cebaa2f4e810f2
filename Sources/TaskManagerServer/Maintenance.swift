import Logging
import TaskManagerCore
import TaskManagerStore

/// The server's background jobs: ends expired leases, marks stalled tasks, deletes old finished tasks.
///
/// They run on a timer, not only when a worker claims, so a dead worker's task is back in pending within its
/// lease plus one interval even when nobody is claiming. Servers that share a store run them one at a time
/// (`StoreCoordination.leadsBackgroundJobs`).
struct Maintenance: Sendable {
    let store: any TaskStore
    let claimNotifier: ChangeNotifier
    let historyNotifier: ChangeNotifier
    let configuration: ServerConfiguration
    let clock: any WallClock
    let logger: Logger
    /// Counts lease expiries, retries and stalls; nil counts nothing.
    var metrics: ServerMetrics? = nil

    /// Starts running `runOnce()` every `interval` until the returned task is cancelled.
    func start(every interval: Duration) -> _Concurrency.Task<Void, Never> {
        _Concurrency.Task {
            while !_Concurrency.Task.isCancelled {
                do {
                    try await _Concurrency.Task.sleep(for: interval)
                } catch {
                    return
                }
                await runOnce()
            }
        }
    }

    /// One round of every job, when this server leads them (always, unless servers share the store). Failures
    /// are logged; the next round tries again.
    func runOnce() async {
        if let coordination = store.coordination, !(await coordination.leadsBackgroundJobs()) { return }
        let now = clock.nowMs()
        do {
            let reaped = try await store.reapExpiredLeases(nowMs: now)
            for task in reaped {
                logger.info("Lease expired", metadata: ["task": "\(task.id)", "status": "\(task.status)"])
            }
            if let metrics { count(reaped, in: metrics) }
            if reaped.contains(where: { $0.status == .pending }) { claimNotifier.notify() }
            if !reaped.isEmpty { historyNotifier.notify() }
            let stalled = try await store.markStalledTasks(nowMs: now, defaultStallAfterMs: Int64(configuration.stallAfterSeconds) * 1000)
            for task in stalled {
                logger.notice("Task stalled", metadata: ["task": "\(task.id)", "worker": "\(task.claimedBy)"])
            }
            if !stalled.isEmpty { historyNotifier.notify() }
            metrics?.stalls.increment(by: Int64(stalled.count))
            if configuration.retentionSeconds > 0 {
                let cutoff = now - configuration.retentionSeconds * 1000
                // Small batches keep each transaction short; later rounds take the rest.
                let deleted = try await store.deleteFinishedTasks(finishedBeforeMs: cutoff, limit: configuration.retentionBatchSize)
                if deleted > 0 { logger.info("Retention deleted \(deleted) finished tasks") }
            }
        } catch {
            logger.warning("Background job failed: \(error)")
        }
    }

    private func count(_ reaped: [Task], in metrics: ServerMetrics) {
        let requeued = Int64(reaped.count { $0.status == .pending })
        metrics.leaseExpiredRequeued.increment(by: requeued)
        metrics.leaseRetries.increment(by: requeued)
        metrics.leaseExpiredFailed.increment(by: Int64(reaped.count) - requeued)
    }
}
