extension SQLiteTaskStore {
    /// SQLite's `PRAGMA synchronous` setting: how durable a commit is.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// No syncs: fastest; a power loss or OS crash may lose or corrupt recent commits.
        case off = "OFF"
        /// In WAL mode, commits survive an application crash but the latest may be lost on power loss.
        case normal = "NORMAL"
        /// Every commit is synced: durable across power loss.
        case full = "FULL"
    }
}
