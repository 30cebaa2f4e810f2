extension SQLiteTaskStore {
    /// SQLite's `PRAGMA synchronous` setting: how durable a commit is.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// No syncs: fastest; a power loss or OS crash may lose or corrupt recent commits.
        case off = "OFF"
        /// In WAL mode, commits survive an application crash but the latest may be lost on power loss.
        case normal = "NORMAL"
        /// Every commit is synced before its calls are answered: durable across power loss. On a file database the
        /// store syncs the WAL itself after each commit, on its own queue (`WALSync`), with SQLite at NORMAL.
        case full = "FULL"
    }
}
