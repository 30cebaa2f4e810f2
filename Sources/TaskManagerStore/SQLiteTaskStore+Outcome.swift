import TaskManagerCore

extension SQLiteTaskStore {
    public func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String, then: @escaping StoreCompletion<Task>) {
        write({ db in
            let (task, current) = try self.requireClaim(db, claim)
            // Moving progress restarts the stall clock, clears a stall already marked, and adds a point to the
            // progress rate (`ProgressRate`): the new point is (progress, now). Every report renews the lease.
            var next = current
            next.leaseExpiresAtMs = self.leaseEnd(typeID: task.typeID, nowMs: claim.nowMs, defaultLeaseMs: claim.defaultLeaseMs)
            if progress != current.progress {
                next.progressRate = current.rateState.adding(progress: progress, atMs: claim.nowMs).rate
                next.progressChangedAtMs = claim.nowMs
                next.stalledSinceMs = nil
            }
            next.progress = progress
            next.progressMessage = message
            let text = message.isEmpty ? "Progress: \(progress)%" : "Progress: \(progress)% - \(message)"
            try self.appendEvent(db, taskID: claim.id, change: HistoryEntry.Change.progressUpdate,
                                 workerID: claim.workerID, message: text, nowMs: claim.nowMs,
                                 snapshot: (task.attempts, next))
            return try self.live.withLock { live in
                live.update(claim.id, next, nowMs: claim.nowMs)
                guard let task = live.claimedTask(claim.id) else { throw Self.vanished }
                return task
            }
        }, then: then)
    }

    public func heartbeat(_ claim: ClaimCheck, then: @escaping StoreCompletion<Task>) {
        write({ db in
            let (task, current) = try self.requireClaim(db, claim)
            var next = current
            next.leaseExpiresAtMs = self.leaseEnd(typeID: task.typeID, nowMs: claim.nowMs, defaultLeaseMs: claim.defaultLeaseMs)
            try self.appendEvent(db, taskID: claim.id, change: TaskEventRow.heartbeat, workerID: claim.workerID,
                                 message: "Heartbeat", nowMs: claim.nowMs, snapshot: (task.attempts, next))
            return try self.live.withLock { live in
                live.update(claim.id, next, nowMs: claim.nowMs)
                guard let task = live.claimedTask(claim.id) else { throw Self.vanished }
                return task
            }
        }, then: then)
    }

    public func completeTask(_ claim: ClaimCheck, resultJSON: String, then: @escaping StoreCompletion<Task>) {
        write({ db in
            // A requested cancel does not stop a completion: the work is done.
            let (task, current) = try self.requireClaim(db, claim)
            let ending = Ending(status: .completed, resultJSON: resultJSON, errorMessage: current.errorMessage,
                                stalledSinceMs: current.stalledSinceMs, leaseExpiredAttempt: 0)
            return try self.finish(db, task, current, ending, nowMs: claim.nowMs, events: [
                (HistoryEntry.Change.completed, "Task completed successfully"),
            ])
        }, then: then)
    }

    public func failTask(
        _ claim: ClaimCheck, error: String, jitter: Double, then: @escaping StoreCompletion<(task: Task, retried: Bool)>
    ) {
        write({ db in
            let (task, current) = try self.requireClaim(db, claim)
            let nowMs = claim.nowMs
            if current.cancelRequested {
                let reason = current.cancelReason.isEmpty ? "requested" : current.cancelReason
                let ending = Ending(status: .cancelled, resultJSON: "", errorMessage: error,
                                    stalledSinceMs: current.stalledSinceMs, leaseExpiredAttempt: 0)
                return (try self.finish(db, task, current, ending, nowMs: nowMs, events: [
                    (HistoryEntry.Change.cancelled, "Task cancelled: \(reason)"),
                ]), false)
            }
            if task.attempts < task.maxAttempts {
                let delayMs = task.retryBackoff.delayMs(afterAttempt: task.attempts, jitter: jitter)
                let retried = try self.release(db, task, current, runAtMs: Self.adding(delayMs, to: nowMs),
                                               errorMessage: error, leaseExpiredAttempt: 0, nowMs: nowMs,
                                               event: (HistoryEntry.Change.retry, "Task failed: \(error)"))
                return (retried, true)
            }
            let ending = Ending(status: .failed, resultJSON: "", errorMessage: error,
                                stalledSinceMs: current.stalledSinceMs, leaseExpiredAttempt: 0)
            return (try self.finish(db, task, current, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.failed, "Task failed: \(error)"),
            ]), false)
        }, then: { [self] (outcome: Result<(task: Task, retried: Bool), any Error>) in
            if case .success((_, true)) = outcome { metrics.withLock { $0 }?.failedRetries.increment() }
            then(outcome)
        })
    }
}
