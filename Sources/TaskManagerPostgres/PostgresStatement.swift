import PostgresNIO

/// A statement whose SQL depends only on its kind, never on the call's values (they are all bound): it is prepared
/// once per pooled connection and then run by name, so that PostgreSQL plans it once per connection rather than at
/// every call (planning the statements of a task's life cost as much as running them).
protocol PostgresStatementKind {
    /// The SQL, built once by the same code that builds each call's query, from placeholder values.
    static var sql: String { get }
}

/// The prepared form of a statement kind, with one call's values.
struct PostgresPrepared<Kind: PostgresStatementKind>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var name: String { "taskmanager_" + String(describing: Kind.self) }
    static var sql: String { Kind.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
