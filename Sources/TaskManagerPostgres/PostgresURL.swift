import Foundation
import NIOSSL
import PostgresNIO
import TaskManagerCore

/// A `postgres://user:password@host:port/database?sslmode=...` URL, checked.
///
/// `sslmode` is `disable`, `prefer` (the default, as libpq's) or `require`; the port defaults to 5432.
public struct PostgresURL: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: String

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// - Throws: `TaskManagerError` `INVALID_ARGUMENT` naming the URL (without its password) and what is wrong.
    public init(_ text: String) throws {
        func invalid(_ why: String) -> TaskManagerError {
            TaskManagerError(.invalidArgument, "Invalid PostgreSQL URL '\(Self.redacted(text))': \(why)")
        }
        guard Self.isPostgres(text) else { throw invalid("expected postgres://user:password@host:port/database") }
        guard let components = URLComponents(string: text) else { throw invalid("not a URL") }
        guard let host = components.host, !host.isEmpty else { throw invalid("missing host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("missing user name") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw invalid("missing database name") }
        if let port = components.port, !(1...65535).contains(port) {
            throw invalid("port must be between 1 and 65535")
        }
        var sslMode = "prefer"
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, ["disable", "prefer", "require"].contains(value) else {
                    throw invalid("sslmode must be disable, prefer or require")
                }
                sslMode = value
            default:
                throw invalid("unknown parameter '\(item.name)'")
            }
        }
        self.host = host
        port = components.port ?? 5432
        username = components.user?.removingPercentEncoding ?? user
        password = components.password?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
    }

    /// The configuration of a `PostgresClient` for this URL.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password,
                                            database: database, tls: tls)
    }

    /// The configuration of one `PostgresConnection` for this URL: the first connection `PostgresTaskStore.open`
    /// makes, which reports a refused connection or a failed login at once, where the pool would keep retrying.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                database: database, tls: tls)
    }

    /// `text` with any password replaced by `***`, for errors and logs.
    public static func redacted(_ text: String) -> String {
        text.replacingOccurrences(of: #"(://[^:/@]*:)[^@/]*@"#, with: "$1***@", options: .regularExpression)
    }
}
