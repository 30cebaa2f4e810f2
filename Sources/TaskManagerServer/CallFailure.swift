import TaskManagerCore
import TaskManagerProtocol

/// How a call made in process (`TaskManagerServer.call`, `.stream`) ended when it did not succeed: the code and
/// message the binary port would have answered.
public struct CallFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// When the key's rate limit refused the call: the milliseconds until a call would be allowed.
    public var retryAfterMs: Int64?

    public init(_ code: StatusCode, _ message: String, retryAfterMs: Int64? = nil) {
        self.code = code
        self.message = message
        self.retryAfterMs = retryAfterMs
    }

    public var description: String { "\(code): \(message)" }

    /// The failure of a status-only answer; nil for a message or an OK status.
    init?(_ answer: Dispatcher.Answer) {
        switch answer {
        case .message:
            return nil
        case .status(let status):
            guard status.code != .ok else { return nil }
            self.init(status.code, status.message)
        case .statusWithMetadata(let status, let metadata):
            self.init(status.code, status.message, retryAfterMs: metadata[RateLimitedError.retryAfterKey].flatMap { Int64($0) })
        }
    }
}
