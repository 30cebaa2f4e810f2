import TaskManagerCore

extension LiveTasks {
    /// The claimed task `id` as a full `Task`, from memory alone; nil when it is not claimed.
    func claimedTask(_ id: Int64) -> Task? {
        guard let task = tasks[id], let claim = claims[id] else { return nil }
        return makeTask(task, claim)
    }

    /// The claimed task as its row joined with its type would read, with the attempt's live state.
    func makeTask(_ live: LiveTask, _ claim: LiveClaim) -> Task {
        var task = Task()
        task.id = live.id
        task.type = types[live.typeID]?.name ?? ""
        task.typeID = live.typeID
        task.status = .claimed
        task.priority = live.priority
        task.attempts = live.attempts
        task.maxAttempts = live.maxAttempts
        task.claimedBy = claim.workerID
        task.claimedAtMs = claim.claimedAtMs
        task.createdAtMs = live.createdAtMs
        task.paramsJSON = claim.paramsJSON
        task.errorMessage = claim.errorMessage
        task.dedupeKey = claim.dedupeKey
        task.createdBy = claim.createdBy
        task.runAtMs = live.runAtMs
        apply(claim, updatedAtMs: live.updatedAtMs, to: &task)
        return task
    }

    /// Sets the fields of a task read from its row that only memory has current: when the row is of the claimed
    /// attempt that memory holds. Other rows (pending, finished, or of an attempt that has ended since they were
    /// read) are exact as they are.
    func overlay(_ task: inout Task) {
        guard task.status == .claimed, let live = tasks[task.id], live.isClaimed, live.attempts == task.attempts,
              let claim = claims[task.id] else { return }
        apply(claim, updatedAtMs: live.updatedAtMs, to: &task)
    }

    private func apply(_ claim: LiveClaim, updatedAtMs: Int64, to task: inout Task) {
        task.progress = claim.progress
        task.progressMessage = claim.progressMessage
        task.updatedAtMs = updatedAtMs
        task.leaseExpiresAtMs = claim.leaseExpiresAtMs
        task.cancelRequested = claim.cancelRequested
        task.cancelReason = claim.cancelReason
        task.stalledSinceMs = claim.stalledSinceMs ?? 0
        task.stalled = claim.stalledSinceMs != nil
        let rate = claim.rateState
        task.etaMs = rate.etaMs(progress: claim.progress)
        task.progressRate = rate.percentPerSecond(progress: claim.progress)
    }
}
