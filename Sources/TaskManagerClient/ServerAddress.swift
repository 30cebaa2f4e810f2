import TaskManagerCore

/// Parses `host:port`, `[v6]:port` or a bare host (port 7411).
public enum ServerAddress {
    public static let defaultPort = 7411

    public static func parse(_ text: String) throws -> (host: String, port: Int) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw invalid(text) }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else { throw invalid(text) }
                port = value
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { throw invalid(text) }
            port = value
            host = host[..<colon]
        }
        guard !host.isEmpty, (0...65535).contains(port) else { throw invalid(text) }
        return (String(host), port)
    }

    private static func invalid(_ text: String) -> TaskManagerError {
        TaskManagerError(.invalidArgument, "Invalid server address '\(text)': expected host:port")
    }
}
