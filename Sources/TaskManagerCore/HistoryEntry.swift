extension HistoryEntry {
    /// The history labels written by the server: part of the wire contract.
    public enum Change {
        public static let created = "created"
        public static let claimed = "claimed"
        public static let progressUpdate = "progress_update"
        public static let completed = "completed"
        public static let failed = "failed"
        public static let retry = "retry"
        public static let leaseExpired = "lease_expired"
        public static let stalled = "stalled"
        public static let cancelRequested = "cancel_requested"
        public static let cancelled = "cancelled"
    }
}
