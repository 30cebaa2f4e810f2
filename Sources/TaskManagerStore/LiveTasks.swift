import HeapModule
import TaskManagerCore

/// The embedded store's scheduler: every pending and claimed task, with per-type ready queues in claim order,
/// delayed tasks (and retries waiting out a backoff) by due time, and leases by expiry.
///
/// It is the authority on live tasks: the writer's jobs decide claims, renewals and outcomes here and make each
/// decision durable as rows in the same job; finished tasks live only in SQLite. Only writer jobs change it, under
/// `SQLiteTaskStore`'s lock; reads copy from it. Queue entries are removed lazily: an entry whose task left the
/// queue (claimed, finished, or queued again, which changes its ticket) is dropped when it reaches the top.
struct LiveTasks: Sendable {
    private(set) var tasks: [Int64: LiveTask] = [:]
    private(set) var claims: [Int64: LiveClaim] = [:]
    private var queues: [Int64: TypeQueue] = [:]
    /// Every task type, by id.
    private(set) var types: [Int64: LiveType] = [:]
    /// Type ids by name, byte for byte (see `ExactText`).
    private(set) var typeIDs: [ExactText: Int64] = [:]
    /// Set by every change to a task; the store clears it before each write job, so that a job that failed after
    /// changing the memory is known and the memory is read again from the database.
    var changed = false

    init() {}

    /// Builds the memory of `tasks` (pending and claimed) and `claims` at once, with heapified queues.
    init(types: [Int64: LiveType], tasks: [Int64: LiveTask], claims: [Int64: LiveClaim], nowMs: Int64) {
        self.types = types
        typeIDs = Dictionary(types.map { (ExactText($0.value.name), $0.key) }, uniquingKeysWith: { first, _ in first })
        self.tasks = tasks
        self.claims = claims
        var ready: [Int64: [ReadyEntry]] = [:]
        var delayed: [Int64: [TimedEntry]] = [:]
        var leases: [Int64: [TimedEntry]] = [:]
        for task in tasks.values {
            if let claim = claims[task.id] {
                leases[task.typeID, default: []].append(TimedEntry(claim.leaseExpiresAtMs, task.id, UInt32(task.attempts)))
            } else if task.runAtMs <= nowMs {
                ready[task.typeID, default: []].append(ReadyEntry(task))
            } else {
                delayed[task.typeID, default: []].append(TimedEntry(task.runAtMs, task.id, task.queueTicket))
            }
        }
        for typeID in Set(ready.keys).union(delayed.keys).union(leases.keys) {
            let pending = (ready[typeID]?.count ?? 0) + (delayed[typeID]?.count ?? 0)
            queues[typeID] = TypeQueue(
                ready: Heap(ready[typeID] ?? []), delayed: Heap(delayed[typeID] ?? []), leases: Heap(leases[typeID] ?? []),
                pendingCount: pending, claimedCount: leases[typeID]?.count ?? 0)
        }
    }

    // MARK: - Changes

    /// Adds or replaces a task type (its usage count is not kept).
    mutating func setType(_ type: TaskType) {
        var type = type
        type.usageCount = 0
        if let old = types[type.id], ExactText(old.name) != ExactText(type.name) { typeIDs[ExactText(old.name)] = nil }
        types[type.id] = LiveType(type: type)
        typeIDs[ExactText(type.name)] = type.id
    }

    /// Adds a new pending task (its `queueTicket` is set here).
    mutating func insertPending(_ task: LiveTask, nowMs: Int64) {
        tasks[task.id] = task
        queues[task.typeID, default: TypeQueue()].pendingCount += 1
        enqueue(task.id, nowMs: nowMs)
        changed = true
    }

    /// Marks the pending task `id` claimed: a new attempt with `claim` as its state.
    mutating func claim(_ id: Int64, _ claim: LiveClaim, nowMs: Int64) {
        guard var task = tasks[id] else { return }
        task.isClaimed = true
        task.attempts += 1
        task.leaseExpiredAttempt = 0
        task.updatedAtMs = nowMs
        tasks[id] = task
        claims[id] = claim
        queues[task.typeID, default: TypeQueue()].pendingCount -= 1
        queues[task.typeID, default: TypeQueue()].claimedCount += 1
        queues[task.typeID, default: TypeQueue()].leases.insert(TimedEntry(claim.leaseExpiresAtMs, id, UInt32(task.attempts)))
        Self.compact(&queues[task.typeID, default: TypeQueue()], tasks: tasks)
        changed = true
    }

    /// Replaces the state of the claimed task `id`'s attempt (progress, lease, stall, cancel request).
    ///
    /// A later lease needs no new queue entry: an entry that comes due before the lease is moved on then.
    mutating func update(_ id: Int64, _ claim: LiveClaim, nowMs: Int64) {
        guard claims[id] != nil else { return }
        claims[id] = claim
        tasks[id]?.updatedAtMs = nowMs
        changed = true
    }

    /// Puts the claimed task `id` back in pending, claimable from `runAtMs`.
    mutating func release(_ id: Int64, runAtMs: Int64, leaseExpiredAttempt: Int32, nowMs: Int64) {
        guard var task = tasks[id] else { return }
        task.isClaimed = false
        task.runAtMs = runAtMs
        task.leaseExpiredAttempt = leaseExpiredAttempt
        task.updatedAtMs = nowMs
        tasks[id] = task
        claims[id] = nil
        queues[task.typeID, default: TypeQueue()].claimedCount -= 1
        queues[task.typeID, default: TypeQueue()].pendingCount += 1
        enqueue(id, nowMs: nowMs)
        changed = true
    }

    /// Forgets the task `id`: it finished, and lives on only in SQLite.
    mutating func remove(_ id: Int64) {
        guard let task = tasks.removeValue(forKey: id) else { return }
        claims[id] = nil
        if task.isClaimed {
            queues[task.typeID, default: TypeQueue()].claimedCount -= 1
        } else {
            queues[task.typeID, default: TypeQueue()].pendingCount -= 1
        }
        changed = true
    }

    /// Records that the task `id` now has rows that only durability needs.
    mutating func noteHiddenEvent(_ id: Int64) {
        guard tasks[id]?.hasHiddenEvents == false else { return }
        tasks[id]?.hasHiddenEvents = true
        changed = true
    }

    private mutating func enqueue(_ id: Int64, nowMs: Int64) {
        guard var task = tasks[id] else { return }
        task.queueTicket &+= 1
        tasks[id] = task
        if task.runAtMs <= nowMs {
            queues[task.typeID, default: TypeQueue()].ready.insert(ReadyEntry(task))
        } else {
            queues[task.typeID, default: TypeQueue()].delayed.insert(TimedEntry(task.runAtMs, id, task.queueTicket))
        }
        Self.compact(&queues[task.typeID, default: TypeQueue()], tasks: tasks)
    }

    /// Drops the stale entries of a type's queues once they are more than half of them (and over a thousand):
    /// entries of tasks claimed in another order than the default, cancelled, or whose claim ended, which would
    /// otherwise wait until they reach a queue's top. A linear pass, after as many changes: O(1) per change.
    private static func compact(_ queue: inout TypeQueue, tasks: [Int64: LiveTask]) {
        let slack = 1_024
        if queue.ready.count + queue.delayed.count > 2 * queue.pendingCount + slack {
            queue.ready = Heap(queue.ready.unordered.filter { queuedTask($0.id, ticket: $0.ticket, in: tasks) != nil })
            queue.delayed = Heap(queue.delayed.unordered.filter { queuedTask($0.id, ticket: $0.ticket, in: tasks) != nil })
        }
        if queue.leases.count > 2 * queue.claimedCount + slack {
            queue.leases = Heap(queue.leases.unordered.filter { entry in
                tasks[entry.id].map { $0.isClaimed && UInt32($0.attempts) == entry.ticket } ?? false
            })
        }
    }

    /// The pending and claimed tasks of each type that has any.
    var queueCounts: [(typeID: Int64, pending: Int, claimed: Int)] {
        queues.compactMap { id, queue in
            queue.pendingCount > 0 || queue.claimedCount > 0 ? (id, queue.pendingCount, queue.claimedCount) : nil
        }
    }

    /// The entries in the queues of type `typeID` (valid or stale); for tests.
    func queuedEntryCount(of typeID: Int64) -> Int {
        queues[typeID].map { $0.ready.count + $0.delayed.count + $0.leases.count } ?? 0
    }

    // MARK: - Claims

    /// The claimed tasks of the types `typeIDs` (nil = all) whose lease ended before `nowMs`, earliest first.
    ///
    /// Their lease entries are taken off the queue: the caller ends every one of them (or the job fails and the
    /// memory is read again).
    mutating func expiredLeases(of typeIDs: [Int64]?, nowMs: Int64) -> [Int64] {
        var expired: [(atMs: Int64, id: Int64)] = []
        // The queues are changed in place (`queues[id]?.…`): a copy taken out and put back would make every
        // change copy the whole heap, which the dictionary still shares.
        for typeID in typeIDs ?? Array(queues.keys) {
            while let top = queues[typeID]?.leases.min, top.atMs < nowMs {
                queues[typeID]?.leases.removeMin()
                guard let task = tasks[top.id], task.isClaimed, UInt32(task.attempts) == top.ticket,
                      let claim = claims[top.id] else { continue }
                if claim.leaseExpiresAtMs < nowMs {
                    expired.append((claim.leaseExpiresAtMs, top.id))
                } else {
                    // Renewed since the entry was made: it comes due again at the new lease.
                    queues[typeID]?.leases.insert(TimedEntry(claim.leaseExpiresAtMs, top.id, top.ticket))
                }
            }
        }
        return expired.sorted { ($0.atMs, $0.id) < ($1.atMs, $1.id) }.map(\.id)
    }

    /// The pending task a claim of the types `typeIDs` takes first in `order` at `nowMs`, if any.
    ///
    /// The default order reads the top of each type's ready queue; the other orders look at every due task.
    mutating func pick(of typeIDs: [Int64], order: ClaimOrder, nowMs: Int64) -> Int64? {
        var best: LiveTask?
        for typeID in typeIDs where queues[typeID] != nil {
            Self.promoteDue(&queues[typeID, default: TypeQueue()], tasks: tasks, nowMs: nowMs)
            if order == .priorityThenAge {
                if let top = Self.readyTop(&queues[typeID, default: TypeQueue()], tasks: tasks, nowMs: nowMs),
                   best.map({ ReadyEntry(top) < ReadyEntry($0) }) ?? true {
                    best = top
                }
            } else {
                for entry in queues[typeID]?.ready.unordered ?? [] {
                    guard let task = Self.queuedTask(entry.id, ticket: entry.ticket, in: tasks), task.runAtMs <= nowMs
                    else { continue }
                    if best.map({ Self.precedes(task, $0, in: order) }) ?? true { best = task }
                }
            }
        }
        return best?.id
    }

    /// When the next pending task of the types `typeIDs` that is not due at `nowMs` becomes due, if any.
    ///
    /// A task queued as due under a later clock (a clock set back since) is found by claims, which check each
    /// task's due time, but not here until a claim has met it.
    mutating func nextDueTime(of typeIDs: [Int64], nowMs: Int64) -> Int64? {
        var earliest: Int64?
        for typeID in typeIDs where queues[typeID] != nil {
            Self.promoteDue(&queues[typeID, default: TypeQueue()], tasks: tasks, nowMs: nowMs)
            while let top = queues[typeID]?.delayed.min, Self.queuedTask(top.id, ticket: top.ticket, in: tasks) == nil {
                queues[typeID]?.delayed.removeMin()
            }
            if let top = queues[typeID]?.delayed.min { earliest = min(earliest ?? top.atMs, top.atMs) }
        }
        return earliest
    }

    /// Moves the delayed tasks that are due into the ready queue.
    private static func promoteDue(_ queue: inout TypeQueue, tasks: [Int64: LiveTask], nowMs: Int64) {
        while let top = queue.delayed.min, top.atMs <= nowMs {
            queue.delayed.removeMin()
            if let task = queuedTask(top.id, ticket: top.ticket, in: tasks) { queue.ready.insert(ReadyEntry(task)) }
        }
    }

    /// The first valid, due entry of the ready queue; stale entries above it are dropped, and an entry not due
    /// (a clock set back) goes back to the delayed queue.
    private static func readyTop(_ queue: inout TypeQueue, tasks: [Int64: LiveTask], nowMs: Int64) -> LiveTask? {
        while let top = queue.ready.min {
            guard let task = queuedTask(top.id, ticket: top.ticket, in: tasks) else {
                queue.ready.removeMin()
                continue
            }
            guard task.runAtMs <= nowMs else {
                queue.ready.removeMin()
                queue.delayed.insert(TimedEntry(task.runAtMs, task.id, top.ticket))
                continue
            }
            return task
        }
        return nil
    }

    /// The pending task `id` when a queue entry with `ticket` is its current one; nil for a stale entry.
    private static func queuedTask(_ id: Int64, ticket: UInt32, in tasks: [Int64: LiveTask]) -> LiveTask? {
        guard let task = tasks[id], !task.isClaimed, task.queueTicket == ticket else { return nil }
        return task
    }

    /// Whether `a` comes before `b` in a claim order other than the default; ties by id ascending.
    static func precedes(_ a: LiveTask, _ b: LiveTask, in order: ClaimOrder) -> Bool {
        switch order {
        case .priorityThenAge:
            return ReadyEntry(a) < ReadyEntry(b)
        case .by(.id, let ascending):
            return ascending ? a.id < b.id : a.id > b.id
        case .by(let key, let ascending):
            let (x, y) = Self.sortValues(a, b, key)
            if x != y { return ascending ? x < y : x > y }
            return a.id < b.id
        }
    }

    private static func sortValues(_ a: LiveTask, _ b: LiveTask, _ key: ClaimSortKey) -> (Int64, Int64) {
        switch key {
        case .createdAt: return (a.createdAtMs, b.createdAtMs)
        case .priority: return (Int64(a.priority), Int64(b.priority))
        case .id: return (a.id, b.id)
        case .attempts: return (Int64(a.attempts), Int64(b.attempts))
        }
    }
}

/// The queues of one task type.
struct TypeQueue: Sendable {
    /// Due pending tasks, best first in the default claim order.
    var ready = Heap<ReadyEntry>()
    /// Pending tasks not yet due, by due time.
    var delayed = Heap<TimedEntry>()
    /// Claimed tasks by lease expiry; the ticket is the attempt.
    var leases = Heap<TimedEntry>()
    /// The pending tasks of the type (whose entries are in `ready` or `delayed`).
    var pendingCount = 0
    /// The claimed tasks of the type (whose entries are in `leases`).
    var claimedCount = 0
}

/// A ready queue entry, ordered as the default claim order: priority DESC, created ASC, id ASC.
struct ReadyEntry: Comparable, Sendable {
    var priority: Int32
    var ticket: UInt32
    var createdAtMs: Int64
    var id: Int64

    init(_ task: LiveTask) {
        priority = task.priority
        ticket = task.queueTicket
        createdAtMs = task.createdAtMs
        id = task.id
    }

    static func < (a: ReadyEntry, b: ReadyEntry) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.createdAtMs != b.createdAtMs { return a.createdAtMs < b.createdAtMs }
        return a.id < b.id
    }
}

/// A queue entry due at a time, ordered by (time, id).
struct TimedEntry: Comparable, Sendable {
    var atMs: Int64
    var id: Int64
    var ticket: UInt32

    init(_ atMs: Int64, _ id: Int64, _ ticket: UInt32) {
        self.atMs = atMs
        self.id = id
        self.ticket = ticket
    }

    static func < (a: TimedEntry, b: TimedEntry) -> Bool {
        a.atMs != b.atMs ? a.atMs < b.atMs : a.id < b.id
    }
}
