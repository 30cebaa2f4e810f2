import Logging
import Synchronization

/// Collects what a logger writes, message and metadata, for tests that check what operators see.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger at `level` that writes into this capture.
    func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "test-capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// Everything logged so far, one line per entry: `LEVEL message key=value ...`.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            let all = self.metadata.merging(metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            capture.append(([level.rawValue.uppercased(), "\(message)"] + fields).joined(separator: " "))
        }
    }
}
