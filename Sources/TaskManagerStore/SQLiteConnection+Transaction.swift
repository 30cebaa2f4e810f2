import CSQLite

extension SQLiteConnection {
    /// How a transaction takes its locks.
    enum TransactionKind: String {
        /// Reads only; takes a read snapshot at the first read.
        case deferred = "BEGIN DEFERRED"
        /// Takes the write lock at once, so two writers never deadlock upgrading from read to write.
        case immediate = "BEGIN IMMEDIATE"
    }

    /// Runs `body` inside one transaction: committed when it returns, rolled back when it (or the commit) throws.
    func inTransaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try run(kind.rawValue)
        do {
            let result = try body()
            try run(SQL.commit)
            return result
        } catch {
            rollbackIfOpen()
            throw error
        }
    }

    private func rollbackIfOpen() {
        // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) already rolled the transaction back, and ROLLBACK would then
        // fail with "no transaction is active"; the original error is the one worth reporting.
        guard !isAutocommit else { return }
        try? run(SQL.rollback)
    }
}
