extension SQLiteConnection {
    /// The `detail` lines of `EXPLAIN QUERY PLAN sql`, each prefixed by two spaces per nesting level.
    ///
    /// For tests that check index use; parameters stay unbound (NULL), which does not change the plan's shape.
    func queryPlan(_ sql: String) throws -> [String] {
        let statement = try prepare("EXPLAIN QUERY PLAN " + sql)
        // Columns: id, parent, notused, detail.
        let rows = try statement.rows { (id: $0.int64(at: 0), parent: $0.int64(at: 1), detail: $0.string(at: 3) ?? "") }
        var depth: [Int64: Int] = [0: -1]
        return rows.map { row in
            let level = (depth[row.parent] ?? -1) + 1
            depth[row.id] = level
            return String(repeating: "  ", count: level) + row.detail
        }
    }
}
