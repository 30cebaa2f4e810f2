import PostgresNIO
import TaskManagerCore

extension PostgresTaskStore {
    /// `error` as clients may see it: a `TaskManagerError` without SQL or user data, the original as its cause.
    ///
    /// Lost connections, a server shutting down or refusing connections, deadlocks and serialization failures are
    /// retryable (`UNAVAILABLE`, as SQLite's busy database); a full disk is `RESOURCE_EXHAUSTED` (as SQLite's full
    /// storage); anything else is `INTERNAL`.
    static func mapError(_ error: any Error) -> any Error {
        switch error {
        case let error as TaskManagerError:
            return error
        case let error as PSQLError:
            switch error.code {
            case .server:
                let state = sqlState(error) ?? ""
                if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" || isRetryable(error) {
                    return TaskManagerError(.unavailable, "Database is busy", cause: error)
                }
                if state == "53100" { return TaskManagerError(.resourceExhausted, "Storage full", cause: error) }
                return TaskManagerError(.internal, "Storage error (PostgreSQL state \(state))", cause: error)
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown,
                 .queryCancelled:
                return TaskManagerError(.unavailable, "Database is unavailable", cause: error)
            default:
                return TaskManagerError(.internal, "Storage error", cause: error)
            }
        case is CancellationError:
            return TaskManagerError(.unavailable, "Database is unavailable")
        default:
            return TaskManagerError(.internal, "Storage error")
        }
    }

    /// The SQLSTATE of an error the server sent.
    static func sqlState(_ error: PSQLError) -> String? {
        error.serverInfo?[.sqlState]
    }

    /// Whether the transaction may simply run again: a serialization failure or a deadlock.
    static func isRetryable(_ error: PSQLError) -> Bool {
        let state = sqlState(error)
        return state == "40001" || state == "40P01"
    }
}
