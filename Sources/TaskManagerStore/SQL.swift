import Synchronization

/// An SQL statement of the store's hot paths, declared once as a static constant: a connection prepares it at
/// its first use and then finds it by its slot number, with no hashing of its text and no text built per call.
///
/// SQL built per call (filters, patterns) goes through `SQLiteConnection.prepare(_: String)` instead.
struct SQL: Sendable {
    let text: String
    /// Where connections keep its prepared statement: unique per constant.
    let slot: Int

    init(_ text: String) {
        self.text = text
        slot = Self.slots.add(1, ordering: .relaxed).oldValue
    }

    private static let slots = Atomic<Int>(0)

    static let beginImmediate = SQL("BEGIN IMMEDIATE")
    static let commit = SQL("COMMIT")
    static let rollback = SQL("ROLLBACK")
}
