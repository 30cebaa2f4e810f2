/// A kind of change that servers sharing one store tell each other of, so that their waiting calls look again.
public enum StoreChange: Sendable, Hashable, CaseIterable {
    /// A task may have become claimable: wakes long-poll claims.
    case claimable
    /// History was written: wakes watch streams.
    case history
}

/// How the servers that share one database (PostgreSQL) act together. A store that one server owns alone (SQLite)
/// has none: its server hears every change itself and runs the background jobs.
public protocol StoreCoordination: Sendable {
    /// Starts hearing the changes other servers announce. `heard` is called for each (notifications may be
    /// coalesced), and with every kind after a lost connection to the database is back, since changes may have been
    /// missed meanwhile.
    func start(heard: @escaping @Sendable (StoreChange) -> Void)

    /// Tells the other servers of a change written through this one. Announcements are coalesced and may be lost;
    /// `recheckInterval` bounds what a lost one delays.
    func announce(_ change: StoreChange)

    /// How long a waiting claim or watch stream goes at most without looking again: what a lost notification
    /// delays at most.
    var recheckInterval: Duration { get }

    /// A call of this server starts (`true`) or stops (`false`) waiting for changes. The other servers' changes are
    /// heard only while some call waits (and shortly after), since hearing them costs the database work.
    func callWaits(_ waits: Bool)

    /// Whether this server runs the background jobs (lease reaper, stall detector, retention) now. At most one
    /// server of the database does at any time; when it stops or dies, another takes over within one call of this
    /// (the server calls it every round of its jobs).
    func leadsBackgroundJobs() async -> Bool
}
