/// One item of a watch stream: a history entry and the task as it is after it.
///
/// The first item of a `WatchTask` stream has no entry: it is the task's snapshot.
public struct TaskEvent: Hashable, Sendable {
    public var entry: HistoryEntry?
    public var task: Task?

    public init(entry: HistoryEntry? = nil, task: Task? = nil) {
        self.entry = entry
        self.task = task
    }
}
